import pytest

from customers.models import ConsentRecord, Customer, Event
from customers.selectors import consent_current
from customers.services import customer_merge, event_record, loyalty_earn, wishlist_add
from inventory.services import sales_channel_upsert
from tests.factories import LocationFactory, VariantFactory, customer_with, terminal_with_token

pytestmark = pytest.mark.django_db

LOOKUP = "/api/v1/pos/customers/lookup/"
CREATE = "/api/v1/pos/customers/"


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def till():
    store = LocationFactory(code="hn-hang-giay")
    sales_channel_upsert(code="pos-hn", name="POS Hàng Giấy", kind="pos", locations=[store])
    terminal, token = terminal_with_token(location=store)
    return terminal, token


@pytest.mark.parametrize(
    "written", ["0909908089", "0909 908 089", "84909908089", "+84 909 908 089"]
)
def test_lookup_by_phone_in_any_format(client, till, written):
    # given: the shopper who abandoned a web cart with this phone
    customer = customer_with(phone="+84909908089", full_name="Anh Toản")
    loyalty_earn(customer=customer, reference="order:WEB-1", points=25)
    _, token = till

    # when
    response = client.get(LOOKUP, {"phone": written}, **bearer(token))

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == customer.pk
    assert body["full_name"] == "Anh Toản"
    assert body["loyalty_balance"] == 25
    assert body["contacts"] == [{"kind": "phone", "value": "+84909908089"}]


def test_lookup_by_email(client, till):
    customer = customer_with(email="toan@example.vn")

    response = client.get(LOOKUP, {"email": "Toan@Example.vn"}, **bearer(till[1]))

    assert response.json()["id"] == customer.pk


def test_lookup_unknown_is_404_and_invalid_is_400(client, till):
    unknown = client.get(LOOKUP, {"phone": "0912345678"}, **bearer(till[1]))
    invalid = client.get(LOOKUP, {"phone": "0909"}, **bearer(till[1]))
    empty = client.get(LOOKUP, **bearer(till[1]))

    assert (unknown.status_code, unknown.json()["code"]) == (404, "customer_not_found")
    assert (invalid.status_code, invalid.json()["code"]) == (400, "invalid_contact_point")
    assert "phone" in invalid.json()["fields"]
    assert empty.status_code == 400


def test_lookup_needs_a_terminal_token(client):
    customer_with(phone="+84909908089")

    response = client.get(LOOKUP, {"phone": "0909908089"})

    assert response.status_code == 401


def test_create_at_the_till_with_consent_proof(client, till):
    # given
    terminal, token = till

    # when
    response = client.post(
        CREATE,
        {
            "full_name": "Chị Lan",
            "phone": "0912 345 678",
            "preferred_language": "vi",
            "consents": [
                {"channel": "sms", "purpose": "marketing", "granted": True, "wording_version": "p1"}
            ],
        },
        content_type="application/json",
        **bearer(token),
    )

    # then
    assert response.status_code == 201
    customer = Customer.objects.get(pk=response.json()["id"])
    assert customer.full_name == "Chị Lan"
    assert customer.first_channel.code == "pos-hn"
    assert consent_current(customer=customer, channel="sms", purpose="marketing") is True
    record = ConsentRecord.objects.get()
    assert (record.source, record.actor, record.wording_version) == (
        "pos_terminal",
        "shopper",
        "p1",
    )
    assert record.source_ref == f"terminal:{terminal.pk} store:hn-hang-giay"


def test_create_without_consent_records_none(client, till):
    response = client.post(
        CREATE, {"phone": "0912345678"}, content_type="application/json", **bearer(till[1])
    )

    assert response.status_code == 201
    customer = Customer.objects.get()
    assert consent_current(customer=customer, channel="sms", purpose="marketing") is False
    assert not ConsentRecord.objects.exists()


def test_create_for_a_known_phone_returns_the_existing_profile(client, till):
    existing = customer_with(phone="+84909908089")

    response = client.post(
        CREATE, {"phone": "0909 908 089"}, content_type="application/json", **bearer(till[1])
    )

    assert response.status_code == 200
    assert response.json()["id"] == existing.pk
    assert Customer.objects.count() == 1


