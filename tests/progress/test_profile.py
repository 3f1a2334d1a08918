import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.formats import date_format

from progress.middleware import SESSION_LANGUAGE_KEY
from progress.models import Follow, Note, Profile, TopicProgress
from tests.conftest import topic
from tracks.models import Track

User = get_user_model()
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def _reset_language():
    yield
    translation.activate("pt-br")


def make_public(user, **fields):
    Profile.objects.filter(user=user).update(public=True, **fields)


# Profile rows


def test_every_new_user_gets_a_private_profile(db):
    dora = User.objects.create_user("dora", "dora@example.com", "dora-pass-123")
    assert dora.profile.public is False
    assert dora.profile.language == ""


# Profile edit page


def test_profile_page_needs_a_signed_in_user(client, db):
    response = client.get("/me/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_profile_page_shows_the_form(client, alice):
    client.force_login(alice)
    html = client.get("/me/profile/", **EN).content.decode()
    assert "<h1>Profile</h1>" in html
    assert 'name="display_name"' in html
    assert "Same as my browser" in html
    assert 'hx-post="/me/profile/"' in html


def test_saving_the_profile_redirects_and_stores_it(client, alice):
    client.force_login(alice)
    response = client.post(
        "/me/profile/", {"display_name": "Alice A.", "language": "", "public": "on"}, **EN
    )
    assert response.status_code == 302
    assert response["Location"] == "/me/profile/"
    alice.profile.refresh_from_db()
    assert alice.profile.display_name == "Alice A."
    assert alice.profile.public is True
    html = client.get("/me/profile/", **EN).content.decode()
    assert "Your profile was saved." in html
    assert 'href="/u/alice/"' in html


def test_saving_the_profile_with_htmx_returns_only_the_form(client, alice):
    client.force_login(alice)
    response = client.post(
        "/me/profile/",
        {"display_name": "Alice A.", "language": ""},
        headers={"HX-Request": "true"},
        **EN,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="profile-form"' in html
    assert "Saved." in html
    assert Profile.objects.get(user=alice).display_name == "Alice A."


def test_changing_language_with_htmx_reloads_the_page(client, alice):
    client.force_login(alice)
    response = client.post(
        "/me/profile/", {"display_name": "", "language": "en"}, headers={"HX-Request": "true"}
    )
    assert response.headers["HX-Refresh"] == "true"
    assert response.cookies["django_language"].value == "en"
    assert Profile.objects.get(user=alice).language == "en"


def test_going_back_to_the_browsers_language_forgets_the_earlier_choice(client, alice, track):
    client.force_login(alice)
    client.post("/me/profile/", {"display_name": "", "language": "pt-br"}, **EN)
    assert '<html lang="pt-br">' in client.get("/", **EN).content.decode()

    response = client.post("/me/profile/", {"display_name": "", "language": ""}, **EN)

    assert response.cookies["django_language"].value == ""  # deleted
    assert Profile.objects.get(user=alice).language == ""
    page = client.get("/me/profile/", **EN).content.decode()
    assert '<html lang="en">' in page
    assert "Your profile was saved." in page


def test_the_saved_message_speaks_the_language_just_chosen(client, alice):
    client.force_login(alice)
    client.post("/me/profile/", {"display_name": "", "language": "pt-br"}, **EN)
    page = client.get("/me/profile/", **EN).content.decode()
    assert '<html lang="pt-br">' in page
    with translation.override("pt-br"):
        assert translation.gettext("Your profile was saved.") in page
    assert "Your profile was saved." not in page


def test_invalid_profile_is_shown_again_with_errors(client, alice):
    client.force_login(alice)
    response = client.post("/me/profile/", {"display_name": "x" * 101, "language": "xx"}, **EN)
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert Profile.objects.get(user=alice).display_name == ""


def test_profile_page_rejects_other_methods(client, alice):
    client.force_login(alice)
    assert client.delete("/me/profile/").status_code == 405


# Public profile


def test_public_profile_is_not_found_unless_opted_in(client, alice, track):
    assert client.get("/u/alice/").status_code == 404
    make_public(alice)
    assert client.get("/u/alice/").status_code == 200


def test_a_signed_in_stranger_sees_no_private_profile(client, alice, charlie, track):
    client.force_login(charlie)
    assert client.get("/u/alice/").status_code == 404
    assert client.get("/me/profile/").context["form"].instance.user == charlie


def test_public_profile_of_unknown_or_inactive_user_is_not_found(client, alice):
    assert client.get("/u/nobody/").status_code == 404
    make_public(alice)
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert client.get("/u/alice/").status_code == 404


def test_public_profile_shows_display_name_and_percent_done(client, alice, track):
    make_public(alice, display_name="Alice Andrade")
    Follow.objects.create(user=alice, track=track)
    for key in ["python", "statistics"]:
        TopicProgress.objects.create(
            user=alice, topic=topic(track, key), status=TopicProgress.Status.DONE
        )
    TopicProgress.objects.create(
        user=alice, topic=topic(track, "batch"), status=TopicProgress.Status.SKIPPED
    )
    html = client.get("/u/alice/", **EN).content.decode()
    assert "<h1>Alice Andrade</h1>" in html
    assert 'href="/tracks/ml/"' in html
    # 6 topics under the root: 2 done, 1 skipped.
    assert "33% done (2 of 6 topics)" in html
    assert "1 topic skipped" in html


def test_public_profile_never_shows_notes(client, alice, track):
    make_public(alice)
    Follow.objects.create(user=alice, track=track)
    python = topic(track, "python")
    Note.objects.create(user=alice, topic=python, body="secret private thought")
    Note.objects.create(user=alice, topic=python, body="shared with mentor", shared=True)
    html = client.get("/u/alice/").content.decode()
    assert "secret private thought" not in html
    assert "shared with mentor" not in html


def test_public_profile_hides_unfollowed_and_unpublished_tracks(client, alice, track):
    make_public(alice)
    draft = Track.objects.create(slug="draft", title="Draft track", published=False)
    old = Track.objects.create(slug="old", title="Old track")
    Follow.objects.create(user=alice, track=draft)
    Follow.objects.create(user=alice, track=old, active=False)
    html = client.get("/u/alice/").content.decode()
    assert "Draft track" not in html
    assert "Old track" not in html


def test_public_profile_queries_do_not_grow_with_tracks(
    client, alice, track, django_assert_max_num_queries
):
    make_public(alice)
    for number in range(5):
        other = Track.objects.create(slug=f"t{number}", title=f"Track {number}")
        Follow.objects.create(user=alice, track=other)
    Follow.objects.create(user=alice, track=track)
    with django_assert_max_num_queries(4):
        response = client.get("/u/alice/")
    assert response.content.decode().count('class="card"') == 6


def test_public_profile_is_get_only(client, alice):
    make_public(alice)
    assert client.post("/u/alice/").status_code == 405


# Language


def test_browser_language_english_gets_english(client, track):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in html
    assert "Career tracks" in html


def test_browser_language_brazilian_portuguese_gets_portuguese(client, track):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="pt-BR,pt;q=0.9,en;q=0.5")
    html = response.content.decode()
    assert response["Content-Language"] == "pt-br"
    assert '<html lang="pt-br">' in html
    assert "Trilhas de carreira" in html
    assert ">Trilhas</a>" in html


def test_track_content_stays_as_authored_in_any_language(client, track):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Machine Learning" in html


def test_switching_language_when_signed_in_saves_it_to_the_profile(client, alice):
    client.force_login(alice)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/me/"})
    assert response.status_code == 302
    assert Profile.objects.get(user=alice).language == "en"


def test_switching_language_when_signed_out_only_sets_the_cookie(client, alice):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.cookies["django_language"].value == "en"
    assert Profile.objects.get(user=alice).language == ""


def test_saved_language_wins_over_the_browser(client, alice, track):
    Profile.objects.filter(user=alice).update(language="en")
    client.force_login(alice)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="pt-BR").content.decode()
    assert '<html lang="en">' in html


