"""Statuses in a browser: htmx swaps on the track page, keyboard shortcuts, narrow screens."""

import pytest

from progress.models import TopicProgress
from tests.e2e.browser import console_errors, htmx_settled, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_keyboard_marks_a_topic_and_the_whole_page_follows(page, live_server, alice, track):
    sign_in(page, alice, live_server)
    errors = console_errors(page)
    page.goto("/tracks/ml/")
    page.evaluate("window.notReloaded = true")
    page.locator("#outline-python a").click()
    page.wait_for_selector("#topic-panel #topic-title")
    assert page.locator("#topic-title").inner_text() == "Python"
    # Once htmx has settled the panel, the focus lands on the topic's title.
    page.wait_for_function("() => document.activeElement.id === 'topic-title'")

    page.keyboard.press("d")
    page.wait_for_selector('#status-python-done[aria-pressed="true"]')
    htmx_settled(page)
    assert page.locator("#done-python").is_checked()
    assert "1 of 6 topics done (16%)" in page.locator("#progress-summary").inner_text()
    assert 'data-topic="python"' in page.locator("#diagram-highlights").inner_html()
    assert page.evaluate("window.notReloaded") is True

    page.keyboard.press("n")
    page.wait_for_function(
        "() => document.getElementById('topic-title').textContent === 'Statistics'"
    )
    page.wait_for_function("() => document.activeElement.id === 'topic-title'")
    htmx_settled(page)
    page.keyboard.press("s")
    page.keyboard.type("Already know it")
    page.keyboard.press("Enter")
    page.wait_for_selector('#status-statistics-skipped[aria-pressed="true"]')
    htmx_settled(page)
    assert "1 skipped" in page.locator("#progress-summary").inner_text()

    statuses = dict(TopicProgress.objects.values_list("topic__key", "status"))
    assert statuses == {"python": "done", "statistics": "skipped"}
    assert errors == []


def test_ticking_the_outline_updates_the_bars_without_reloading(page, live_server, alice, track):
    sign_in(page, alice, live_server)
    errors = console_errors(page)
    page.goto("/tracks/ml/")
    page.evaluate("window.notReloaded = true")
    page.get_by_text("Progress by section").click()  # folded until asked for
    page.locator("#done-apis").check()
    page.wait_for_function(
        "() => document.getElementById('progress-summary').textContent.includes('1 of 6')"
    )
    assert "1/3 done" in page.locator("#progress-summary").inner_text()
    page.locator("#done-apis").uncheck()
    page.wait_for_function(
        "() => document.getElementById('progress-summary').textContent.includes('0 of 6')"
    )
    assert page.evaluate("window.notReloaded") is True
    assert TopicProgress.objects.get(topic__key="apis").status == "todo"
    assert errors == []


@pytest.mark.parametrize("url", ["/tracks/ml/", "/tracks/ml/t/apis/", "/me/", "/tracks/ml/notes/"])
def test_progress_pages_fit_a_phone(phone_page, live_server, alice, track, url):
    sign_in(phone_page, alice, live_server)
    phone_page.goto(url)
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360


def test_opening_a_topic_from_the_outline_moves_the_focus_to_it(page, live_server, alice, track):
    sign_in(page, alice, live_server)
    page.goto("/tracks/ml/")
    page.locator("#outline-apis a").click()
    page.wait_for_function("() => document.activeElement.id === 'topic-title'")
    assert page.url.endswith("/tracks/ml/t/apis/")
    assert "FastAPI docs" in page.locator("#topic-panel").inner_text()


def test_statuses_work_without_javascript(browser, live_server, alice, track):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, alice, live_server)
    page.goto("/tracks/ml/")
    page.locator("#done-batch").check()
    page.locator("#outline-batch").get_by_role("button", name="Save").click()
    page.wait_for_url("**/tracks/ml/#outline-batch")
    assert page.locator("#done-batch").is_checked()
    page.goto("/tracks/ml/t/python/")
    page.get_by_role("button", name="Doing").click()
    page.wait_for_url("**/tracks/ml/t/python/")
    assert page.locator("#status-python-doing").get_attribute("aria-pressed") == "true"
    context.close()
    statuses = dict(TopicProgress.objects.values_list("topic__key", "status"))
    assert statuses == {"batch": "done", "python": "doing"}
