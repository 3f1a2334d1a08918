import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.utils import translation

from progress import viewerpages
from progress.models import Mentorship
from progress.trackpage import clear_local
from tracks.models import Resource, Topic, Track

pytest_plugins = ["tests.plantuml_fixture", "tests.redis_fixture"]

User = get_user_model()


@pytest.fixture(autouse=True)
def _fresh_page_cache():
    """Pages cached per track version start empty in every test, as after a deploy."""
    caches["pages"].clear()
    clear_local()
    viewerpages.clear()


@pytest.fixture
def alice(db):
    """A learner."""
    return User.objects.create_user("alice", "alice@example.com", "alice-pass-123")


@pytest.fixture
def bob(db, alice):
    """Alice's active mentor."""
    bob = User.objects.create_user("bob", "bob@example.com", "bob-pass-123")
    Mentorship.objects.create(mentor=bob, mentee=alice, state=Mentorship.State.ACTIVE)
    return bob


@pytest.fixture
def charlie(db):
    """A stranger to alice."""
    return User.objects.create_user("charlie", "charlie@example.com", "charlie-pass-123")


@pytest.fixture
def curator(db):
    """Edits content."""
    return User.objects.create_user(
        "curator", "curator@example.com", "curator-pass-123", is_staff=True, is_superuser=True
    )


@pytest.fixture
def track(db):
    """A small published track: a root with two sections of two topics each."""
    track = Track.objects.create(slug="ml", title="Machine Learning", description="About *ML*.")
    root = Topic.objects.create(track=track, key="ml", title="Machine Learning", order=0)
    basics = Topic.objects.create(track=track, parent=root, key="basics", title="Basics", order=1)
    Topic.objects.create(track=track, parent=basics, key="python", title="Python", order=2)
    Topic.objects.create(track=track, parent=basics, key="statistics", title="Statistics", order=3)
    serving = Topic.objects.create(
        track=track, parent=root, key="serving", title="Serving", order=4, side=Topic.Side.LEFT
    )
    api = Topic.objects.create(track=track, parent=serving, key="apis", title="APIs", order=5)
    Topic.objects.create(track=track, parent=serving, key="batch", title="Batch", order=6)
    Resource.objects.create(
        topic=api,
        title="FastAPI docs",
        url="https://fastapi.tiangolo.com/",
        kind=Resource.Kind.DOCUMENTATION,
        language="en",
    )
    return track


def topic(track: Track, key: str) -> Topic:
    return Topic.objects.get(track=track, key=key)


@pytest.fixture
def english(settings):
    """Pages and messages in English, whatever the default language is."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
