import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_track_list_opens_track_page(page, track):
    page.goto("/")
    page.get_by_role("link", name="Machine Learning").first.click()
    page.wait_for_url("**/tracks/ml/")
    assert page.locator("h1").inner_text() == "Machine Learning"