def test_saved_language_is_read_once_per_session(client, alice, track):
    Profile.objects.filter(user=alice).update(language="en")
    client.force_login(alice)
    client.get("/")
    assert client.session[SESSION_LANGUAGE_KEY] == [str(alice.pk), "en"]
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert '<html lang="en">' in response.content.decode()
    assert not [q for q in queries.captured_queries if "progress_profile" in q["sql"]]


def test_session_language_of_another_user_is_ignored(client, alice, charlie, track):
    Profile.objects.filter(user=charlie).update(language="en")
    client.force_login(alice)
    session = client.session
    session[SESSION_LANGUAGE_KEY] = [str(charlie.pk), "en"]
    session.save()
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="pt-BR").content.decode()
    assert '<html lang="pt-br">' in html


def test_picking_a_language_before_signing_up_is_kept_in_the_profile(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    client.post(
        "/accounts/signup/",
        {
            "username": "dora",
            "email": "dora@example.com",
            "password1": "a-long-pass-8812",
            "password2": "a-long-pass-8812",
        },
    )
    assert Profile.objects.get(user__username="dora").language == "en"


def test_dates_follow_the_language(client, alice):
    client.force_login(alice)
    joined = timezone.localtime(alice.date_joined)
    html_en = client.get("/me/profile/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    html_pt = client.get("/me/profile/", HTTP_ACCEPT_LANGUAGE="pt-BR").content.decode()
    with translation.override("en"):
        english = date_format(joined, "DATE_FORMAT")
    with translation.override("pt-br"):
        portuguese = date_format(joined, "DATE_FORMAT")
    assert english != portuguese
    assert english in html_en
    assert portuguese in html_pt


def test_account_pages_are_translated(client, db):
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="pt-BR").content.decode()
    assert "<h1>Entrar</h1>" in html
    assert "Crie uma conta" in html


def test_portuguese_catalogue_is_complete():
    po = (settings.BASE_DIR / "locale/pt_BR/LC_MESSAGES/django.po").read_text()
    entries = po.split("\n\n")[1:]  # the first entry is the header
    assert entries
    untranslated = [e for e in entries if re.search(r'^msgstr(\[\d\])? ""$(?!\n")', e, re.M)]
    fuzzy = [e for e in entries if "#, fuzzy" in e]
    assert not untranslated
    assert not fuzzy
    assert (settings.BASE_DIR / "locale/pt_BR/LC_MESSAGES/django.mo").exists()
