"""The browser enforces the policy, and the tests hear of every violation."""

import pytest

from tests.e2e.browser import sign_in
from tests.e2e.conftest import _watch_csp

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_browser_refuses_inline_script_and_style_attributes(browser, live_server, track):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    violations = _watch_csp(page)
    page.goto("/tracks/ml/")
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.injected = true";
          document.body.append(script);
          document.body.insertAdjacentHTML("beforeend", '<p style="color: red">x</p>');
        }"""
    )
    page.wait_for_function("() => document.querySelector('p[style]')")
    page.wait_for_timeout(200)  # violation reports are dispatched as tasks
    assert page.evaluate("window.injected") is None
    context.close()
    directives = " ".join(violations)
    assert "script-src" in directives
    assert "style-src" in directives


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/tracks/track/",
        "/admin/tracks/track/{track}/change/",
        "/admin/tracks/topic/?q=py",
        "/admin/auth/user/{curator}/change/",
        "/admin/progress/note/add/",
    ],
)
def test_the_admin_works_under_the_policy(page, live_server, curator, track, url):
    # The page fixture fails the test on any violation the admin's pages and scripts cause.
    sign_in(page, curator, live_server)
    page.goto(url.format(track=track.pk, curator=curator.pk))
    page.locator("#content").wait_for()
    page.wait_for_load_state("load")
    page.wait_for_timeout(200)
