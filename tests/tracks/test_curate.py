import io
import random
import re
import string
import threading
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from tracks.models import Diagram, Topic, Track

# Assertions read the English messages, whatever the default language.
pytestmark = pytest.mark.usefixtures("english")

DIAGRAM = "@startmindmap\n* Data\n** SQL\n*** Joins\nleft side\n** Python\n@endmindmap\n"
README = "# Data\n\nAll about data.\n\n## Comportamentos esperados\n\n- Be careful\n"
TEXTO = "# Data {#data}\n\n## SQL {#sql}\n\n- [Docs](https://www.postgresql.org/docs/)\n"


def zip_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def track_zip() -> SimpleUploadedFile:
    data = zip_of(
        {"data/README.md": README, "data/data.puml": DIAGRAM, "data/trilha-texto.md": TEXTO}
    )
    return SimpleUploadedFile("data.zip", data, content_type="application/zip")


def token_of(html: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_curate_page_lists_tracks_with_export_links_and_the_upload_form(curator_client, track):
    response = curator_client.get(reverse("tracks:curate"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="/curate/ml/export/"' in html
    assert 'enctype="multipart/form-data"' in html
    assert 'hx-post="/curate/import/preview/"' in html


def test_preview_of_a_zip_shows_outline_and_report_and_writes_nothing(
    curator_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = curator_client.post(reverse("tracks:import-preview"), {"archive": track_zip()})
    html = response.content.decode()
    assert response.status_code == 200
    assert "A new track." in html
    assert "4 topics" in html
    assert "4 created, 0 updated, 0 retired" in html
    assert "1 resource," in html
    tree = html[html.index('class="outline-tree"') :]
    assert tree.index("Data") < tree.index("SQL") < tree.index("Joins") < tree.index("Python")
    assert 'name="token"' in html
    assert not Track.objects.exists()
    assert not Topic.objects.exists()
    assert callbacks == []


@pytest.mark.plantuml
def test_preview_draws_the_diagram_the_track_would_get_and_stores_nothing(curator_client, plantuml):
    response = curator_client.post(reverse("tracks:import-preview"), {"archive": track_zip()})
    html = response.content.decode()
    figure = html[html.index('class="diagram diagram-preview"') :]
    figure = figure[: figure.index("</figure>")]
    keys = re.findall(r'<g class="topic" data-topic="([^"]+)"', figure)
    assert sorted(keys) == ["data", "joins", "python", "sql"]
    assert "Joins" in figure
    assert "<div inert>" in figure  # its links lead nowhere before the import
    assert not Diagram.objects.exists()
    assert not Track.objects.exists()


def test_preview_says_why_there_is_no_diagram(curator_client, settings):
    settings.PLANTUML_URL = ""
    response = curator_client.post(reverse("tracks:import-preview"), {"archive": track_zip()})
    html = response.content.decode()
    assert response.status_code == 200
    assert "No diagram can be drawn now: No diagram renderer is configured" in html
    assert "diagram-preview" not in html
    assert 'name="token"' in html  # the import itself does not need a renderer


def test_preview_as_htmx_is_a_partial(curator_client):
    response = curator_client.post(
        reverse("tracks:import-preview"), {"archive": track_zip()}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "4 topics" in html


def test_preview_of_a_puml_with_readme_and_texto(curator_client):
    response = curator_client.post(
        reverse("tracks:import-preview"),
        {
            "diagram": SimpleUploadedFile("data.puml", DIAGRAM.encode()),
            "readme": SimpleUploadedFile("README.md", README.encode()),
            "texto": SimpleUploadedFile("trilha-texto.md", TEXTO.encode()),
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 expected behaviour." in html
    assert "1 resource," in html


def test_preview_reports_unmatched_entries(curator_client):
    response = curator_client.post(
        reverse("tracks:import-preview"),
        {
            "diagram": SimpleUploadedFile("data.puml", DIAGRAM.encode()),
            "texto": SimpleUploadedFile("trilha-texto.md", b"# Data\n\n## Spark\n"),
        },
    )
    assert "trilha-texto.md:3: “Spark” matches no node" in response.content.decode()


def test_preview_of_a_broken_diagram_shows_file_line_and_reason(curator_client):
    broken = SimpleUploadedFile("data.puml", b"@startmindmap\n* A\n*** C\n@endmindmap\n")
    response = curator_client.post(reverse("tracks:import-preview"), {"diagram": broken})
    assert response.status_code == 400
    assert "data.puml:3: the level jumps from 1 to 3" in response.content.decode()
    assert 'name="token"' not in response.content.decode()


def test_preview_error_as_htmx_is_swappable(curator_client):
    broken = SimpleUploadedFile("data.puml", b"\x00\x01binary")
    response = curator_client.post(
        reverse("tracks:import-preview"), {"diagram": broken}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "data.puml: a binary file" in response.content.decode()


def test_preview_needs_a_zip_or_a_diagram(curator_client):
    response = curator_client.post(
        reverse("tracks:import-preview"),
        {"readme": SimpleUploadedFile("README.md", README.encode())},
    )
    assert response.status_code == 400
    assert "Choose a .zip or a .puml diagram" in response.content.decode()


def test_import_after_preview_writes_the_track_and_redirects(curator_client):
    preview = curator_client.post(reverse("tracks:import-preview"), {"archive": track_zip()})
    response = curator_client.post(
        reverse("tracks:import"), {"token": token_of(preview.content.decode())}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("tracks:curate")
    track = Track.objects.get(slug="data")
    assert track.title == "Data"
    assert Topic.objects.get(track=track, key="sql").resources.count() == 1
    page = curator_client.get(response["Location"]).content.decode()
    assert "data: Data — 4 topics (4 created" in page


def test_import_as_htmx_redirects_the_browser(curator_client):
    preview = curator_client.post(reverse("tracks:import-preview"), {"archive": track_zip()})
    response = curator_client.post(
        reverse("tracks:import"),
        {"token": token_of(preview.content.decode())},
        headers={"HX-Request": "true"},
    )
    assert response["HX-Redirect"] == reverse("tracks:curate")
    assert Track.objects.filter(slug="data").exists()


def test_unknown_token_imports_nothing(curator_client):
    preview = curator_client.post(reverse("tracks:import-preview"), {"archive": track_zip()})
    token = token_of(preview.content.decode())
    response = curator_client.post(reverse("tracks:import"), {"token": token[:-3] + "abc"})
    assert response.status_code == 302
    assert not Track.objects.exists()
    assert "upload the files again" in curator_client.get(reverse("tracks:curate")).content.decode()


def test_export_downloads_a_zip_that_imports_back_unchanged(curator_client, track):
    response = curator_client.get(reverse("tracks:export", args=["ml"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert 'filename="ml.zip"' in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["ml/README.md", "ml/ml.puml", "ml/trilha-texto.md"]

    upload = SimpleUploadedFile("ml.zip", response.content, content_type="application/zip")
    preview = curator_client.post(reverse("tracks:import-preview"), {"archive": upload})
    assert "Updates the existing track." in preview.content.decode()
    assert "0 created" in preview.content.decode()


def test_export_of_unknown_track_is_404(curator_client):
    assert curator_client.get(reverse("tracks:export", args=["nope"])).status_code == 404


@pytest.mark.parametrize(
    ("method", "name", "args"),
    [
        ("get", "tracks:curate", []),
        ("post", "tracks:import-preview", []),
        ("post", "tracks:import", []),
        ("get", "tracks:export", ["ml"]),
    ],
)
def test_it_checks_staff(client, charlie, track, method, name, args):
    url = reverse(name, args=args)
    anonymous = getattr(client, method)(url)
    assert anonymous.status_code == 302
    assert reverse("account_login") in anonymous["Location"]
    client.force_login(charlie)
    assert getattr(client, method)(url).status_code == 403
    assert Track.objects.count() == 1


@pytest.mark.parametrize(
    ("method", "name", "args"),
    [
        ("post", "tracks:curate", []),
        ("get", "tracks:import-preview", []),
        ("get", "tracks:import", []),
        ("post", "tracks:export", ["ml"]),
    ],
)
def test_wrong_method_is_405(curator_client, track, method, name, args):
    assert getattr(curator_client, method)(reverse(name, args=args)).status_code == 405


def test_curate_pages_have_one_h1(curator_client, track):
    pages = [
        curator_client.get(reverse("tracks:curate")),
        curator_client.post(reverse("tracks:import-preview"), {"archive": track_zip()}),
    ]
    for page in pages:
        assert len(re.findall(r"<h1[\s>]", page.content.decode())) == 1


def test_admin_takes_a_resource_url_typed_without_scheme_as_https(curator_client, track):
    python = Topic.objects.get(track=track, key="python")
    response = curator_client.post(
        reverse("admin:tracks_resource_add"),
        {
            "topic": python.pk,
            "title": "Tutorial",
            "url": "docs.python.org/3/tutorial/",
            "kind": "documentation",
            "language": "en",
            "order": 0,
        },
    )
    assert response.status_code == 302
    assert python.resources.get(title="Tutorial").url == "https://docs.python.org/3/tutorial/"


def test_preview_of_a_puml_alone_keeps_a_renamed_topic_and_says_why(curator_client, track):
    Topic.objects.filter(track=track, key="basics").update(title="Foundations")
    diagram = (
        "@startmindmap\n* Machine Learning\n** Foundations\n*** Python\n*** Statistics\n"
        "left side\n** Serving\n*** APIs\n*** Batch\n@endmindmap\n"
    )
    response = curator_client.post(
        reverse("tracks:import-preview"),
        {"diagram": SimpleUploadedFile("ml.puml", diagram.encode())},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Updates the existing track." in html
    # Updated: APIs and Batch move to the left with Serving.
    assert "0 created, 2 updated, 0 retired" in html
    assert "ml.puml: no trilha-texto.md; existing topics keep their descriptions and resources" in (
        html
    )
    assert Topic.objects.get(track=track, key="apis").resources.count() == 1


def test_an_empty_upload_is_called_empty_not_missing(curator_client):
    response = curator_client.post(
        reverse("tracks:import-preview"), {"diagram": SimpleUploadedFile("empty.puml", b"")}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "The submitted file is empty." in html
    assert "Choose a .zip or a .puml diagram" not in html
    both = curator_client.post(
        reverse("tracks:import-preview"),
        {"archive": track_zip(), "diagram": SimpleUploadedFile("d.puml", DIAGRAM.encode())},
    )
    assert "Choose a .zip or a .puml diagram, not both." in both.content.decode()
    assert not Track.objects.exists()


def large_texto(title: str, size: int, seed: int) -> str:
    """A trilha-texto.md of about `size` bytes of text that does not compress much."""
    rng = random.Random(seed)
    words = [
        "".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 9))) for _ in range(size // 6)
    ]
    lines = [" ".join(words[start : start + 12]) for start in range(0, len(words), 12)]
    return f"# {title}\n\n" + "\n".join(lines) + "\n"


def test_what_the_preview_accepts_the_import_accepts_however_large(curator_client, settings):
    files = {}
    for number, slug in enumerate(["one", "two", "three"]):
        files[f"{slug}/README.md"] = f"# {slug}\n"
        files[f"{slug}/{slug}.puml"] = f"@startmindmap\n* {slug}\n** Part\n@endmindmap\n"
        files[f"{slug}/trilha-texto.md"] = large_texto(slug, 1_500_000, number)
    upload = SimpleUploadedFile("big.zip", zip_of(files), content_type="application/zip")
    assert upload.size < settings.DATA_UPLOAD_MAX_MEMORY_SIZE * 2

    preview = curator_client.post(reverse("tracks:import-preview"), {"archive": upload})
    assert preview.status_code == 200
    response = curator_client.post(
        reverse("tracks:import"), {"token": token_of(preview.content.decode())}
    )

    assert response.status_code == 302
    assert sorted(Track.objects.values_list("slug", flat=True)) == ["one", "three", "two"]
    assert len(Topic.objects.get(key="one").description) > 1_400_000


def test_a_preview_token_is_of_no_use_to_another_curator(curator_client, client, django_user_model):
    preview = curator_client.post(reverse("tracks:import-preview"), {"archive": track_zip()})
    token = token_of(preview.content.decode())
    other = django_user_model.objects.create_user("other", "o@example.com", "x", is_staff=True)
    client.force_login(other)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    response = client.post(reverse("tracks:import"), {"token": token}, follow=True)

    assert "upload the files again" in response.content.decode()
    assert not Track.objects.exists()


def test_the_import_report_lists_its_warnings(curator_client):
    texto = "- Kafka — [docs](https://kafka.apache.org/)\n\n" + TEXTO + "\n## Spark\n"
    data = zip_of(
        {"data/README.md": README, "data/data.puml": DIAGRAM, "data/trilha-texto.md": texto}
    )
    upload = SimpleUploadedFile("data.zip", data, content_type="application/zip")
    preview = curator_client.post(reverse("tracks:import-preview"), {"archive": upload})

    response = curator_client.post(
        reverse("tracks:import"), {"token": token_of(preview.content.decode())}, follow=True
    )

    html = response.content.decode()
    assert "data: Data — 4 topics (4 created" in html
    assert "trilha-texto.md:9: “Spark” matches no node" in html
    assert (
        "trilha-texto.md:1: “Kafka — [docs](https://kafka.apache.org/)” matches no node of the "
        "diagram; its text and 1 links were not imported"
    ) in html


@pytest.mark.django_db(transaction=True)
def test_four_simultaneous_imports_each_answer_with_the_report(curator):
    first = Client(HTTP_ACCEPT_LANGUAGE="en")
    first.force_login(curator)
    preview = first.post(reverse("tracks:import-preview"), {"archive": track_zip()})
    token = token_of(preview.content.decode())
    start = threading.Barrier(4)
    answers: list[object] = []

    def click() -> None:
        try:
            browser = Client(HTTP_ACCEPT_LANGUAGE="en")
            browser.force_login(curator)
            start.wait(timeout=30)
            answers.append(browser.post(reverse("tracks:import"), {"token": token}).status_code)
        except Exception as error:  # the assertion below shows it
            answers.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert answers == [302, 302, 302, 302]
    assert Track.objects.filter(slug="data").count() == 1
    assert Topic.objects.filter(track__slug="data").count() == 4


# A NUL never gets this far: the input guard answers 400 (tests/security/test_input_guard.py).
@pytest.mark.parametrize("token", ["", "x" * 32, "a b", "../" * 11])
def test_a_token_that_names_no_preview_imports_nothing(curator_client, token):
    response = curator_client.post(reverse("tracks:import"), {"token": token}, follow=True)
    assert response.status_code == 200
    assert "upload the files again" in response.content.decode()
    assert not Track.objects.exists()
