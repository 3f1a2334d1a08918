from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from checkins import services
from checkins.models import CheckIn, Level
from progress.models import Follow, Mentorship
from tracks.models import ExpectedBehaviour, Track

User = get_user_model()


@pytest.fixture
def behaviours(track: Track) -> list[ExpectedBehaviour]:
    texts = ["Follows the scientific method", "Questions solutions", "Shares what they learn"]
    return [
        ExpectedBehaviour.objects.create(track=track, text=text, order=order)
        for order, text in enumerate(texts)
    ]


@pytest.fixture
def follows(alice, track) -> Follow:
    return Follow.objects.create(user=alice, track=track)


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def bob_client(client, bob):
    client.force_login(bob)
    return client


def fill(checkin: CheckIn, levels: list[int], evidence: str = "") -> None:
    for behaviour, level in zip(
        checkin.track.behaviours.live().order_by("order"), levels, strict=False
    ):
        services.save_rating(checkin, behaviour, level, evidence or f"Did {behaviour.key}")


@pytest.fixture
def submitted(alice, bob, track, behaviours, follows) -> CheckIn:
    """Alice's check-in, rated and submitted to bob."""
    checkin = services.start_checkin(alice, track)
    fill(checkin, [Level.SOMETIMES, Level.CONSISTENTLY, Level.ROLE_MODEL], "See #python")
    return services.submit_checkin(checkin)


@pytest.fixture
def completed(submitted, bob) -> CheckIn:
    """Alice's check-in, rated by bob and completed: a gap on the first and last behaviour."""
    for behaviour, level in zip(
        submitted.track.behaviours.order_by("order"),
        [Level.NOT_YET, Level.CONSISTENTLY, Level.SOMETIMES],
        strict=True,
    ):
        services.save_mentor_rating(bob, submitted, behaviour, level, f"On {behaviour.key}")
    return services.complete_checkin(bob, submitted)


@pytest.fixture
def dave(db, charlie):
    """Charlie's active mentor: a mentor, but of someone else than alice."""
    dave = User.objects.create_user("dave", "dave@example.com", "dave-pass-123")
    Mentorship.objects.create(mentor=dave, mentee=charlie, state=Mentorship.State.ACTIVE)
    return dave
