"""The shopper's account pages, reviews and preferences, through Django's test client."""

import re
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from config.transports import memory
from customers.login_throttle import (
    MAX_FAILURES,
    MAX_FAILURES_PER_ADDRESS,
    MAX_SIGNUP_CLASHES_PER_ADDRESS,
)
from customers.models import ConsentRecord, Customer, Event, Review
from customers.selectors import consent_current
from customers.services import (
    customer_address_add,
    event_record,
    loyalty_earn,
    review_request_token,
    shopper_signup,
    wishlist_add,
)
from customers.services.review_requests import REVIEW_REQUEST_MAX_AGE
from tests.factories import ProductFactory, StaffFactory, VariantFactory, customer_with

pytestmark = pytest.mark.django_db

PASSWORD = "bánh-cuốn-2026"
# Thành phố Hà Nội, Phường Cầu Giấy: an address on the 2025 units.
CAU_GIAY = {"province_code": "01", "ward_code": "00167"}
ACCOUNT_PAGES = [
    "/account/",
    "/account/points/",
    "/account/wishlist/",
    "/account/addresses/",
    "/account/preferences/",
]


@pytest.fixture
def client():
    """Pages in English (the store's default is Vietnamese), so assertions read the English text."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def shopper():
    return shopper_signup(
        password=PASSWORD, phone="0909908089", email="lan@example.vn", full_name="Chị Lan"
    )


@pytest.fixture
def shopper_client(client, shopper):
    client.force_login(shopper.user, backend="customers.auth.EmailOrPhoneBackend")
    return client


def _not_written(customer):
    """Counts of everything the account pages can write."""
    customer.refresh_from_db()
    return (
        len(customer.addresses),
        Review.objects.count(),
        ConsentRecord.objects.count(),
        Event.objects.count(),
    )


# --- every page renders; login required -------------------------------------------------


@pytest.mark.parametrize("path", ACCOUNT_PAGES)
def test_every_account_page_renders_for_a_logged_in_shopper(shopper_client, path):
    response = shopper_client.get(path)

    assert response.status_code == 200
    assert b'<link rel="stylesheet" href="/static/tiem/account.css">' in response.content


@pytest.mark.parametrize("path", [*ACCOUNT_PAGES, "/reviews/new/?product=1"])
def test_account_pages_need_a_login(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/?next=")


def test_a_staff_login_without_a_shopper_profile_is_told_so(client):
    client.force_login(StaffFactory())

    response = client.get("/account/")

    assert response.status_code == 403
    assert b"This login has no shopper account" in response.content


def test_account_home_shows_the_profile_points_and_links(shopper_client, shopper):
    # given
    loyalty_earn(customer=shopper, reference="order:POS-1", points=1500)

    # when
    response = shopper_client.get("/account/")

    # then
    content = response.content.decode()
    assert "Hello, Chị Lan" in content
    assert "0909 908 089" in content and "lan@example.vn" in content
    assert "1,500 points" in content
    for path in ACCOUNT_PAGES[1:]:
        assert f'href="{path}"' in content


def test_header_links_the_account_and_the_tab_bar_logs_out(shopper_client, client):
    content = shopper_client.get("/account/points/").content.decode()

    assert 'class="account-link" href="/account/"' in content
    nav = content[content.index('<nav class="account-nav"') :]
    assert 'action="/account/logout/"' in nav[: nav.index("</nav>")]
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en").get("/account/login/").content.decode()
    assert '<a class="account-link" href="/account/login/">Log in</a>' in anonymous
    assert 'href="/account/signup/"' in anonymous  # on the log-in page itself


def test_logout_is_a_post_and_ends_the_session(shopper_client):
    response = shopper_client.post("/account/logout/")

    assert response.status_code == 302
    assert "_auth_user_id" not in shopper_client.session


def test_points_page_lists_the_history(shopper_client, shopper):
    loyalty_earn(customer=shopper, reference="order:WEB-7", points=200, note="Đơn WEB-7")

    content = shopper_client.get("/account/points/").content.decode()

    assert "Your balance: 200 points" in content
    assert "Đơn WEB-7" in content and "+200" in content


def test_wishlist_page_shows_the_variant_its_price_and_a_remove_button(shopper_client, shopper):
    # given
    variant = VariantFactory(
        product=ProductFactory(slug="mac-khen", name="Mắc khén", name_en="Mac khen pepper"),
        name="100 g",
        price_amount=135000,
    )
    wishlist_add(customer=shopper, variant_id=variant.pk)

    # when
    content = shopper_client.get("/account/wishlist/").content.decode()

    # then
    assert 'href="/p/mac-khen/"' in content
    assert "Mac khen pepper" in content and "100 g" in content
    assert "₫135,000" in content
    assert 'action="/account/wishlist/toggle/"' in content
    assert 'name="remove" value="1"' in content


def test_wishlist_remove_button_takes_the_item_off(shopper_client, shopper):
    variant = VariantFactory()
    wishlist_add(customer=shopper, variant_id=variant.pk)

    response = shopper_client.post(
        "/account/wishlist/toggle/",
        {"variant_id": variant.pk, "remove": "1", "next": "/account/wishlist/"},
    )

    assert response["Location"] == "/account/wishlist/"
    assert not shopper.wishlist_items.exists()


# --- addresses ----------------------------------------------------------------------------


def test_adding_an_address_normalises_the_phone(shopper_client, shopper):
    response = shopper_client.post(
        "/account/addresses/",
        {**CAU_GIAY, "line1": "25 Hàng Giấy", "phone": "0912 345 678", "name": "Lan"},
    )

    assert response.status_code == 302
    shopper.refresh_from_db()
    [address] = shopper.addresses
    assert address == {
        "id": address["id"],
        "name": "Lan",
        "phone": "+84912345678",
        "line1": "25 Hàng Giấy",
        "ward_code": "00167",
        "ward": "Phường Cầu Giấy",
        "province_code": "01",
        "province": "Thành phố Hà Nội",
    }
    page = shopper_client.get("/account/addresses/").content.decode()
    assert "25 Hàng Giấy" in page and f'action="/account/addresses/{address["id"]}/delete/"' in page
    assert "Phường Cầu Giấy, Thành phố Hà Nội" in page
    assert "0912 345 678" in page and "+84912345678" not in page


def test_an_address_with_an_invalid_phone_says_why_and_writes_nothing(shopper_client, shopper):
    # given
    before = _not_written(shopper)

    # when
    response = shopper_client.post(
        "/account/addresses/", {**CAU_GIAY, "line1": "25 Hàng Giấy", "phone": "0909"}
    )

    # then
    assert response.status_code == 400
    assert response.context["form"].errors["phone"] == [
        "Not a valid phone number: it is too short."
    ]
    content = response.content.decode()
    assert 'role="alert"' in content
    assert (
        'aria-invalid="true"' in content
        and 'aria-describedby="id_phone_helptext id_phone_error"' in content
    )
    assert '<ul class="errorlist" id="id_phone_error">' in content
    assert _not_written(shopper) == before


def test_an_address_without_street_or_province_is_refused(shopper_client, shopper):
    response = shopper_client.post("/account/addresses/", {"line1": " ", "province_code": ""})

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"__all__", "line1", "province_code"}
    shopper.refresh_from_db()
    assert shopper.addresses == []


@pytest.mark.parametrize(
    ("posted", "field", "message"),
    [
        (
            {"province_code": "99", "ward_code": "00167"},
            "province_code",
            "Choose the province or city.",
        ),
        # Phường Bến Thành is in Hồ Chí Minh City, not in Hà Nội
        (
            {"province_code": "01", "ward_code": "26743"},
            "ward_code",
            "Choose a ward or commune of Thành phố Hà Nội.",
        ),
        (
            {"province_code": "01", "ward_code": ""},
            "ward_code",
            "Choose a ward or commune of Thành phố Hà Nội.",
        ),
    ],
)
def test_a_province_or_ward_that_does_not_exist_there_is_refused(
    shopper_client, shopper, posted, field, message
):
    # given
    before = _not_written(shopper)

    # when
    response = shopper_client.post("/account/addresses/", {"line1": "25 Hàng Giấy", **posted})

    # then
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert _not_written(shopper) == before


def test_without_javascript_the_wards_of_the_chosen_province_are_listed(shopper_client, shopper):
    # given: the province chosen, and the "Show its wards" button pressed
    before = _not_written(shopper)

    # when
    response = shopper_client.post(
        "/account/addresses/", {"line1": "25 Hàng Giấy", "province_code": "01", "show_wards": "1"}
    )

    # then: the ward picker lists Hà Nội's wards, what was typed is kept, nothing is saved
    assert response.status_code == 200
    page = response.content.decode()
    assert '<option value="00167">Phường Cầu Giấy</option>' in page
    assert '<option value="26743">' not in page
    assert 'value="25 Hàng Giấy"' in page
    assert response.context["form"].errors == {}
    assert _not_written(shopper) == before


def test_the_ward_picker_reads_the_wards_of_a_province(client):
    response = client.get("/addresses/wards/?province=01")

    assert response.status_code == 200
    body = response.json()
    assert body["province"] == "01"
    assert ["00167", "Phường Cầu Giấy"] in body["wards"]
    assert len(body["wards"]) == 126
    assert client.get("/addresses/wards/?province=99").status_code == 404


def test_an_address_written_before_the_reform_is_kept_and_shown_as_written(shopper_client, shopper):
    # given: an address with a district, typed before July 2025
    shopper.addresses = [
        {
            "id": "old1",
            "line1": "25 Hàng Giấy",
            "ward": "Phường Hàng Buồm",
            "district": "Quận Hoàn Kiếm",
            "city": "Hà Nội",
        }
    ]
    shopper.save(update_fields=["addresses"])

    # when
    page = shopper_client.get("/account/addresses/").content.decode()

    # then
    assert "Phường Hàng Buồm, Quận Hoàn Kiếm, Hà Nội" in page
    assert "Written before the July 2025 reform" in page


def test_deleting_an_address(shopper_client, shopper):
    kept = customer_address_add(customer=shopper, line1="1 Lý Thái Tổ", **CAU_GIAY)
    gone = customer_address_add(customer=shopper, line1="2 Tràng Tiền", **CAU_GIAY)

    response = shopper_client.post(f"/account/addresses/{gone['id']}/delete/")

    assert response.status_code == 302
    shopper.refresh_from_db()
    assert shopper.addresses == [kept]


def test_deleting_an_address_needs_a_post(shopper_client, shopper):
    address = customer_address_add(customer=shopper, line1="1 Lý Thái Tổ", **CAU_GIAY)

    response = shopper_client.get(f"/account/addresses/{address['id']}/delete/")

    assert response.status_code == 405
    shopper.refresh_from_db()
    assert shopper.addresses == [address]


# --- message preferences -----------------------------------------------------------------


def test_preferences_show_the_current_consent(shopper_client, shopper):
    shopper_client.post("/account/preferences/", {"zalo": "on"})

    form = shopper_client.get("/account/preferences/").context["form"]

    assert form.initial == {"email": False, "sms": False, "zalo": True, "messenger": False}


def test_saving_preferences_records_each_change_with_proof_and_keeps_history(
    shopper_client, shopper
):
    # when: opt in to email and SMS, then later out of SMS
    first = shopper_client.post("/account/preferences/", {"email": "on", "sms": "on"})
    shopper_client.post("/account/preferences/", {"email": "on"})

    # then
    assert first.status_code == 302 and first["Location"] == "/account/preferences/"
    records = list(ConsentRecord.objects.order_by("id"))
    assert [(r.channel, r.granted) for r in records] == [
        ("email", True),
        ("sms", True),
        ("sms", False),
    ]
    for record in records:
        assert record.customer_id == shopper.pk
        assert record.purpose == "marketing"
        assert record.source == "web_form"
        assert record.actor == "shopper"
        assert record.source_ref == "account preferences"
        assert record.wording_version == "preferences-2026-11"
    assert Event.objects.filter(kind="consent_changed", customer=shopper).count() == 3
    page = shopper_client.get("/account/preferences/").content.decode()
    assert "Your recent choices" in page and "offers stopped" in page


def test_saving_unchanged_preferences_writes_nothing(shopper_client, shopper):
    before = _not_written(shopper)

    response = shopper_client.post("/account/preferences/", {})

    assert response.status_code == 302
    assert _not_written(shopper) == before


# --- sign up, log in ------------------------------------------------------------------


def test_signup_creates_the_account_records_consent_logs_in_and_lands_on_the_account_page(client):
    # when
    response = client.post(
        "/account/signup/",
        {
            "full_name": "Anh Toản",
            "phone": "0909 908 089",
            "password": PASSWORD,
            "marketing_channels": ["sms"],
        },
    )

    # then: the account exists and is logged in; the phone waits for its code
    assert response.status_code == 302
    assert response["Location"] == "/account/verify/"
    customer = Customer.objects.get()
    assert customer.user is not None
    assert client.session["_auth_user_id"] == str(customer.user.pk)
    assert consent_current(customer=customer, channel="sms", purpose="marketing") is True
    assert consent_current(customer=customer, channel="email", purpose="marketing") is False
    record = ConsentRecord.objects.get()
    assert (record.source, record.wording_version) == ("web_form", "signup-2026-11")


def test_signup_with_an_invalid_phone_shows_why_and_writes_nothing(client):
    response = client.post("/account/signup/", {"phone": "0909", "password": PASSWORD})

    assert response.status_code == 200
    assert response.context["form"].errors["phone"] == [
        "Not a valid phone number: it is too short."
    ]
    assert not Customer.objects.exists()
    assert not get_user_model().objects.exists()


def test_signup_on_a_profile_seen_at_the_till_links_it_only_after_the_code(client):
    # Changed with verified contacts (DESIGN.md invariant 10): this test used to assert
    # that sign-up alone attached the login to the existing profile.
    existing = customer_with(phone="+84909908089")

    client.post("/account/signup/", {"phone": "84909908089", "password": PASSWORD})

    existing.refresh_from_db()
    assert existing.user is None
    assert Customer.objects.count() == 2
    code = re.search(r"\b(\d{6})\b", memory.sent_on("sms")[-1].body).group(1)
    client.post("/account/verify/", {"kind": "phone", "code": code})
    existing.refresh_from_db()
    assert existing.user is not None
    assert client.session["_auth_user_id"] == str(existing.user_id)


def test_login_page_accepts_the_phone_in_another_format(client):
    client.post("/account/signup/", {"phone": "0909908089", "password": PASSWORD})
    client.logout()

    response = client.post("/account/login/", {"username": "+84 909 908 089", "password": PASSWORD})

    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_login_rotates_the_session_key(client, shopper):
    # given: a session exists before the log-in (a fixation attempt would plant this one)
    client.get("/account/login/")
    session = client.session
    session["planted"] = "x"
    session.save()
    before = session.session_key

    # when
    response = client.post("/account/login/", {"username": "0909908089", "password": PASSWORD})

    # then
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert client.session.session_key != before
    assert client.session["_auth_user_id"] == str(shopper.user.pk)


def test_login_gives_the_same_message_for_an_unknown_account_and_a_wrong_password(client, shopper):
    unknown = client.post("/account/login/", {"username": "ai@example.vn", "password": PASSWORD})
    wrong = client.post("/account/login/", {"username": "lan@example.vn", "password": "nope"})

    assert unknown.status_code == wrong.status_code == 200
    assert unknown.context["form"].non_field_errors() == wrong.context["form"].non_field_errors()
    assert unknown.context["form"].non_field_errors() == [
        "The email or phone and password do not match an account. Check them and try again, "
        "or sign up if you have no account yet."
    ]
    assert 'role="alert"' in unknown.content.decode()


def test_login_is_throttled_after_five_failures_even_with_the_right_password(client, shopper):
    # given: five wrong guesses, the phone written two ways
    for attempt in range(MAX_FAILURES):
        username = "0909908089" if attempt % 2 else "+84 909 908 089"
        client.post("/account/login/", {"username": username, "password": f"guess-{attempt}"})

    # when
    response = client.post("/account/login/", {"username": "0909908089", "password": PASSWORD})

    # then
    assert response.status_code == 429
    assert response.context["form"].non_field_errors() == [
        "Too many failed attempts. Wait 15 minutes and try again, or ask the shop to reset "
        "your password."
    ]
    assert "_auth_user_id" not in client.session


def test_the_throttle_says_the_same_for_an_account_that_does_not_exist(client):
    for attempt in range(MAX_FAILURES):
        client.post("/account/login/", {"username": "ai@example.vn", "password": f"g-{attempt}"})

    response = client.post("/account/login/", {"username": "ai@example.vn", "password": "g"})

    assert response.status_code == 429
    assert "Too many failed attempts" in response.context["form"].non_field_errors()[0]


def test_the_throttle_counts_per_address_and_forgets_after_the_window(client, shopper):
    # given: five failures from one address
    for attempt in range(MAX_FAILURES):
        client.post("/account/login/", {"username": "0909908089", "password": f"g-{attempt}"})

    # then: another address may still log in
    other = Client(REMOTE_ADDR="10.0.0.9", HTTP_ACCEPT_LANGUAGE="en")
    ok = other.post("/account/login/", {"username": "0909908089", "password": PASSWORD})
    assert ok.status_code == 302

    # and after the window the first address may too
    with mock.patch("customers.login_throttle.cache.get", return_value=None):
        again = client.post("/account/login/", {"username": "0909908089", "password": PASSWORD})
    assert again.status_code == 302


def test_one_address_trying_many_accounts_is_throttled_too(client, shopper):
    # given: failures spread over many identifiers, each under the per-identifier limit
    for number in range(MAX_FAILURES_PER_ADDRESS):
        client.post("/account/login/", {"username": f"k{number}@example.vn", "password": "x"})

    # when: the right password for a real account, from the same address
    response = client.post("/account/login/", {"username": "0909908089", "password": PASSWORD})

    # then
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_signups_clashing_with_accounts_are_throttled_per_address(client, shopper):
    # given
    for _ in range(MAX_SIGNUP_CLASHES_PER_ADDRESS):
        client.post("/account/signup/", {"email": "lan@example.vn", "password": PASSWORD})

    # when: even a new email from that address
    response = client.post("/account/signup/", {"email": "moi@example.vn", "password": PASSWORD})

    # then
    assert response.context["form"].non_field_errors() == [
        "Too many attempts. Wait 15 minutes and try again, or log in if you already have an "
        "account."
    ]
    assert Customer.objects.count() == 1
    other = Client(REMOTE_ADDR="10.0.0.9", HTTP_ACCEPT_LANGUAGE="en")
    ok = other.post("/account/signup/", {"email": "moi@example.vn", "password": PASSWORD})
    assert ok.status_code == 302


def test_behind_a_proxy_the_client_address_comes_from_x_forwarded_for(settings, rf):
    from customers.login_throttle import _ip_address

    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")

    assert _ip_address(request) == "10.0.0.1"  # no proxy declared: the header is ignored
    settings.TRUSTED_PROXY_COUNT = 1
    assert _ip_address(request) == "203.0.113.7"  # not the spoofable left-most entry


def test_login_form_has_a_csrf_token(client):
    csrf_client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")

    page = csrf_client.get("/account/login/").content.decode()
    refused = csrf_client.post("/account/login/", {"username": "x", "password": "y"})

    assert 'name="csrfmiddlewaretoken"' in page
    assert refused.status_code == 403


@pytest.mark.parametrize(
    "path",
    ["/account/signup/", "/account/addresses/", "/account/preferences/", "/account/logout/"],
)
def test_every_account_form_needs_its_csrf_token(shopper, path):
    csrf_client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    csrf_client.force_login(shopper.user, backend="customers.auth.EmailOrPhoneBackend")
    before = _not_written(shopper)

    response = csrf_client.post(path, {"line1": "1 Lý Thái Tổ", **CAU_GIAY, "sms": "on"})

    assert response.status_code == 403
    assert _not_written(shopper) == before
    if path != "/account/logout/":
        assert 'name="csrfmiddlewaretoken"' in csrf_client.get(path).content.decode()


def test_the_review_form_needs_its_csrf_token(shopper):
    csrf_client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    token = review_request_token(shopper, ProductFactory())

    response = csrf_client.post(f"/reviews/new/{token}/", {"rating": "5"})

    assert response.status_code == 403
    assert not Review.objects.exists()


def test_signup_on_a_taken_email_or_phone_gives_one_generic_message(client, shopper):
    by_phone = client.post("/account/signup/", {"phone": "0909 908 089", "password": PASSWORD})
    by_email = client.post("/account/signup/", {"email": "LAN@example.vn", "password": PASSWORD})

    expected = [
        "We could not create an account with these details. If you already have an account, "
        "log in; if you forgot your password, ask the shop to reset it."
    ]
    assert by_phone.context["form"].non_field_errors() == expected
    assert by_email.context["form"].non_field_errors() == expected
    assert Customer.objects.count() == 1
    assert get_user_model().objects.count() == 1


# --- reviews ------------------------------------------------------------------------------


def test_signed_review_link_works_without_a_login(client, shopper):
    # given
    product = ProductFactory(name="Thịt trâu gác bếp", name_en="")
    event_record(customer=shopper, kind="order_completed", payload={"product_ids": [product.pk]})
    token = review_request_token(shopper, product)

    # when
    page = client.get(f"/reviews/new/{token}/")
    response = client.post(f"/reviews/new/{token}/", {"rating": "5", "text": "Ngon!"})

    # then
    assert page.status_code == 200 and "Thịt trâu gác bếp" in page.content.decode()
    assert response.status_code == 302 and response["Location"] == "/reviews/thanks/"
    review = Review.objects.get()
    assert (review.customer_id, review.product_id, review.rating, review.text) == (
        shopper.pk,
        product.pk,
        5,
        "Ngon!",
    )
    assert review.is_verified_purchase is True
    thanks = client.get("/reviews/thanks/").content.decode()
    assert 'class="messages"' not in thanks  # thanked once, by the page itself


def test_a_second_review_of_the_same_product_is_a_form_error_and_writes_nothing(client, shopper):
    # given
    product = ProductFactory()
    token = review_request_token(shopper, product)
    client.post(f"/reviews/new/{token}/", {"rating": "4"})
    before = _not_written(shopper)

    # when
    response = client.post(f"/reviews/new/{token}/", {"rating": "1", "text": "again"})

    # then
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "You have already reviewed this product: there is one review per product."
    ]
    assert Review.objects.get().rating == 4
    assert _not_written(shopper) == before


def test_a_tampered_review_link_is_a_400_and_writes_nothing(client, shopper):
    product = ProductFactory()
    token = review_request_token(shopper, product)
    other = review_request_token(Customer.objects.create(full_name="B"), product)
    tampered = token.split(":")[0] + ":" + ":".join(other.split(":")[1:])
    before = _not_written(shopper)

    for bad in (tampered, token[:-2] + "xx", "nonsense"):
        response = client.post(f"/reviews/new/{bad}/", {"rating": "5"})
        assert response.status_code == 400
        assert b"This link is not valid" in response.content
    assert _not_written(shopper) == before


def test_an_opt_out_token_is_not_a_review_token(client, shopper):
    from customers.services import consent_opt_out_token

    response = client.get(f"/reviews/new/{consent_opt_out_token(customer=shopper, channel='sms')}/")

    assert response.status_code == 400


def test_an_expired_review_link_is_a_400_and_writes_nothing(client, shopper):
    # given: a link signed 31 days ago
    product = ProductFactory()
    signed_at = time.time() - (REVIEW_REQUEST_MAX_AGE + timedelta(days=1)).total_seconds()
    with mock.patch("django.core.signing.time.time", return_value=signed_at):
        old = review_request_token(shopper, product)
    before = _not_written(shopper)

    # when
    response = client.post(f"/reviews/new/{old}/", {"rating": "5"})

    # then
    assert response.status_code == 400
    assert b"This review link has expired" in response.content
    assert _not_written(shopper) == before


def test_a_review_link_within_30_days_still_works(client, shopper):
    product = ProductFactory()
    signed_at = time.time() - (REVIEW_REQUEST_MAX_AGE - timedelta(days=1)).total_seconds()
    with mock.patch("django.core.signing.time.time", return_value=signed_at):
        token = review_request_token(shopper, product)

    response = client.post(f"/reviews/new/{token}/", {"rating": "5"})

    assert response.status_code == 302
    assert Review.objects.filter(customer=shopper, product=product).exists()


def test_a_logged_in_shopper_reviews_from_an_order(shopper_client, shopper):
    product = ProductFactory()

    page = shopper_client.get(f"/reviews/new/?product={product.pk}")
    response = shopper_client.post(f"/reviews/new/?product={product.pk}", {"rating": "3"})

    assert page.status_code == 200
    assert response.status_code == 302
    review = Review.objects.get()
    assert (review.customer_id, review.rating, review.is_verified_purchase) == (
        shopper.pk,
        3,
        False,
    )


def test_a_review_without_a_rating_says_so_and_writes_nothing(shopper_client, shopper):
    product = ProductFactory()
    before = _not_written(shopper)

    response = shopper_client.post(f"/reviews/new/?product={product.pk}", {"text": "hmm"})

    assert response.status_code == 400
    assert response.context["form"].errors["rating"] == ["Choose from 1 to 5 stars."]
    assert _not_written(shopper) == before


@pytest.mark.parametrize("query", ["product=abc", "product=999999", ""])
def test_a_review_of_an_unknown_product_is_a_404(shopper_client, query):
    response = shopper_client.get(f"/reviews/new/?{query}")

    assert response.status_code == 404
    assert b"This product cannot be reviewed" in response.content


# --- opt-out ----------------------------------------------------------------------------


def test_opt_out_pages_use_the_store_layout(client, shopper):
    from customers.services import consent_opt_out_token

    path = f"/opt-out/{consent_opt_out_token(customer=shopper, channel='sms')}/"
    asked = client.get(path)
    done = client.post(path)
    bad = client.get("/opt-out/nonsense/")

    assert asked.status_code == 200 and done.status_code == 200 and bad.status_code == 400
    assert asked.templates[0].name == "store/account/opt_out_confirm.html"
    assert done.templates[0].name == "store/account/opt_out_done.html"
    assert bad.templates[0].name == "store/account/opt_out_invalid.html"


# --- services behind the pages, and query budgets ------------------------------------------


def test_a_signed_link_to_a_product_already_reviewed_says_so_without_a_form(client, shopper):
    product = ProductFactory()
    token = review_request_token(shopper, product)
    client.post(f"/reviews/new/{token}/", {"rating": "4"})

    response = client.get(f"/reviews/new/{token}/")

    assert response.status_code == 200
    assert b"You have already reviewed this product" in response.content
    assert b'name="rating"' not in response.content


def test_review_request_path_points_at_the_signed_review_page(shopper):
    from customers.services import review_request_path, review_request_token_read

    product = ProductFactory()

    path = review_request_path(shopper, product)

    assert path.startswith("/reviews/new/")
    assert review_request_token_read(token=path.split("/")[3]) == (shopper.pk, product.pk)


def test_the_address_book_has_a_limit(shopper):
    from customers.exceptions import CustomersError
    from customers.services.addresses import MAX_ADDRESSES

    for number in range(MAX_ADDRESSES):
        customer_address_add(customer=shopper, line1=f"{number} Hàng Bạc", **CAU_GIAY)

    with pytest.raises(CustomersError, match="up to 20 addresses"):
        customer_address_add(customer=shopper, line1="21 Hàng Bạc", **CAU_GIAY)
    shopper.refresh_from_db()
    assert len(shopper.addresses) == MAX_ADDRESSES


def test_deleting_an_unknown_address_changes_nothing(shopper_client, shopper):
    kept = customer_address_add(customer=shopper, line1="1 Lý Thái Tổ", **CAU_GIAY)

    response = shopper_client.post("/account/addresses/nope/delete/", follow=True)

    assert b"That address was already deleted." in response.content
    shopper.refresh_from_db()
    assert shopper.addresses == [kept]


def test_the_wishlist_page_query_count_does_not_grow_with_the_items(
    shopper_client, shopper, django_assert_max_num_queries
):
    for _ in range(3):
        wishlist_add(customer=shopper, variant_id=VariantFactory().pk)
    with django_assert_max_num_queries(8) as few:
        shopper_client.get("/account/wishlist/")
    for _ in range(20):
        wishlist_add(customer=shopper, variant_id=VariantFactory().pk)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = shopper_client.get("/account/wishlist/")

    assert response.content.count(b'name="remove"') == 23


@pytest.mark.parametrize("path", ACCOUNT_PAGES)
def test_account_pages_stay_within_a_small_query_budget(
    shopper_client, shopper, path, django_assert_max_num_queries
):
    for number in range(30):
        loyalty_earn(customer=shopper, reference=f"order:WEB-{number}", points=10)
    customer_address_add(customer=shopper, line1="1 Lý Thái Tổ", **CAU_GIAY)

    with django_assert_max_num_queries(10):
        response = shopper_client.get(path)

    assert response.status_code == 200
