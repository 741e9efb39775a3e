import json

import pytest
from django.utils import timezone

from config.roles import CASHIER, STORE_MANAGER
from customers.models import ContactPoint, Customer, Event, MergeSuggestion
from customers.services import (
    consent_record,
    customer_resolve,
    loyalty_earn,
    review_submit,
    wishlist_add,
)
from tests.factories import (
    CustomerFactory,
    ProductFactory,
    StaffFactory,
    VariantFactory,
    customer_with,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/customers/customer/"


@pytest.mark.parametrize("term", ["0909 908 089", "+84909908089", "84 909 908 089", "0909.908.089"])
def test_search_by_phone_in_any_format(owner_client, term):
    # given
    toan = customer_with(phone="+84909908089", full_name="Anh Toản")
    customer_with(phone="+84912345678", full_name="Chị Lan")

    # when
    response = owner_client.get(CHANGELIST, {"q": term})

    # then
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [toan]


@pytest.mark.parametrize("term", ["0909 908", "908-089", "908089"])
def test_search_by_part_of_a_phone(owner_client, term):
    toan = customer_with(phone="+84909908089")
    customer_with(phone="+84912345678")

    response = owner_client.get(CHANGELIST, {"q": term})

    assert list(response.context["cl"].result_list) == [toan]


def test_search_by_email_and_name(owner_client):
    toan = customer_with(email="toan@example.vn", full_name="Anh Toản")

    by_email = owner_client.get(CHANGELIST, {"q": " TOAN@example.VN"})
    by_name = owner_client.get(CHANGELIST, {"q": "toản"})

    assert list(by_email.context["cl"].result_list) == [toan]
    assert list(by_name.context["cl"].result_list) == [toan]


def test_customer_page_with_1000_events_renders_in_bounded_queries(
    owner_client, django_assert_max_num_queries
):
    # given
    customer = customer_with(email="toan@example.vn", phone="+84909908089")
    now = timezone.now()
    Event.objects.bulk_create(
        Event(customer=customer, kind="product_viewed", occurred_at=now, payload={"n": n})
        for n in range(1000)
    )
    Event.objects.create(
        customer=customer,
        kind="order_completed",
        occurred_at=now,
        payload={"number": "POS-000042", "total_amount": "540000", "currency": "VND"},
    )
    consent_record(
        customer=customer, channel="email", purpose="marketing", granted=True,
        source="web_form", actor="shopper",
    )  # fmt: skip
    loyalty_earn(customer=customer, reference="order:POS-000042", points=54)
    wishlist_add(customer=customer, variant_id=VariantFactory().pk)
    review_submit(customer=customer, product_id=ProductFactory().pk, rating=5, text="Rất ngon")

    # when
    with django_assert_max_num_queries(25):
        response = owner_client.get(f"{CHANGELIST}{customer.pk}/change/")

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert len(response.context["events_page"].object_list) == 50
    assert "POS-000042" in html
    assert "+84909908089" in html
    assert "Rất ngon" in html

    with django_assert_max_num_queries(25):
        last = owner_client.get(f"{CHANGELIST}{customer.pk}/change/", {"events_page": 21})
    assert len(last.context["events_page"].object_list) == customer.events.count() - 20 * 50 == 3


def _action(client, action, customers, **extra):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [c.pk for c in customers], **extra},
    )


def test_owner_exports_a_customer_as_json(owner_client):
    customer = customer_with(email="toan@example.vn")

    response = _action(owner_client, "export_json", [customer])

    assert response.status_code == 200
    documents = json.loads(response.content)
    assert documents[0]["contact_points"][0]["value"] == "toan@example.vn"


# A manager has other actions ("no action selected": 302); a cashier has none at all, so the
# post just shows the list again (200). Either way nothing is exported or erased.
@pytest.mark.parametrize(("role", "refused_status"), [(STORE_MANAGER, 302), (CASHIER, 200)])
def test_export_and_erase_are_the_owners_only(client, role, refused_status):
    # given
    client.force_login(StaffFactory(role=role))
    customer = customer_with(email="toan@example.vn")

    # when
    page = client.get(CHANGELIST)
    export = _action(client, "export_json", [customer])
    erase = _action(client, "erase", [customer], confirm="yes")

    # then
    action_form = page.context["action_form"]  # None when no action is offered at all
    actions = dict(action_form.fields["action"].choices) if action_form else {}
    assert "export_json" not in actions
    assert "erase" not in actions
    assert export.status_code == refused_status
    assert export["Content-Type"] == "text/html; charset=utf-8"
    assert erase.status_code == refused_status
    assert ContactPoint.objects.filter(customer=customer).exists()
    assert Customer.objects.get(pk=customer.pk).erased_at is None