def test_create_with_an_invalid_phone_writes_nothing(client, till):
    response = client.post(
        CREATE,
        {
            "phone": "0909",
            "consents": [{"channel": "sms", "purpose": "marketing", "granted": True}],
        },
        content_type="application/json",
        **bearer(till[1]),
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_contact_point"
    assert not Customer.objects.exists()
    assert not ConsentRecord.objects.exists()


def test_summary_shows_balance_wishlist_and_only_this_stores_timeline(client, till):
    # given
    terminal, token = till
    other_store = LocationFactory(code="hcm-quan-1")
    customer = customer_with(phone="+84909908089", email="toan@example.vn")
    customer.staff_notes = "Khách quen, hay mua trà"
    customer.save()
    loyalty_earn(customer=customer, reference="order:WEB-1", points=40)
    variant = VariantFactory()
    wishlist_add(customer=customer, variant_id=variant.pk)
    event_record(customer=customer, kind="checkout_started", payload={"number": "WEB-1"})
    event_record(
        customer=customer, kind="order_completed", location=terminal.location,
        payload={"number": "POS-1"},
    )  # fmt: skip
    event_record(
        customer=customer, kind="order_completed", location=other_store,
        payload={"number": "POS-HCM-9"},
    )  # fmt: skip

    # when
    response = client.get(f"/api/v1/pos/customers/{customer.pk}/", **bearer(token))

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["loyalty_balance"] == 40
    assert body["wishlist_variant_ids"] == [variant.pk]
    assert body["consent"]["sms"]["marketing"] is False
    numbers = [event["payload"].get("number") for event in body["recent_events"]]
    assert "POS-1" in numbers
    assert "WEB-1" in numbers
    assert "POS-HCM-9" not in numbers
    assert all(event["location"] in (None, "hn-hang-giay") for event in body["recent_events"])
    assert "staff_notes" not in body
    assert "Khách quen" not in response.content.decode()


def test_summary_of_a_merged_id_answers_with_the_surviving_profile(client, till):
    a, b = customer_with(phone="+84909908089"), customer_with(email="toan@example.vn")
    customer_merge(target=a, source=b)

    response = client.get(f"/api/v1/pos/customers/{b.pk}/", **bearer(till[1]))

    assert response.json()["id"] == a.pk


def test_summary_of_unknown_customer_is_404(client, till):
    response = client.get("/api/v1/pos/customers/999999/", **bearer(till[1]))

    assert response.status_code == 404
    assert Event.objects.count() == 0


# --- chat ids captured at the till (Zalo, Messenger) ----------------------------------------


def test_create_with_a_messenger_psid_and_its_consent(client, till):
    # when
    response = client.post(
        CREATE,
        {
            "phone": "0912345678",
            "messenger_psid": " 6723481953012345 ",
            "consents": [{"channel": "messenger", "purpose": "transactional", "granted": True}],
        },
        content_type="application/json",
        **bearer(till[1]),
    )

    # then
    assert response.status_code == 201, response.json()
    customer = Customer.objects.get()
    assert set(customer.contact_points.values_list("kind", "value")) == {
        ("phone", "+84912345678"),
        ("messenger", "6723481953012345"),
    }
    assert {"kind": "messenger", "value": "6723481953012345"} in response.json()["contacts"]
    assert consent_current(customer=customer, channel="messenger", purpose="transactional")


def test_a_chat_id_without_its_consent_is_refused_and_nothing_is_written(client, till):
    response = client.post(
        CREATE,
        {"phone": "0912345678", "zalo_id": "8412345"},
        content_type="application/json",
        **bearer(till[1]),
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["zalo_id"]
    assert not Customer.objects.exists()
    assert not ConsentRecord.objects.exists()


def test_the_till_adds_a_zalo_id_to_a_known_customer(client, till):
    # given
    customer = customer_with(phone="+84909908089")

    # when
    response = client.post(
        f"/api/v1/pos/customers/{customer.pk}/contacts/",
        {
            "zalo_id": "8412345",
            "consents": [{"channel": "zalo", "purpose": "transactional", "granted": True}],
        },
        content_type="application/json",
        **bearer(till[1]),
    )

    # then
    assert response.status_code == 200, response.json()
    assert customer.contact_points.get(kind="zalo").value == "8412345"
    record = ConsentRecord.objects.get()
    assert (record.channel, record.source) == ("zalo", "pos_terminal")


def test_a_zalo_id_held_by_another_customer_is_409_and_nothing_is_written(client, till):
    # given
    customer = customer_with(phone="+84909908089")
    other = customer_with(phone="+84912345678")
    other.contact_points.create(kind="zalo", value="8412345")

    # when
    response = client.post(
        f"/api/v1/pos/customers/{customer.pk}/contacts/",
        {
            "phone": "0933 333 333",
            "zalo_id": "8412345",
            "consents": [{"channel": "zalo", "purpose": "transactional", "granted": True}],
        },
        content_type="application/json",
        **bearer(till[1]),
    )

    # then
    assert response.status_code == 409
    assert (response.json()["code"], list(response.json()["fields"])) == (
        "contact_point_taken",
        ["zalo_id"],
    )
    assert list(customer.contact_points.values_list("kind", flat=True)) == ["phone"]
    assert not ConsentRecord.objects.exists()
