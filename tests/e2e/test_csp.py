"""The browser enforces the policy, and the tests hear of every violation."""

import pytest

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
