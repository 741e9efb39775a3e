"""The shopper's account in a real browser, on a phone-sized screen."""

import re

import pytest

from config.transports import memory
from customers.models import ConsentRecord, Customer
from customers.selectors import consent_current
from customers.services import review_request_token, shopper_signup
from tests.browser.conftest import screenshot
from tests.factories import ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "bánh-cuốn-2026"


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 375


def log_in(page, username: str) -> None:
    page.goto("/account/login/")
    page.locator('input[name="username"]').fill(username)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('main form button[type="submit"]:not(.link-button)').click()
    page.wait_for_url("**/account/")


def test_a_shopper_signs_up_and_changes_a_message_preference(page):
    # given: a new shopper signs up with a phone
    page.goto("/account/signup/")
    assert fits_the_phone(page)
    screenshot(page, "account-signup-375px")
    page.locator('input[name="full_name"]').fill("Chị Lan")
    page.locator('input[name="phone"]').fill("0909 908 089")
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('main form button[type="submit"]:not(.link-button)').click()

    # then: they are asked for the code sent to the phone; they enter it and land on
    # their account, logged in
    page.wait_for_url("**/account/verify/")
    code = re.search(r"\b(\d{6})\b", memory.sent_on("sms")[-1].body).group(1)
    page.locator('input[name="code"]').fill(code)
    page.locator("main form button.primary").click()
    page.wait_for_url("**/account/")
    assert "Chị Lan" in page.get_by_role("heading", level=1).inner_text()
    assert page.locator(".account-link").is_visible()
    assert fits_the_phone(page)
    screenshot(page, "account-home-375px")

    # when: they open their message preferences and ask for offers on Zalo
    page.locator('.account-nav a[href="/account/preferences/"]').click()
    page.wait_for_url("**/account/preferences/")
    zalo = page.locator("#id_zalo")
    assert not zalo.is_checked()
    zalo.check()
    page.locator('main form button[type="submit"]:not(.link-button)').click()

    # then: the page says it is saved and shows the choice, which is recorded with proof
    page.wait_for_url("**/account/preferences/")
    assert page.get_by_role("status").is_visible()
    assert page.locator("#id_zalo").is_checked()
    assert not page.locator("#id_email").is_checked()
    assert page.locator(".consent-history li").count() == 1
    customer = Customer.objects.get()
    assert consent_current(customer=customer, channel="zalo", purpose="marketing") is True
    record = ConsentRecord.objects.get(channel="zalo")
    assert (record.source, record.actor, record.wording_version) == (
        "web_form",
        "shopper",
        "preferences-2026-11",
    )
    assert fits_the_phone(page)
    screenshot(page, "account-preferences-375px")


def test_an_address_error_is_visible_and_announced(page):
    # given
    customer = shopper_signup(password=PASSWORD, email="lan@example.vn", full_name="Chị Lan")
    log_in(page, "LAN@example.vn")

    # when: an address with a phone that is too short
    page.goto("/account/addresses/")
    page.locator('input[name="line1"]').fill("25 Hàng Giấy")
    page.locator('select[name="province_code"]').select_option(label="Thành phố Hà Nội")
    page.locator('select[name="ward_code"]').select_option(label="Phường Cầu Giấy")
    page.locator('input[name="phone"]').fill("0909")
    page.locator('main form button[type="submit"]:not(.link-button)').click()
    page.wait_for_load_state()

    # then: a summary is announced, and the field says what is wrong and is marked invalid
    alert = page.get_by_role("alert")
    assert alert.is_visible()
    assert page.evaluate("document.activeElement.id") == "form-errors"
    phone = page.locator("#id_phone")
    assert phone.get_attribute("aria-invalid") == "true"
    described_by = phone.get_attribute("aria-describedby").split()
    assert "id_phone_error" in described_by
    error = page.locator("#id_phone_error")
    assert error.is_visible()
    assert error.inner_text().strip() != ""
    assert page.locator("#id_line1").input_value() == "25 Hàng Giấy"  # what was typed is kept
    assert fits_the_phone(page)
    screenshot(page, "account-address-error-375px")
    customer.refresh_from_db()
    assert customer.addresses == []

    # when: they correct it
    page.locator('input[name="phone"]').fill("0912 345 678")
    page.locator('main form button[type="submit"]:not(.link-button)').click()
    page.wait_for_url("**/account/addresses/")

    # then: saved on the 2025 units, the phone written the Vietnamese way
    saved = page.locator(".addresses").inner_text()
    assert "Phường Cầu Giấy, Thành phố Hà Nội" in saved
    assert "0912 345 678" in saved and "+84" not in saved
    screenshot(page, "account-addresses-375px")


def test_a_review_from_a_signed_link_without_logging_in(page):
    # given
    customer = shopper_signup(password=PASSWORD, phone="0909908089")
    product = ProductFactory(name="Thịt trâu gác bếp")
    token = review_request_token(customer, product)

    # when: the rating is missing, then given
    page.goto(f"/reviews/new/{token}/")
    assert "Thịt trâu gác bếp" in page.locator(".product-name").inner_text()
    page.locator('main form button[type="submit"]:not(.link-button)').click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").is_visible()
    page.get_by_role("alert").get_by_role("link").click()  # the summary leads to the field
    assert page.evaluate("document.activeElement.id") == "id_rating_0"
    screenshot(page, "review-error-375px")
    page.locator('input[name="rating"][value="5"]').check()
    page.locator('textarea[name="text"]').fill("Ngon, đúng vị Tây Bắc.")
    page.locator('main form button[type="submit"]:not(.link-button)').click()

    # then
    page.wait_for_url(re.compile(r"/reviews/thanks/(#.*)?$"))  # the fragment followed the link
    assert customer.reviews.get().rating == 5
    assert fits_the_phone(page)
    screenshot(page, "review-thanks-375px")