def test_owner_erases_after_confirming(owner_client):
    customer = customer_with(email="toan@example.vn", full_name="Anh Toản")

    confirm_page = _action(owner_client, "erase", [customer])
    assert confirm_page.status_code == 200
    assert Customer.objects.get(pk=customer.pk).erased_at is None

    _action(owner_client, "erase", [customer], confirm="yes")

    customer.refresh_from_db()
    assert customer.erased_at is not None
    assert customer.full_name == ""
    assert not ContactPoint.objects.exists()


def test_merge_suggestion_queue_and_merge_action(client):
    # given
    client.force_login(StaffFactory(role=STORE_MANAGER))
    by_email = customer_with(email="toan@example.vn")
    by_phone = customer_with(phone="+84909908089")
    customer_resolve(email="toan@example.vn", phone="0909908089")
    suggestion = MergeSuggestion.objects.get()

    # when
    queue = client.get("/admin/customers/mergesuggestion/")
    client.post(
        "/admin/customers/mergesuggestion/",
        {"action": "merge", "_selected_action": [suggestion.pk]},
    )

    # then
    assert list(queue.context["cl"].result_list) == [suggestion]
    suggestion.refresh_from_db()
    assert suggestion.status == "merged"
    by_phone.refresh_from_db()
    assert by_phone.merged_into == by_email


def test_cashier_sees_the_customer_list(client):
    # given
    client.force_login(StaffFactory(role=CASHIER))
    customer = CustomerFactory()

    # when
    response = client.get(CHANGELIST)

    # then
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [customer]


def test_merge_queue_shows_open_suggestions_unless_asked(client):
    client.force_login(StaffFactory(role=STORE_MANAGER))
    a, b, c = CustomerFactory(), CustomerFactory(), CustomerFactory()
    open_one = MergeSuggestion.objects.create(customer=a, other=b, reason="same phone")
    dismissed = MergeSuggestion.objects.create(
        customer=a, other=c, reason="same email", status="dismissed"
    )

    queue = client.get("/admin/customers/mergesuggestion/")
    everything = client.get("/admin/customers/mergesuggestion/", {"state": "all"})

    assert list(queue.context["cl"].result_list) == [open_one]
    assert set(everything.context["cl"].result_list) == {open_one, dismissed}


def test_wishlist_and_review_pages_show_the_catalog_items_in_bounded_queries(
    owner_client, django_assert_max_num_queries
):
    # given
    for n in range(5):
        customer = CustomerFactory()
        variant = VariantFactory(name=f"{100 * (n + 1)} g")
        wishlist_add(customer=customer, variant_id=variant.pk)
        review_submit(customer=customer, product_id=variant.product.pk, rating=4)
    review = customer.reviews.get()

    # when
    with django_assert_max_num_queries(8):
        wishlist_page = owner_client.get("/admin/customers/wishlistitem/")
    with django_assert_max_num_queries(8):
        review_page = owner_client.get("/admin/customers/review/")
    review_change = owner_client.get(f"/admin/customers/review/{review.pk}/change/")

    # then
    assert wishlist_page.status_code == review_page.status_code == 200
    assert review_change.status_code == 200
    assert "500 g" in wishlist_page.content.decode()
    assert variant.product.name in review_page.content.decode()
    assert variant.product.name in review_change.content.decode()


def test_staff_edit_a_profile_while_its_contact_points_stay_read_only(owner_client):
    # given: the page shows the contact points as rows only services write
    customer = customer_with(email="toan@example.vn", full_name="Anh Toản")
    page = owner_client.get(f"{CHANGELIST}{customer.pk}/change/")
    contacts = page.context["inline_admin_formsets"][0]
    assert contacts.has_add_permission is contacts.has_change_permission is False
    management = contacts.formset.management_form

    # when: staff correct the name (the contact rows are not in the post, as rendered)
    response = owner_client.post(
        f"{CHANGELIST}{customer.pk}/change/",
        {
            "full_name": "Anh Toản Nguyễn",
            "preferred_language": customer.preferred_language,
            "tags": "[]",
            "addresses": "[]",
            **{f"{management.prefix}-{name}": value for name, value in management.initial.items()},
        },
    )

    # then
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.full_name == "Anh Toản Nguyễn"
    assert list(customer.contact_points.values_list("value", flat=True)) == ["toan@example.vn"]
