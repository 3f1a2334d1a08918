"""The track diagram as people use it, on the shipped ML track (77 nodes): fitted on load,
crisp words, the open topic kept in view, find a topic by keyboard, dark mode, downloads."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from progress.models import Profile, Status
from progress.services import follow, set_status
from tests.e2e.browser import console_errors, htmx_settled, sign_in
from tracks.diagrams import render_track_diagram
from tracks.models import Topic, Track

pytestmark = [pytest.mark.e2e, pytest.mark.plantuml]

SLUG = "engenharia-de-machine-learning"
URL = f"/tracks/{SLUG}/"
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def ml(db, plantuml):
    call_command("import_track", str(Path(settings.BASE_DIR) / "tracks" / "content" / SLUG))
    track = Track.objects.get(slug=SLUG)
    render_track_diagram(track)
    track.refresh_from_db()
    assert track.diagram is not None, track.diagram_error
    return track


def key_of(track: Track, title: str) -> str:
    return Topic.objects.get(track=track, title=title).key


def viewport_and_svg(page) -> tuple[dict, dict]:
    return page.evaluate(
        """() => {
          const v = document.querySelector('.diagram-viewport').getBoundingClientRect();
          const s = document.querySelector('svg.diagram-svg').getBoundingClientRect();
          return [{x: v.x, y: v.y, width: v.width, height: v.height},
                  {x: s.x, y: s.y, width: s.width, height: s.height}];
        }"""
    )


def node_in_view(page, key: str) -> bool:
    return page.evaluate(
        """(key) => {
          const v = document.querySelector('.diagram-viewport').getBoundingClientRect();
          const n = document.querySelector(`g.topic[data-topic="${key}"]`).getBoundingClientRect();
          return n.left >= v.left && n.right <= v.right && n.top >= v.top && n.bottom <= v.bottom;
        }""",
        key,
    )


@pytest.mark.parametrize("size", [(1280, 900), (360, 740)])
def test_the_whole_map_is_fitted_to_its_box_on_first_load(browser, live_server, ml, size):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": size[0], "height": size[1]}
    )
    page = context.new_page()
    errors = console_errors(page)
    page.goto(URL)

    box, svg = viewport_and_svg(page)
    scroll = page.evaluate(
        "() => { const v = document.querySelector('.diagram-viewport');"
        " return [v.scrollLeft, v.scrollTop, v.scrollWidth - v.clientWidth,"
        " v.scrollHeight - v.clientHeight]; }"
    )
    context.close()

    assert errors == []
    assert scroll == [0, 0, 0, 0]  # nothing hidden: no scrolling inside the box
    assert svg["width"] <= box["width"] + 1 and svg["height"] <= box["height"] + 1
    assert svg["x"] >= box["x"] - 1 and svg["y"] >= box["y"] - 1
    # Fitted means as large as the box allows in one direction.
    assert svg["width"] >= box["width"] - 4 or svg["height"] >= box["height"] - 4


def test_words_of_a_title_are_spaced_as_written(page, live_server, ml):
    """Each line of a node is one text whose words keep even gaps: no letters pulled apart
    inside a word ("e m"), no words run together or overlapping."""
    page.goto(URL)
    page.locator("button[data-zoom=in]").click()
    report = page.evaluate(
        """() => {
          const problems = [];
          let lines = 0;
          for (const text of document.querySelectorAll('svg.diagram-svg g.topic text')) {
            const content = text.textContent;
            const size = parseFloat(getComputedStyle(text).fontSize);
            lines += 1;
            let previous = null;
            for (let i = 0; i < content.length; i++) {
              const box = text.getExtentOfChar(i);
              if (previous && content[i] !== ' ' && content[i - 1] !== ' ') {
                const gap = box.x - (previous.x + previous.width);
                if (gap > size * 0.25 || gap < -size * 0.25) {
                  problems.push(`${content}: gap ${gap.toFixed(1)} before "${content[i]}"`);
                }
              }
              if (content[i] === ' ' && (box.width < size * 0.1 || box.width > size * 0.8)) {
                problems.push(`${content}: space of ${box.width.toFixed(1)}`);
              }
              previous = box;
            }
          }
          return {lines, problems};
        }"""
    )
    assert report["lines"] >= 77
    assert report["problems"] == []


def test_a_nodes_visible_text_is_its_accessible_name(page, live_server, ml):
    page.goto(URL)
    mismatched = page.evaluate(
        """() => Array.from(document.querySelectorAll('svg.diagram-svg a.topic-link'))
          .map(link => {
            const visible = Array.from(link.querySelectorAll('text, tspan'))
              .map(t => t.textContent).join(' ').replace(/\\s+/g, ' ').trim();
            const tail = Array.from(link.querySelector('g.topic').childNodes)
              .map(n => n.nodeName === 'title' ? '' : n.textContent).join('')
              .replace(/\\s+/g, ' ').trim();
            return [link.getAttribute('aria-label'), visible, tail];
          })
          .filter(([label, visible, joined]) => label !== visible || label !== joined)"""
    )
    assert mismatched == []


def test_the_clicked_node_stays_in_view_and_is_marked_when_the_panel_opens(page, live_server, ml):
    page.goto(URL)
    for _ in range(3):
        page.locator("button[data-zoom=in]").click()
    key = key_of(ml, "Testes A/B")
    node = page.locator(f'g.topic[data-topic="{key}"]')
    node.scroll_into_view_if_needed()
    node.click()
    page.locator("#topic-panel #topic-title").wait_for()
    htmx_settled(page)
    page.wait_for_timeout(100)

    assert page.locator("#topic-panel").bounding_box()["width"] > 200  # the panel took room
    assert node_in_view(page, key)
    link = page.locator(f'a.topic-link:has(g.topic[data-topic="{key}"])')
    assert link.get_attribute("aria-current") == "true"
    assert page.locator("a.topic-link[aria-current]").count() == 1


def test_next_and_previous_keep_the_open_topic_in_view(page, live_server, ml):
    page.goto(URL)
    for _ in range(3):
        page.locator("button[data-zoom=in]").click()
    first = page.locator("svg.diagram-svg a.topic-link").first
    first.click()
    page.locator("#topic-panel #topic-title").wait_for()
    htmx_settled(page)

    for _ in range(5):
        current = page.locator("#topic-panel-body").get_attribute("data-topic")
        page.keyboard.press("n")
        page.wait_for_function(
            "(k) => document.getElementById('topic-panel-body')?.dataset.topic !== k", arg=current
        )
        htmx_settled(page)
        page.wait_for_timeout(50)
        key = page.locator("#topic-panel-body").get_attribute("data-topic")
        assert node_in_view(page, key), key
        marked = page.locator("a.topic-link[aria-current] g.topic").get_attribute("data-topic")
        assert marked == key


def test_find_a_topic_by_keyboard_ignoring_accents_and_case(page, live_server, ml):
    page.goto(URL)
    page.locator("body").press("/")
    assert page.evaluate("() => document.activeElement.id") == "diagram-find-input"

    page.keyboard.type("INFERENCIA EM T")
    status = page.locator("#diagram-find-status")
    assert "1" in status.inner_text()
    key = key_of(ml, "Inferência em tempo real")
    assert page.locator("a.topic-link.is-match").count() == 1
    assert page.locator(f'a.topic-link.is-match g.topic[data-topic="{key}"]').count() == 1
    assert node_in_view(page, key)
    # The outline is filtered to the match and the sections above it.
    assert page.locator(f"#outline-{key}").is_visible()
    assert page.locator(".outline-row.is-match").count() == 1
    visible_rows = page.locator(".outline-tree .outline-row:visible").count()
    assert visible_rows < 6

    page.keyboard.press("Enter")
    page.locator("#topic-panel #topic-title").wait_for()
    assert page.url.endswith(f"/t/{key}/")
    assert "Inferência em tempo real" in page.locator("#topic-title").inner_text()


def test_find_clears_with_escape_and_shows_no_match(page, live_server, ml):
    page.goto(URL)
    page.fill("#diagram-find-input", "zzz")
    assert page.locator("#diagram-find-status").inner_text() == "No topic matches."
    page.locator("#diagram-find-input").press("Escape")
    assert page.locator("a.topic-link.is-match").count() == 0
    assert page.locator(".outline-tree .outline-row:visible").count() == 77


def test_without_javascript_the_search_box_is_hidden_and_the_outline_lists_all(
    browser, live_server, ml
):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto(URL)
    hidden = not page.locator(".diagram-find").is_visible()
    rows = page.locator(".outline-tree .outline-row:visible").count()
    context.close()
    assert hidden
    assert rows == 77


def run_axe(page) -> list[dict]:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci`")
    # Evaluated through the browser's debugging protocol, which the page's CSP does not govern
    # (an injected <script> would be refused, as any inline script is).
    page.evaluate(AXE.read_text())
    return page.evaluate(
        """async () => {
          const result = await axe.run(document, {resultTypes: ['violations']});
          return result.violations.map(v => ({id: v.id, impact: v.impact,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )


def learner(ml, alice):
    follow(alice, ml)
    topics = list(Topic.objects.filter(track=ml).order_by("order")[:8])
    for topic, status in zip(
        topics, [Status.DONE, Status.DOING, Status.SKIPPED, Status.DONE] * 2, strict=True
    ):
        set_status(alice, topic, status)
    return alice


@pytest.mark.audit
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_track_page_with_the_panel_open_passes_axe(browser, live_server, ml, alice, scheme):
    learner(ml, alice)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.emulate_media(color_scheme=scheme)
    sign_in(page, alice, live_server)
    page.goto(URL)
    page.locator("svg.diagram-svg a.topic-link").nth(2).click()
    page.locator("#topic-panel #topic-title").wait_for()
    htmx_settled(page)
    page.fill("#diagram-find-input", "dados")

    violations = run_axe(page)
    background = page.evaluate("() => getComputedStyle(document.documentElement).backgroundColor")
    context.close()

    assert violations == []
    assert (background == "rgb(21, 25, 28)") == (scheme == "dark")


@pytest.mark.audit
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_pages_pass_axe_on_a_phone(phone_page, live_server, ml, alice, scheme):
    learner(ml, alice)
    phone_page.emulate_media(color_scheme=scheme)
    sign_in(phone_page, alice, live_server)
    for url in (URL, "/me/", "/me/notifications/", "/me/notifications/settings/"):
        phone_page.goto(url)
        assert run_axe(phone_page) == [], url


def test_dark_mode_keeps_the_statuses_apart_without_colour(browser, live_server, ml, alice):
    learner(ml, alice)
    context = browser.new_context(base_url=live_server.url, color_scheme="dark")
    page = context.new_page()
    sign_in(page, alice, live_server)
    page.goto(URL)
    styles = page.evaluate(
        """() => Object.fromEntries(['done', 'doing', 'skipped', 'todo'].map(status => {
          const group = status === 'todo'
            ? document.querySelector('g.topic:not([class*=status])')
            : document.querySelector(`g.topic.status-${status}`);
          const rect = getComputedStyle(group.querySelector('rect'));
          const text = getComputedStyle(group.querySelector('text'));
          return [status, [rect.strokeDasharray, rect.strokeWidth, text.fontWeight,
                           text.fontStyle, text.textDecorationLine, rect.fill]];
        }))"""
    )
    context.close()
    cues = {status: tuple(values[:5]) for status, values in styles.items()}
    assert len(set(cues.values())) == 4  # four statuses, four shapes even in grey
    assert styles["todo"][5] == "rgb(38, 45, 50)"  # a dark node, not PlantUML's light grey


def test_learner_downloads_their_diagram_and_embeds_a_badge(page, live_server, ml, alice):
    learner(ml, alice)
    Profile.objects.update_or_create(user=alice, defaults={"public": True})
    sign_in(page, alice, live_server)
    page.goto(URL)

    with page.expect_download() as svg_download:
        page.get_by_role("link", name="SVG").click()
    with page.expect_download() as png_download:
        page.get_by_role("link", name="PNG").click()
    svg = Path(svg_download.value.path()).read_text()
    png = Path(png_download.value.path()).read_bytes()

    assert svg_download.value.suggested_filename == f"{SLUG}-alice.svg"
    assert "status-done" in svg and "status-doing" in svg
    assert png.startswith(b"\x89PNG")

    page.goto("/me/profile/")
    snippet = page.locator(f"#badge-{SLUG}").input_value()
    assert f"/u/alice/{SLUG}/badge.svg" in snippet
    badge = page.locator(f'img[src="/u/alice/{SLUG}/badge.svg"]')
    assert badge.evaluate("img => img.complete && img.naturalWidth > 100")


def test_zoom_survives_opening_a_topic_and_going_back(page, live_server, ml):
    page.goto(URL)
    page.locator("button[data-zoom=in]").click()
    page.locator("button[data-zoom=in]").click()
    zoomed = page.locator("svg.diagram-svg").bounding_box()["width"]
    page.locator("svg.diagram-svg a.topic-link").first.click()
    page.locator("#topic-panel #topic-title").wait_for()
    htmx_settled(page)
    after_panel = page.locator("svg.diagram-svg").bounding_box()["width"]

    page.go_back()
    page.wait_for_function("() => !location.pathname.includes('/t/')")
    htmx_settled(page)
    restored = page.locator("svg.diagram-svg").bounding_box()["width"]
    page.locator("button[data-zoom=in]").click()  # the controls still work
    page.wait_for_timeout(50)

    # The map fits the box by its height here, so the narrower box keeps the zoomed size.
    assert after_panel == pytest.approx(zoomed, abs=1)
    assert restored > 0
    assert page.locator("svg.diagram-svg").bounding_box()["width"] > restored
