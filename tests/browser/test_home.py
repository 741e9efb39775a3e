import pytest

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_in_vietnamese_then_english_on_a_phone(page):
    # given: a shopper on a phone opens the store
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.get_by_role("heading", level=1).inner_text() == "Chào mừng đến với Tiệm"

    # when: they switch the language in one click, English named in English
    page.get_by_role("button", name="English").click()

    # then
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome to Tiệm"
    # and back, Vietnamese named in Vietnamese
    assert page.locator('button[name="language"]').get_attribute("lang") == "vi"
    # nothing wider than the phone's screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert screenshot(page, "home-en-375px").stat().st_size > 0
