"""Curators edit tracks in the app: settings, behaviours, topics, resources, retire/restore."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from progress.models import TopicProgress
from tests.conftest import topic
from tracks.models import ExpectedBehaviour, RenderJob, Resource, Topic, Track

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


def queued() -> list[str]:
    """Slugs of the tracks whose diagram waits for the worker."""
    return list(RenderJob.objects.order_by("track__slug").values_list("track__slug", flat=True))


def management(prefix: str, total: int, initial: int) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def track_data(track: Track, **changes) -> dict:
    data = {
        "title": track.title,
        "description": track.description,
        "language": track.language,
        "published": "on" if track.published else "",
        "related": [],
        **management("behaviours", 0, 0),
    }
    data.update(changes)
    return data


def resource_row(resource: Resource, index: int = 0, **changes) -> dict:
    """An existing resource as row `index` of the topic editor's resources formset."""
    row = {
        "id": resource.pk,
        "title": resource.title,
        "url": resource.url,
        "kind": resource.kind,
        "language": resource.language,
        "order": str(resource.order),
        **changes,
    }
    return {f"resources-{index}-{name}": value for name, value in row.items()}


def topic_data(item: Topic, **changes) -> dict:
    data = {
        "title": item.title,
        "description": item.description,
        "parent": item.parent_id or "",
        "order": item.order,
        "side": item.side,
        "colour": item.colour,
        **management("resources", 0, 0),
    }
    data.update(changes)
    return data


def edit_url(item: Topic) -> str:
    return reverse("tracks:topic-edit", args=[item.track.slug, item.key])


def parent_options(html: str) -> list[str]:
    select = re.search(r'<select name="parent".*?</select>', html, re.S).group(0)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


# --- track settings and behaviours -----------------------------------------------------------


def test_track_editor_shows_settings_behaviours_and_the_whole_topic_tree(curator_client, track):
    Topic.objects.filter(key="batch").update(retired=True)
    ExpectedBehaviour.objects.create(track=track, text="Ships models", order=0)

    response = curator_client.get(reverse("tracks:track-edit", args=["ml"]))

    html = response.content.decode()
    assert response.status_code == 200
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    assert "<title>Edit Machine Learning · Trilha</title>" in html
    assert 'name="title" value="Machine Learning"' in html
    assert "Ships models" in html
    assert 'href="/curate/ml/t/python/edit/"' in html
    assert 'href="/curate/ml/topics/new/?parent=basics"' in html
    batch = html[html.index('href="/curate/ml/t/batch/edit/"') :]
    assert batch.index("Retired") < batch.index("</li>")
    assert "/curate/ml/topics/new/?parent=batch" not in html  # nothing is added under it


def test_track_editor_does_not_query_per_topic(
    curator_client, track, django_assert_max_num_queries
):
    parent = topic(track, "batch")
    for number in range(30):
        Topic.objects.create(
            track=track, parent=parent, key=f"extra-{number}", title=f"Extra {number}", order=10
        )
    for number in range(5):
        ExpectedBehaviour.objects.create(track=track, text=f"Behaviour {number}", order=number)
        ExpectedBehaviour.objects.create(track=track, text=f"Old {number}", retired=True)
        Track.objects.create(slug=f"other-{number}", title=f"Other {number}")

    # Two more than before: the retired behaviours with their restore buttons, and the
    # header's unread notifications.
    with django_assert_max_num_queries(15):
        response = curator_client.get(reverse("tracks:track-edit", args=["ml"]))

    assert response.status_code == 200
    assert "Extra 29" in response.content.decode()


def test_saving_a_track_changes_title_description_and_behaviours(curator_client, track):
    keep = ExpectedBehaviour.objects.create(track=track, text="Reads papers", order=0)
    drop = ExpectedBehaviour.objects.create(track=track, text="Old habit", order=1)
    data = track_data(
        track,
        title="Machine Learning in practice",
        description="Now with **deployment**.",
        published="",
        **management("behaviours", 3, 2),
        **{
            "behaviours-0-id": keep.pk,
            "behaviours-0-text": "Reads papers weekly",
            "behaviours-0-order": "5",
            "behaviours-1-id": drop.pk,
            "behaviours-1-text": "Old habit",
            "behaviours-1-order": "1",
            "behaviours-1-retire": "on",
            "behaviours-2-text": "Ships models",
            "behaviours-2-order": "2",
        },
    )

    response = curator_client.post(reverse("tracks:track-edit", args=["ml"]), data, follow=True)

    assert response.redirect_chain == [("/curate/ml/edit/", 302)]
    assert "Track saved." in response.content.decode()
    track.refresh_from_db()
    assert track.title == "Machine Learning in practice"
    assert track.description == "Now with **deployment**."
    assert not track.published
    assert list(track.behaviours.live().order_by("order").values_list("text", flat=True)) == [
        "Ships models",
        "Reads papers weekly",
    ]


