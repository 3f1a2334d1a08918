"""The signed-in user is read by progress.sessionuser's statement only when Django would have
returned that very user; every other session gets Django's own answer."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.test import override_settings

from progress.models import TopicProgress

ME = "/me/"


def signed_in(client, user, backend: str = "django.contrib.auth.backends.ModelBackend"):
    client.force_login(user, backend=backend)
    return client


def is_signed_in(client) -> bool:
    return client.get(ME).status_code == 200


def test_a_signed_in_user_reads_their_own_pages(client, alice):
    signed_in(client, alice)
    response = client.get(ME)
    assert response.status_code == 200
    assert response.wsgi_request.user == alice


@pytest.mark.parametrize(
    "backend",
    [
        "django.contrib.auth.backends.ModelBackend",
        "allauth.account.auth_backends.AuthenticationBackend",
    ],
)
def test_sessions_of_either_backend_stay_signed_in(client, alice, backend):
    signed_in(client, alice, backend)
    assert is_signed_in(client)


def test_a_password_changed_elsewhere_ends_the_session(client, alice):
    signed_in(client, alice)
    alice.set_password("a-new-pass-4471")
    alice.save()
    response = client.get(ME)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert SESSION_KEY not in client.session


def test_a_deactivated_account_is_signed_out(client, alice):
    signed_in(client, alice)
    alice.is_active = False
    alice.save()
    assert not is_signed_in(client)


def test_a_deleted_account_is_signed_out(client, alice):
    signed_in(client, alice)
    alice.delete()
    assert not is_signed_in(client)


def test_a_session_of_a_backend_no_longer_configured_is_signed_out(client, alice):
    signed_in(client, alice)
    session = client.session
    session[BACKEND_SESSION_KEY] = "some.removed.Backend"
    session.save()
    assert not is_signed_in(client)


def test_a_session_without_its_hash_is_signed_out(client, alice):
    signed_in(client, alice)
    session = client.session
    del session[HASH_SESSION_KEY]
    session.save()
    assert not is_signed_in(client)


def test_a_session_made_with_a_rotated_secret_stays_signed_in(client, alice, settings):
    signed_in(client, alice)
    old_hash = client.session[HASH_SESSION_KEY]
    with override_settings(
        SECRET_KEY="a-new-secret-key-for-this-test-0123456789-abcdefghijkl",
        SECRET_KEY_FALLBACKS=[settings.SECRET_KEY],
    ):
        assert is_signed_in(client)
        # Django moved the session to the new secret, as without the statement.
        assert client.session[HASH_SESSION_KEY] != old_hash


# The track page and the topic panel read the user's row in their own statement.
TRACK = "/tracks/ml/"
PANEL = "/tracks/ml/t/python/"
HTMX = {"HX-Request": "true"}


@pytest.mark.parametrize("path", [TRACK, PANEL])
def test_an_unpublished_track_shows_to_staff_only(client, alice, charlie, curator, track, path):
    track.published = False
    track.save()
    for learner in (alice, charlie):
        signed_in(client, learner)
        assert client.get(path, headers=HTMX).status_code == 404
        status = client.post("/tracks/ml/t/python/status/", {"status": "done"}, headers=HTMX)
        assert status.status_code == 404
    assert not TopicProgress.objects.exists()
    signed_in(client, curator)
    response = client.get(path, headers=HTMX)
    assert response.status_code == 200
    assert response.wsgi_request.user == curator


@pytest.mark.parametrize("path", [TRACK, PANEL])
def test_a_stale_session_sees_the_visitors_page_and_is_signed_out(client, alice, track, path):
    signed_in(client, alice)
    client.get(path, headers=HTMX)  # the page is cached for signed-in viewers
    alice.set_password("a-new-pass-4471")
    alice.save()
    response = client.get(path, headers=HTMX)
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    assert SESSION_KEY not in client.session
    assert "/accounts/login/?next=" in client.get(PANEL, headers=HTMX).content.decode()


@pytest.mark.parametrize("path", [TRACK, PANEL])
def test_a_staff_flag_taken_away_hides_an_unpublished_track_at_once(client, curator, track, path):
    track.published = False
    track.save()
    signed_in(client, curator)
    assert client.get(path, headers=HTMX).status_code == 200
    curator.is_staff = False
    curator.save()
    assert client.get(path, headers=HTMX).status_code == 404


# A status change reads the user in its write statement once this process has verified the
# session: the statement writes only while the user's row holds the password the session was
# verified against and may log in.
STATUS = "/tracks/ml/t/python/status/"


def status_of(user) -> str | None:
    row = TopicProgress.objects.filter(user=user, topic__key="python").first()
    return row.status if row else None


def warm_status_change(client, user) -> None:
    """A first change reads the user the usual way; this process now knows the session."""
    signed_in(client, user)
    assert client.post(STATUS, {"status": "doing"}, headers=HTMX).status_code == 200
    assert status_of(user) == "doing"


@pytest.fixture
def postgresql_only():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the status statement is PostgreSQL's")


def test_a_known_session_changes_a_status_in_one_statement(
    client, alice, track, postgresql_only, django_assert_num_queries
):
    warm_status_change(client, alice)
    with django_assert_num_queries(2):  # the session, and the statement
        response = client.post(STATUS, {"status": "done"}, headers=HTMX)
    assert response.status_code == 200
    assert response.wsgi_request.user == alice
    assert status_of(alice) == "done"


def test_a_password_changed_elsewhere_stops_a_known_sessions_status_change(
    client, alice, track, postgresql_only
):
    warm_status_change(client, alice)
    alice.set_password("a-new-pass-4471")
    alice.save()
    response = client.post(STATUS, {"status": "done"}, headers=HTMX)
    assert status_of(alice) == "doing"
    assert not response.wsgi_request.user.is_authenticated
    assert SESSION_KEY not in client.session
    assert "/accounts/login/" in response["HX-Redirect"]


def test_a_deactivated_account_cannot_change_a_status_with_a_known_session(
    client, alice, track, postgresql_only
):
    warm_status_change(client, alice)
    alice.is_active = False
    alice.save()
    response = client.post(STATUS, {"status": "done"}, headers=HTMX)
    assert status_of(alice) == "doing"
    assert not response.wsgi_request.user.is_authenticated


def test_a_known_session_of_someone_who_lost_staff_cannot_write_on_an_unpublished_track(
    client, curator, track, postgresql_only
):
    track.published = False
    track.save()
    warm_status_change(client, curator)
    curator.is_staff = False
    curator.save()
    assert client.post(STATUS, {"status": "done"}, headers=HTMX).status_code == 404
    assert status_of(curator) == "doing"


def test_a_known_session_gets_a_404_for_no_such_topic(client, alice, track, postgresql_only):
    warm_status_change(client, alice)
    missing = client.post("/tracks/ml/t/no-such-topic/status/", {"status": "done"}, headers=HTMX)
    assert missing.status_code == 404
    assert not TopicProgress.objects.filter(user=alice, status="done").exists()


@override_settings(
    AUTHENTICATION_BACKENDS=["django.contrib.auth.backends.AllowAllUsersModelBackend"]
)
def test_a_backend_that_decides_who_may_log_in_its_own_way_reads_the_user_first(
    client, alice, track, postgresql_only, django_assert_num_queries
):
    client.force_login(alice, backend="django.contrib.auth.backends.AllowAllUsersModelBackend")
    client.post(STATUS, {"status": "doing"}, headers=HTMX)
    with django_assert_num_queries(3):  # the session, the user, and the statement
        response = client.post(STATUS, {"status": "done"}, headers=HTMX)
    assert response.wsgi_request.user == alice
    assert status_of(alice) == "done"


def test_a_strangers_known_session_writes_only_his_own_status(
    client, alice, charlie, track, postgresql_only
):
    TopicProgress.objects.create(user=alice, topic=track.topics.get(key="python"), status="doing")
    warm_status_change(client, charlie)
    response = client.post(STATUS, {"status": "done"}, headers=HTMX)
    assert response.wsgi_request.user == charlie
    assert (status_of(charlie), status_of(alice)) == ("done", "doing")
    # Nor on a track that is no longer published, known session or not.
    track.published = False
    track.save()
    assert client.post(STATUS, {"status": "skipped"}, headers=HTMX).status_code == 404
    assert (status_of(charlie), status_of(alice)) == ("done", "doing")
