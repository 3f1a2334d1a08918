import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

from progress.management.commands.seed_load import (
    ACCOUNTS,
    BIG_TRACK,
    HEAVY_EVENTS,
    LEARNER,
    ML_TRACK,
    TEAM,
)
from progress.models import (
    Follow,
    LearnerTrackTally,
    Mentorship,
    Note,
    ProgressEvent,
    TopicProgress,
    TopicStatusCount,
)
from teams.models import Membership, Team
from tracks.models import Topic, Track

User = get_user_model()

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="seed_load writes with COPY (PostgreSQL)"
)


@pytest.fixture
def seeded(db):
    call_command("seed_load", users=20)


def test_seed_load_makes_learners_with_statuses_events_and_notes(seeded):
    ml = Track.objects.get(slug=ML_TRACK)
    big = Track.objects.get(slug=BIG_TRACK)
    ml_topics = Topic.objects.filter(track=ml, retired=False).count()
    assert ml_topics == 77
    # 600 topics under the track's root topic.
    assert Topic.objects.filter(track=big, parent__isnull=False).count() == 600
    assert User.objects.count() == 20 + 4
    assert User.objects.filter(is_staff=True).get().username == ACCOUNTS["curator"]
    # Every learner follows both tracks at this size; the heavy learner the first only.
    assert Follow.objects.filter(track=ml, active=True).count() == 21
    assert Follow.objects.filter(track=big, active=True).count() == 20
    learner = User.objects.get(username=ACCOUNTS["learner"])
    assert TopicProgress.objects.filter(user=learner, topic__track=ml).count() == 30
    assert TopicProgress.objects.filter(user=learner, topic__track=big).count() == 30
    assert TopicProgress.objects.count() == 20 * 30 * 2 + ml_topics
    assert Note.objects.count() == 20 * 5 * 2
    heavy = User.objects.get(username=ACCOUNTS["heavy"])
    assert ProgressEvent.objects.filter(user=heavy).count() == HEAVY_EVENTS
    learner_events = ProgressEvent.objects.exclude(user=heavy).count()
    assert 20 * 2 * 30 <= learner_events <= 20 * 2 * 30 * 4
    mentor = User.objects.get(username=ACCOUNTS["mentor"])
    assert Mentorship.objects.filter(mentor=mentor, state="active").count() == 20
    # Each user has a profile, and the heavy learner's statuses end where its history does.
    assert User.objects.filter(profile__isnull=True).count() == 0
    last = ProgressEvent.objects.filter(user=heavy).order_by("created_at", "id").last()
    assert TopicProgress.objects.get(user=heavy, topic=last.topic).status == last.to_status


def test_seed_load_counts_statuses_for_insights(seeded):
    counted = sum(c.done + c.doing + c.skipped for c in TopicStatusCount.objects.all())
    assert counted == TopicProgress.objects.exclude(status="todo").count()
    assert sum(t.marked for t in LearnerTrackTally.objects.all()) == counted


def test_seed_load_makes_a_team_of_learners_on_the_ml_track(seeded):
    team = Team.objects.get(slug=TEAM)
    assert list(team.tracks.values_list("slug", flat=True)) == [ML_TRACK]
    lead = team.memberships.leads().get().user
    assert lead.username == ACCOUNTS["lead"] and lead.check_password("bench-pass-123")
    # 200 learners at full size; every learner in a data set of 20.
    members = team.memberships.members().values_list("user__username", flat=True)
    assert sorted(members) == [LEARNER.format(n) for n in range(20)]


def test_seed_load_leaves_a_seeded_database_alone(seeded, capsys):
    capsys.readouterr()
    call_command("seed_load", users=20)
    assert "already exist; nothing changed" in capsys.readouterr().out
    assert User.objects.count() == 24
    assert Membership.objects.count() == 21


def test_seed_load_adds_the_team_to_a_data_set_seeded_before_it(seeded, capsys):
    Team.objects.filter(slug=TEAM).delete()
    User.objects.filter(username=ACCOUNTS["lead"]).delete()
    capsys.readouterr()
    call_command("seed_load", users=20)
    assert f"Added the team {TEAM} (20 members)" in capsys.readouterr().out
    assert Team.objects.get(slug=TEAM).memberships.count() == 21
    assert User.objects.count() == 24


def test_seed_load_refuses_too_few_users(db):
    with pytest.raises(CommandError, match="at least 4"):
        call_command("seed_load", users=2)
    assert not User.objects.exists()