def test_related_tracks_are_saved_both_ways(curator_client, track):
    data_track = Track.objects.create(slug="data", title="Data engineering")

    response = curator_client.post(
        reverse("tracks:track-edit", args=["ml"]), track_data(track, related=[data_track.pk])
    )

    assert response.status_code == 302
    assert list(track.related.all()) == [data_track]
    assert list(data_track.related.all()) == [track]


def test_a_track_is_not_related_to_itself(curator_client, track):
    response = curator_client.post(
        reverse("tracks:track-edit", args=["ml"]), track_data(track, related=[track.pk])
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not track.related.exists()


def test_track_errors_show_beside_the_fields_and_save_nothing(curator_client, track):
    data = track_data(
        track,
        title="",
        description="Changed",
        **management("behaviours", 1, 0),
        **{"behaviours-0-text": "New one", "behaviours-0-order": "x"},
    )

    response = curator_client.post(reverse("tracks:track-edit", args=["ml"]), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in html
    assert "Enter a whole number." in html
    track.refresh_from_db()
    assert track.description == "About *ML*."
    assert not track.behaviours.exists()


# --- topics ----------------------------------------------------------------------------------


def test_topic_editor_shows_the_key_but_no_field_for_it(curator_client, track):
    response = curator_client.get(edit_url(topic(track, "apis")))

    html = response.content.decode()
    assert response.status_code == 200
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    assert "<code>apis</code>" in html
    assert 'name="key"' not in html
    assert 'value="FastAPI docs"' in html


def test_saving_a_topic_changes_title_parent_and_resources_and_redraws_the_diagram(
    curator_client, track
):
    apis = topic(track, "apis")
    docs = apis.resources.get()
    data = topic_data(
        apis,
        title="Web APIs",
        parent=topic(track, "basics").pk,
        **management("resources", 2, 1),
        **{
            "resources-0-id": docs.pk,
            "resources-0-title": "FastAPI tutorial",
            "resources-0-url": "https://fastapi.tiangolo.com/tutorial/",
            "resources-0-kind": "documentation",
            "resources-0-language": "en",
            "resources-0-order": "0",
            "resources-1-title": "REST talk",
            "resources-1-url": "youtube.com/watch?v=1",
            "resources-1-kind": "video",
            "resources-1-language": "",
            "resources-1-order": "1",
        },
    )

    response = curator_client.post(edit_url(apis), data)

    assert response.status_code == 302
    assert response.url == "/curate/ml/t/apis/edit/"
    apis.refresh_from_db()
    assert apis.title == "Web APIs"
    assert apis.parent.key == "basics"
    assert apis.key == "apis"
    assert list(apis.resources.values_list("title", "url", "kind")) == [
        ("FastAPI tutorial", "https://fastapi.tiangolo.com/tutorial/", "documentation"),
        ("REST talk", "https://youtube.com/watch?v=1", "video"),
    ]
    assert queued() == ["ml"]


def test_a_description_change_alone_does_not_redraw_the_diagram(curator_client, track):
    python = topic(track, "python")

    response = curator_client.post(edit_url(python), topic_data(python, description="Hi"))

    assert response.status_code == 302
    python.refresh_from_db()
    assert python.description == "Hi"
    assert queued() == []


def test_parent_choices_are_live_topics_of_the_track_outside_the_topics_own_branch(
    curator_client, track
):
    Track.objects.create(slug="data", title="Data").topics.create(key="sql", title="SQL")
    Topic.objects.filter(key="batch").update(retired=True)

    html = curator_client.get(edit_url(topic(track, "basics"))).content.decode()

    options = parent_options(html)
    assert "— Serving" in options
    assert "— — APIs" in options
    assert not [o for o in options if "Basics" in o or "Python" in o or "Statistics" in o]
    assert not [o for o in options if "SQL" in o or "Batch" in o]


@pytest.mark.parametrize("parent_key", ["basics", "python", "sql"])
def test_a_forged_parent_is_refused_with_a_field_error_and_changes_nothing(
    curator_client, track, parent_key
):
    Track.objects.create(slug="data", title="Data").topics.create(key="sql", title="SQL")
    basics = topic(track, "basics")
    forged = Topic.objects.get(key=parent_key)

    response = curator_client.post(
        edit_url(basics), topic_data(basics, title="Changed", parent=forged.pk)
    )

    html = response.content.decode()
    assert response.status_code == 200
    field = html[html.index('for="id_parent"') :]
    assert field.index("Select a valid choice") < field.index('name="parent"')
    basics.refresh_from_db()
    assert basics.title == "Basics"
    assert basics.parent.key == "ml"
    assert queued() == []


def test_the_root_has_no_parent_field_and_stays_the_root(curator_client, track):
    root = topic(track, "ml")

    response = curator_client.post(
        edit_url(root), topic_data(root, title="ML", parent=topic(track, "python").pk)
    )

    assert response.status_code == 302
    root.refresh_from_db()
    assert root.title == "ML"
    assert root.parent is None


def test_a_bad_resource_url_re_renders_with_the_error_and_saves_nothing(curator_client, track):
    apis = topic(track, "apis")
    data = topic_data(
        apis,
        title="Changed",
        **management("resources", 1, 0),
        **{
            "resources-0-title": "Broken",
            "resources-0-url": "not a url",
            "resources-0-kind": "other",
            "resources-0-order": "1",
        },
    )

    response = curator_client.post(edit_url(apis), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was saved: please correct the errors below." in html
    assert "Enter a valid URL." in html
    apis.refresh_from_db()
    assert apis.title == "APIs"
    assert list(apis.resources.values_list("title", flat=True)) == ["FastAPI docs"]


@pytest.mark.parametrize("colour", ["red]] evil", "#GGHHII", "12", "notacolour", "#12345"])
def test_a_colour_plantuml_does_not_know_is_refused(curator_client, track, colour):
    python = topic(track, "python")

    response = curator_client.post(edit_url(python), topic_data(python, colour=colour))

    assert response.status_code == 200
    assert "hex code" in response.content.decode()
    python.refresh_from_db()
    assert python.colour == ""


@pytest.mark.parametrize("colour", ["lightblue", "#DarkCyan", "#FFF", "E74C3C", "#ff000080"])
def test_colour_names_and_hex_codes_are_saved(curator_client, track, colour):
    python = topic(track, "python")

    response = curator_client.post(edit_url(python), topic_data(python, colour=colour))

    assert response.status_code == 302
    python.refresh_from_db()
    assert python.colour == colour


def test_deleting_a_resource(curator_client, track):
    apis = topic(track, "apis")
    docs = apis.resources.get()
    data = topic_data(apis, **management("resources", 1, 1), **resource_row(docs, DELETE="on"))

    assert curator_client.post(edit_url(apis), data).status_code == 302
    assert not Resource.objects.exists()


# --- adding topics ---------------------------------------------------------------------------


def test_add_topic_form_starts_under_the_parent_asked_for(curator_client, track):
    response = curator_client.get(reverse("tracks:topic-new", args=["ml"]) + "?parent=serving")

    html = response.content.decode()
    assert response.status_code == 200
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    assert re.search(rf'<option value="{topic(track, "serving").pk}" selected>', html)


def test_adding_a_topic_makes_a_unique_key_from_the_title_and_redraws_the_diagram(
    curator_client, track
):
    url = reverse("tracks:topic-new", args=["ml"])
    serving = topic(track, "serving")
    data = {"title": "Python", "parent": serving.pk, "side": "left", "description": "Again"}

    first = curator_client.post(url, data)
    second = curator_client.post(url, {**data, "title": "Feature stores"})

    assert first.url == "/curate/ml/t/python-2/edit/"
    assert second.url == "/curate/ml/t/feature-stores/edit/"
    added = topic(track, "python-2")
    assert (added.title, added.parent, added.side, added.description) == (
        "Python",
        serving,
        "left",
        "Again",
    )
    assert added.order > topic(track, "batch").order  # last among its siblings
    assert queued() == ["ml"]
    page = curator_client.get("/tracks/ml/").content.decode()
    assert 'href="/tracks/ml/t/feature-stores/"' in page


def test_adding_a_topic_needs_a_title_and_a_live_parent(curator_client, track):
    Topic.objects.filter(key="batch").update(retired=True)
    url = reverse("tracks:topic-new", args=["ml"])

    response = curator_client.post(url, {"title": "", "parent": topic(track, "batch").pk})

    assert response.status_code == 200
    html = response.content.decode()
    assert "This field is required." in html
    assert "Select a valid choice" in html
    assert Topic.objects.count() == 7


# --- retire and restore ----------------------------------------------------------------------


def test_the_topic_page_says_what_retiring_does(curator_client, track):
    html = curator_client.get(edit_url(topic(track, "serving"))).content.decode()

    assert "Its 2 subtopics are retired with it" in html
    assert "progress" in html
    assert 'action="/curate/ml/t/serving/retire/"' in html


def test_retiring_hides_the_topic_and_its_descendants_and_keeps_progress(
    curator_client, client, alice, track
):
    TopicProgress.objects.create(user=alice, topic=topic(track, "apis"), status="done")
    url = reverse("tracks:topic-retire", args=["ml", "serving"])

    response = curator_client.post(url, follow=True)

    assert "Retired “Serving” and 2 subtopics" in response.content.decode()
    retired = set(Topic.objects.filter(retired=True).values_list("key", flat=True))
    assert retired == {"serving", "apis", "batch"}
    assert queued() == ["ml"]
    assert TopicProgress.objects.filter(user=alice, topic__key="apis", status="done").exists()
    client.force_login(alice)
    page = client.get("/tracks/ml/").content.decode()
    assert "Serving" not in page and "APIs" not in page
    assert client.get("/tracks/ml/t/apis/").status_code == 404


def test_restoring_brings_the_branch_back(curator_client, alice, track):
    TopicProgress.objects.create(user=alice, topic=topic(track, "apis"), status="done")
    curator_client.post(reverse("tracks:topic-retire", args=["ml", "serving"]))
    editor = curator_client.get(edit_url(topic(track, "serving"))).content.decode()
    assert "Restore “Serving”" in editor

    response = curator_client.post(reverse("tracks:topic-restore", args=["ml", "serving"]))

    assert response.status_code == 302
    assert not Topic.objects.filter(retired=True).exists()
    assert queued() == ["ml"]
    page = curator_client.get("/tracks/ml/").content.decode()
    assert 'href="/tracks/ml/t/apis/"' in page


def test_a_topic_under_a_retired_parent_is_not_restored_alone(curator_client, track):
    Topic.objects.filter(key__in=["serving", "apis"]).update(retired=True)

    response = curator_client.post(
        reverse("tracks:topic-restore", args=["ml", "apis"]), follow=True
    )

    assert "restore it first" in response.content.decode()
    assert topic(track, "apis").retired


def test_the_root_cannot_be_retired(curator_client, track):
    assert "retire/" not in curator_client.get(edit_url(topic(track, "ml"))).content.decode()

    response = curator_client.post(reverse("tracks:topic-retire", args=["ml", "ml"]), follow=True)

    assert "The root of a track cannot be retired." in response.content.decode()
    assert not Topic.objects.filter(retired=True).exists()
    assert queued() == []


# --- links and permissions -------------------------------------------------------------------


def editor_urls() -> list[str]:
    return [
        reverse("tracks:track-edit", args=["ml"]),
        reverse("tracks:topic-edit", args=["ml", "apis"]),
        reverse("tracks:topic-new", args=["ml"]),
        reverse("tracks:topic-retire", args=["ml", "apis"]),
        reverse("tracks:topic-restore", args=["ml", "apis"]),
    ]


@pytest.mark.parametrize("who", ["alice", "charlie"])
def test_editor_is_forbidden_to_everyone_but_curators(client, track, who, request):
    client.force_login(request.getfixturevalue(who))

    for url in editor_urls():
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"title": "Hacked"}).status_code == 403, url

    assert not Topic.objects.filter(title="Hacked").exists()
    assert not Topic.objects.filter(retired=True).exists()
    assert Track.objects.get().title == "Machine Learning"


def test_editor_sends_anonymous_visitors_to_log_in(client, track):
    for url in editor_urls():
        for response in (client.get(url), client.post(url)):
            assert response.status_code == 302, url
            assert response.url.startswith(reverse("account_login") + "?next="), url


def test_unknown_tracks_and_topics_are_not_found(curator_client, track):
    assert curator_client.get("/curate/nope/edit/").status_code == 404
    assert curator_client.get("/curate/nope/topics/new/").status_code == 404
    assert curator_client.get("/curate/ml/t/nope/edit/").status_code == 404
    assert curator_client.post("/curate/ml/t/nope/retire/").status_code == 404
    assert curator_client.post("/curate/ml/t/nope/restore/").status_code == 404


def test_retire_and_restore_accept_only_post(curator_client, track):
    assert curator_client.get("/curate/ml/t/apis/retire/").status_code == 405
    assert curator_client.get("/curate/ml/t/apis/restore/").status_code == 405


def test_edit_links_show_for_curators_only(client, curator, alice, track):
    pages = ["/curate/", "/tracks/ml/", "/tracks/ml/t/apis/"]
    links = ['href="/curate/ml/edit/"', 'href="/curate/ml/edit/"', 'href="/curate/ml/t/apis/edit/"']
    client.force_login(curator)
    for page, link in zip(pages, links, strict=True):
        assert link in client.get(page).content.decode(), page
    panel = client.get("/tracks/ml/t/apis/", headers={"HX-Request": "true"}).content.decode()
    assert 'href="/curate/ml/t/apis/edit/"' in panel

    client.force_login(alice)
    for page in pages[1:]:
        assert "/curate/" not in client.get(page).content.decode(), page
    client.logout()
    assert "/curate/" not in client.get("/tracks/ml/").content.decode()


def test_retiring_a_leaf_says_so_without_counting_subtopics(curator_client, track):
    url = reverse("tracks:topic-retire", args=["ml", "batch"])
    response = curator_client.post(url, follow=True)
    html = response.content.decode()
    assert "Retired “Batch”; everyone&#x27;s progress is kept." in html
    assert "0 subtopic" not in html


def test_a_track_language_must_be_a_language_code(curator_client, track):
    url = reverse("tracks:track-edit", args=["ml"])
    response = curator_client.post(url, track_data(track, language="not a language"))
    assert response.status_code == 200
    assert "Use a language code, such as pt-br or en." in response.content.decode()
    track.refresh_from_db()
    assert track.language != "not a language"


def test_descriptions_keep_unix_line_ends(curator_client, track):
    url = reverse("tracks:track-edit", args=["ml"])
    response = curator_client.post(
        url, track_data(track, description="One.\r\n\r\nTwo.", language="EN")
    )
    assert response.status_code == 302
    track.refresh_from_db()
    assert track.description == "One.\n\nTwo."
    assert track.language == "en"


def test_a_description_is_kept_as_typed_even_a_leading_code_block(curator_client, track):
    python = topic(track, "python")
    text = "    print('hi')\n\nThen read the tutorial.\n"
    response = curator_client.post(edit_url(python), topic_data(python, description=text))
    assert response.status_code == 302
    python.refresh_from_db()
    assert python.description == text
    html = curator_client.get("/tracks/ml/t/python/").content.decode()
    assert "<pre><code>print(&#x27;hi&#x27;)" in html or "<pre><code>print('hi')" in html


def test_after_a_failed_save_the_first_bad_field_has_the_focus(curator_client, track):
    apis = topic(track, "apis")
    docs = apis.resources.get()
    data = topic_data(
        apis, **management("resources", 1, 1), **resource_row(docs, url="not a url at all")
    )
    html = curator_client.post(edit_url(apis), data).content.decode()
    assert html.count("autofocus") == 1
    assert re.search(r'<input[^>]*name="resources-0-url"[^>]*autofocus', html)
    fine = curator_client.get(edit_url(apis)).content.decode()
    assert "autofocus" not in fine


# --- depth ------------------------------------------------------------------------------------


def deep_chain(track: Track, levels: int, prefix: str) -> list[Topic]:
    """A chain of `levels` topics under the track's root."""
    parent = topic(track, "ml")
    chain = []
    for number in range(levels):
        parent = Topic.objects.create(
            track=track,
            parent=parent,
            key=f"{prefix}{number}",
            title=f"{prefix}{number}",
            order=100 + number,
        )
        chain.append(parent)
    return chain


def test_a_subtree_cannot_move_where_it_would_be_deeper_than_30_levels(curator_client, track):
    # Levels: ml (1), d0 (2) ... d27 (29). Basics has children, so it needs two free levels.
    chain = deep_chain(track, 28, "d")
    basics = topic(track, "basics")

    html = curator_client.get(edit_url(basics)).content.decode()
    options = parent_options(html)
    assert any(option.endswith(" d26") for option in options)
    assert not any(option.endswith(" d27") for option in options)

    response = curator_client.post(edit_url(basics), topic_data(basics, parent=chain[-1].pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Under “d27” this topic and its subtopics would go deeper than 30 levels." in html
    basics.refresh_from_db()
    assert basics.parent.key == "ml"

    response = curator_client.post(edit_url(basics), topic_data(basics, parent=chain[-2].pk))
    assert response.status_code == 302
    basics.refresh_from_db()
    assert basics.parent.key == "d26"


def test_a_new_topic_cannot_go_below_level_30(curator_client, track):
    chain = deep_chain(track, 29, "d")  # the last one, d28, is at level 30
    url = reverse("tracks:topic-new", args=[track.slug])

    options = parent_options(curator_client.get(url).content.decode())
    assert not any(option.endswith(" d28") for option in options)

    response = curator_client.post(
        url, {"title": "Too deep", "parent": chain[-1].pk, "side": "right", "description": ""}
    )
    assert response.status_code == 200
    assert "would go deeper than 30 levels" in response.content.decode()
    assert not Topic.objects.filter(title="Too deep").exists()
