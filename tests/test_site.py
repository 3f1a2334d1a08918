import re

import pytest
from django.core.management import call_command


def test_no_pending_migrations(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.parametrize("url", ["/", "/tracks/ml/", "/tracks/ml/t/python/", "/accounts/login/"])
def test_public_pages_have_one_h1_and_a_title(client, track, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    assert re.search(r"<title>[^<]+</title>", html)


def test_track_list_links_published_tracks_only(client, track):
    from tracks.models import Track

    Track.objects.create(slug="draft", title="Draft track", published=False)
    html = client.get("/").content.decode()
    assert 'href="/tracks/ml/"' in html
    assert "Draft track" not in html
    assert client.get("/tracks/draft/").status_code == 404


def test_track_page_shows_outline_in_tree_order(client, track):
    html = client.get("/tracks/ml/").content.decode()
    positions = [html.index(f'data-topic="{key}"') for key in ["ml", "basics", "python", "serving"]]
    assert positions == sorted(positions)


def test_topic_panel_as_htmx_partial_has_no_page_chrome(client, track):
    response = client.get("/tracks/ml/t/apis/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "FastAPI docs" in html
    assert "<html" not in html


def test_retired_topic_is_not_found(client, track):
    from tracks.models import Topic

    Topic.objects.filter(key="batch").update(retired=True)
    assert client.get("/tracks/ml/t/batch/").status_code == 404
    assert 'data-topic="batch"' not in client.get("/tracks/ml/").content.decode()


def test_strangers_see_the_site_layout_on_403_and_404(client, charlie, settings):
    settings.DEBUG = False
    client.force_login(charlie)
    forbidden = client.get("/curate/")
    missing = client.get("/tracks/no-such-track/")
    assert forbidden.status_code == 403
    assert missing.status_code == 404
    for response in (forbidden, missing):
        html = response.content.decode()
        assert len(re.findall(r"<h1[\s>]", html)) == 1
        assert 'href="/"' in html


def test_language_changes_only_when_the_button_is_pressed(client, track):
    html = client.get("/").content.decode()
    form = html[html.index('class="language-form"') :]
    form = form[: form.index("</form>")]
    assert "onchange" not in form  # arrow keys move through the options without reloading
    assert '<button type="submit"' in form
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.cookies["django_language"].value == "en"


def test_messages_are_a_list_inside_a_status_region(client, alice):
    client.force_login(alice)
    client.post("/me/profile/", {"display_name": "A", "language": ""})
    html = client.get("/me/profile/").content.decode()
    assert re.search(r'<div role="status">\s*<ul class="messages">\s*<li class="message', html)
