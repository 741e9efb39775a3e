import json

import pytest
from django.contrib.auth import authenticate
from django.forms.models import model_to_dict

from customers.exceptions import CustomerErased
from customers.models import ConsentRecord, ContactPoint, Customer, Event, LoyaltyEntry
from customers.services import (
    consent_record,
    customer_erase,
    customer_export,
    customer_merge,
    event_record,
    loyalty_earn,
    review_submit,
    shopper_signup,
    wishlist_add,
)
from tests.customers.merge_testapp.models import Parcel
from tests.factories import ProductFactory, VariantFactory, customer_with

pytestmark = pytest.mark.django_db

EMAIL = "toan@example.vn"
PHONE = "+84909908089"


def a_full_customer(*, product=None, variant=None):
    product, variant = product or ProductFactory(), variant or VariantFactory()
    customer = customer_with(email=EMAIL, phone=PHONE, full_name="Nguyễn Văn Toản")
    customer.addresses = [{"line": "25 Hàng Giấy", "city": "Hà Nội", "phone": "0909 908 089"}]
    customer.staff_notes = "Gọi 0909.908.089 trước khi giao"
    customer.save()
    ContactPoint.objects.create(customer=customer, kind="zalo", value="zalo-778")
    consent_record(
        customer=customer, channel="email", purpose="marketing", granted=True,
        source="web_form", actor="shopper", wording_version="v3",
    )  # fmt: skip
    event_record(
        customer=customer,
        kind="checkout_started",
        payload={
            "contact": {"email": EMAIL, "phone": PHONE},
            "message": "call me on 0909 908 089 or TOAN@example.vn",
            "lines": [{"variant_id": 3, "quantity": 2}],
            "total_amount": "540000",
        },
    )
    loyalty_earn(customer=customer, reference="order:WEB-000123", points=54)
    review_submit(
        customer=customer, product_id=product.pk, rating=5, text="Ngon! Zalo mình 0909908089"
    )
    wishlist_add(customer=customer, variant_id=variant.pk)
    Parcel.objects.create(customer=customer, label="WEB-000123")
    return customer


def test_export_holds_every_contact_point_consent_event_review_and_point():
    # given
    product, variant = ProductFactory(), VariantFactory()
    customer = a_full_customer(product=product, variant=variant)

    # when
    document = customer_export(customer=customer)

    # then: one JSON document
    json.dumps(document)
    assert document["customer"]["full_name"] == "Nguyễn Văn Toản"
    assert {(c["kind"], c["value"]) for c in document["contact_points"]} == {
        ("email", EMAIL),
        ("phone", PHONE),
        ("zalo", "zalo-778"),
    }
    assert [(c["channel"], c["granted"], c["wording_version"]) for c in document["consents"]] == [
        ("email", True, "v3")
    ]
    assert {e["id"] for e in document["events"]} == set(
        customer.events.values_list("pk", flat=True)
    )
    assert [r["product_id"] for r in document["reviews"]] == [product.pk]
    assert document["loyalty"] == {
        "balance": 54,
        "entries": [
            {
                "kind": "earn",
                "points": 54,
                "reference": "order:WEB-000123",
                "note": "",
                "created_at": document["loyalty"]["entries"][0]["created_at"],
            }
        ],
    }
    assert [w["variant_id"] for w in document["wishlist"]] == [variant.pk]
    assert document["other_records"]["merge_testapp.Parcel"][0]["label"] == "WEB-000123"


def _all_text_of(customer: Customer) -> str:
    rows = [model_to_dict(customer)]
    rows += [model_to_dict(row) for row in ContactPoint.objects.filter(customer=customer)]
    rows += list(Event.objects.filter(customer=customer).values())
    rows += list(ConsentRecord.objects.filter(customer=customer).values())
    rows += list(customer.reviews.values())
    rows += list(customer.loyalty_entries.values())
    rows += list(customer.wishlist_items.values())
    return json.dumps(rows, default=str, ensure_ascii=False).lower()


def test_erase_leaves_no_email_or_phone_in_the_customers_rows():
    # given
    customer = a_full_customer()
    user_customer = shopper_signup(password="a-long-secret-9", email="other@example.vn")
    customer_merge(target=customer, source=user_customer)

    # when
    customer_erase(customer=customer)

    # then
    customer.refresh_from_db()
    text = _all_text_of(customer)
    for needle in [EMAIL, "other@example.vn", "909908089", "909 908 089", "909.908.089", "toản"]:
        assert needle not in text, needle
    assert customer.erased_at is not None
    assert not ContactPoint.objects.exists()
    # consent history kept, with the subject pseudonymised
    assert customer.consents.count() == 1
    # financial records kept
    assert LoyaltyEntry.objects.filter(customer=customer).count() == 1
    assert Parcel.objects.get().customer == customer
    payload = customer.events.get(kind="checkout_started").payload
    assert payload["lines"] == [{"variant_id": 3, "quantity": 2}]
    assert payload["total_amount"] == "540000"
    # the login is gone
    assert authenticate(username="other@example.vn", password="a-long-secret-9") is None


def test_erasing_twice_is_refused():
    customer = a_full_customer()
    customer_erase(customer=customer)

    with pytest.raises(CustomerErased):
        customer_erase(customer=customer)

    assert customer.events.filter(kind="profile_erased").count() == 1
