"""The audit trail (config/audit.py): who did what, when, from where; append-only; scrubbed
of an erased customer's data; the owner's to read, a store's objects' trail its manager's."""

import json
from decimal import Decimal

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from config.audit import audit_record
from config.audit_admin import object_trail_url
from config.roles import CASHIER, OWNER, STORE_MANAGER
from customers.services import consent_record, customer_erase, customer_merge
from inventory.models import StaffMembership
from orders.models import Order
from orders.services import cart_get_or_create, cart_line_set, checkout_start, order_place
from orders.services.terminals import terminal_create, terminal_revoke, terminal_token_rotate
from tests.factories import (
    LocationFactory,
    StaffFactory,
    VariantFactory,
    WarehouseFactory,
    channel_selling_from,
    customer_with,
    order_minimal,
    stocked,
)

pytestmark = pytest.mark.django_db

STAFF_IP = "203.0.113.7"


def _entries(obj):
    content_type = ContentType.objects.get_for_model(obj)
    return list(
        LogEntry.objects.filter(content_type=content_type, object_pk=str(obj.pk)).order_by("pk")
    )


def _change_form_post(client, url, **changes):
    """The admin change form's current values (and its inlines'), with ``changes``."""
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = (
            json.dumps(value) if isinstance(value, dict) else ("" if value is None else value)
        )
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management.initial.get(name, 0)
    data.update(changes)
    return data


# --- Who, when, from where ----------------------------------------------------------------------


def test_a_price_change_in_the_admin_is_recorded_with_the_actor_and_the_address(client):
    # given: an owner on the variant's page
    owner = StaffFactory(role=OWNER)
    variant = VariantFactory(sku="MK-100", price_amount=Decimal(85000))
    client.force_login(owner)
    url = reverse("admin:inventory_variant_change", args=[variant.pk])
    data = _change_form_post(client, url, price_amount="90000")

    # when: the client claims another address in X-Forwarded-For (no trusted proxy here)
    response = client.post(url, data, REMOTE_ADDR=STAFF_IP, HTTP_X_FORWARDED_FOR="198.51.100.66")

    # then
    assert response.status_code == 302
    [entry] = [e for e in _entries(variant) if e.action == LogEntry.Action.UPDATE]
    assert list(entry.changes) == ["price_amount"]
    assert [Decimal(value) for value in entry.changes["price_amount"]] == [85000, 90000]
    assert (entry.actor, entry.remote_addr) == (owner, STAFF_IP)
    # its trail shows who and from where, and links the stock ledger (stock changes' record)
    trail = client.get(object_trail_url(variant)).content.decode()
    assert STAFF_IP in trail and owner.username in trail
    assert f"{reverse('admin:inventory_stockmovement_changelist')}?q=MK-100" in trail
    listing = client.get(reverse("admin:platform_auditentry_changelist"), {"q": "MK-100"})
    assert "85.000\u00a0₫ → 90.000\u00a0₫" in listing.content.decode()


def test_a_save_that_changes_no_tracked_field_writes_nothing(client):
    variant = VariantFactory(sku="MK-100", price_amount=Decimal(85000))
    before = LogEntry.objects.count()

    variant.position = 3
    variant.save(update_fields=["position"])
    variant.save()

    assert LogEntry.objects.count() == before


def test_a_save_of_untracked_fields_reads_no_row_and_the_next_tracked_change_is_recorded(
    django_assert_num_queries,
):
    # given
    variant = VariantFactory(sku="MK-100", price_amount=Decimal(85000))
    before = LogEntry.objects.count()

    # when: a save naming no tracked field: the UPDATE alone, no read of the stored row
    variant.position = 3
    with django_assert_num_queries(1):
        variant.save(update_fields=["position"])
    # and then a price change in the same thread (the trail was paused for one save only)
    variant.price_amount = Decimal(90000)
    variant.save(update_fields=["price_amount", "position"])

    # then
    [entry] = LogEntry.objects.order_by("pk")[before:]
    assert list(entry.changes) == ["price_amount"]
    assert [Decimal(value) for value in entry.changes["price_amount"]] == [85000, 90000]


@pytest.fixture
def two_stores():
    store_a = LocationFactory(code="store-a", name="Store A")
    store_b = LocationFactory(code="store-b", name="Store B")
    web = channel_selling_from(store_a, store_b, code="web")
    variant = VariantFactory(sku="MK-100", price_amount=Decimal(85000))
    for store in (store_a, store_b):
        stocked(variant, store, 10)
    return store_a, store_b, web, variant


def _pickup_order(web, variant, store):
    cart = cart_get_or_create(channel=web)
    cart_line_set(cart=cart, variant_id=variant.pk, quantity=1)
    cart = checkout_start(
        cart=cart, contact_phone="0909908089", fulfilment="pickup", pickup_location=store
    )
    return order_place(cart=cart, payment_method="cod")


def test_an_order_status_move_is_recorded_and_shown_on_the_orders_trail(client, two_stores):
    # given: a store manager of store A, an order to pick up there
    store_a, store_b, web, variant = two_stores
    manager = StaffFactory(role=STORE_MANAGER, stores=[store_a])
    order = _pickup_order(web, variant, store_a)
    assert _entries(order) == []  # placing an order is not a status move
    client.force_login(manager)

    # when: they cancel it from the order list
    response = client.post(
        reverse("admin:orders_order_changelist"),
        {"action": "cancel", "_selected_action": [order.pk]},
        REMOTE_ADDR=STAFF_IP,
    )

    # then
    assert response.status_code == 302
    [entry] = _entries(order)
    assert entry.changes == {"status": [order.status, Order.Status.CANCELLED]}
    assert (entry.actor, entry.remote_addr) == (manager, STAFF_IP)
    page = client.get(reverse("admin:orders_order_change", args=[order.pk]))
    assert object_trail_url(order) in page.content.decode()
    trail = client.get(object_trail_url(order))
    assert trail.status_code == 200
    assert STAFF_IP in trail.content.decode()
    # another store's order's trail does not exist for them
    other = _pickup_order(web, variant, store_b)
    assert client.get(object_trail_url(other)).status_code == 404


def test_an_export_of_a_customers_data_is_recorded(client):
    owner = StaffFactory(role=OWNER)
    customer = customer_with(phone="+84909908089", full_name="Chị Lan")
    client.force_login(owner)

    response = client.post(
        reverse("admin:customers_customer_changelist"),
        {"action": "export_json", "_selected_action": [customer.pk]},
        REMOTE_ADDR=STAFF_IP,
    )

    assert response.status_code == 200
    [entry] = _entries(customer)
    assert entry.action == LogEntry.Action.ACCESS
    assert entry.additional_data == {"event": "customer.exported"}
    assert (entry.actor, entry.remote_addr) == (owner, STAFF_IP)


def test_a_merge_is_recorded_on_both_profiles_and_consent_only_when_staff_changed_it():
    manager = StaffFactory(role=STORE_MANAGER)
    target = customer_with(phone="+84909908089")
    source = customer_with(email="lan@example.vn")

    merge = customer_merge(target=target, source=source, actor=manager)
    consent_record(
        customer=target, channel="sms", purpose="marketing", granted=True,
        source="web_form", actor="shopper",
    )  # fmt: skip
    consent_record(
        customer=target, channel="email", purpose="marketing", granted=False,
        source="staff", actor="staff", staff_user=manager,
    )  # fmt: skip

    data = {"event": "customer.merged", "target_id": target.pk, "source_id": source.pk}
    data["merge_id"] = merge.pk
    assert [(e.additional_data, e.actor) for e in _entries(source)] == [(data, manager)]
    assert [(e.additional_data["event"], e.actor) for e in _entries(target)] == [
        ("customer.merged", manager),
        ("consent.changed_by_staff", manager),
    ]
    assert _entries(target)[1].additional_data["granted"] is False


def test_role_and_store_changes_are_recorded():
    owner = StaffFactory(role=OWNER)
    clerk = StaffFactory()
    store = LocationFactory(code="store-a")

    with set_actor(owner, remote_addr=STAFF_IP):
        clerk.groups.add(Group.objects.get(name=CASHIER))
        membership = StaffMembership.objects.create(user=clerk, location=store)

    [group_change] = [e for e in _entries(clerk) if e.action == LogEntry.Action.UPDATE]
    assert group_change.changes["groups"]["objects"] == [CASHIER]
    assert (group_change.actor, group_change.remote_addr) == (owner, STAFF_IP)
    [created] = _entries(membership)
    assert created.action == LogEntry.Action.CREATE


# --- Append-only ---------------------------------------------------------------------------------


def test_nobody_changes_or_deletes_an_audit_entry_in_the_admin_not_even_a_superuser(client):
    # given
    superuser = StaffFactory(is_superuser=True)
    variant = VariantFactory(sku="MK-100")
    entry = audit_record(instance=variant, event="customer.exported")
    client.force_login(superuser)
    change_url = reverse("admin:platform_auditentry_change", args=[entry.pk])
    delete_url = reverse("admin:platform_auditentry_delete", args=[entry.pk])
    listing = reverse("admin:platform_auditentry_changelist")

    # when / then: the page has no save or delete button
    page = client.get(change_url).content.decode()
    assert 'name="_save"' not in page and delete_url not in page
    # a forged change, delete or bulk delete is refused and changes nothing
    assert client.post(change_url, {"object_repr": "x"}).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    response = client.post(
        listing, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302)
    entry.refresh_from_db()
    assert entry.object_repr == str(variant)
    assert LogEntry.objects.filter(pk=entry.pk).exists()
    # auditlog's own screen is not offered beside ours
    assert client.get("/admin/auditlog/logentry/").status_code == 404


# --- Who reads it --------------------------------------------------------------------------------


def test_a_cashier_cannot_read_the_audit_trail(client, two_stores):
    store_a, _store_b, web, variant = two_stores
    cashier = StaffFactory(role=CASHIER, stores=[store_a])
    customer = customer_with(phone="+84909908089")
    order = _pickup_order(web, variant, store_a)
    audit_record(instance=customer, event="customer.exported")
    client.force_login(cashier)

    assert client.get(reverse("admin:platform_auditentry_changelist")).status_code == 403
    assert client.get(object_trail_url(customer)).status_code == 403
    assert client.get(object_trail_url(order)).status_code == 403
    page = client.get(reverse("admin:customers_customer_change", args=[customer.pk]))
    assert page.status_code == 200
    assert "audittraillink" not in page.content.decode()


def test_a_store_manager_reads_trails_on_object_pages_not_the_whole_trail(client, two_stores):
    store_a, _store_b, _web, _variant = two_stores
    manager = StaffFactory(role=STORE_MANAGER, stores=[store_a])
    client.force_login(manager)

    assert client.get(reverse("admin:platform_auditentry_changelist")).status_code == 403
    assert client.get(object_trail_url(store_a)).status_code == 200


@pytest.mark.parametrize("count", [3, 30])
def test_the_audit_list_and_a_trail_take_the_same_queries_whatever_the_rows(
    client, django_assert_max_num_queries, count
):
    owner = StaffFactory(role=OWNER)
    variant = VariantFactory(sku="MK-100")
    for _ in range(count):
        audit_record(instance=variant, event="customer.exported", actor=owner)
    client.force_login(owner)
    client.get(reverse("admin:platform_auditentry_changelist"))  # warm the session

    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:platform_auditentry_changelist") + "?q=MK-100")
    assert response.status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(object_trail_url(variant)).status_code == 200


# --- Erasure -------------------------------------------------------------------------------------


def test_an_erased_customers_entries_keep_what_was_done_and_lose_their_data(client):
    # given: her profile merged, exported and changed by staff; her login's group change;
    # an order she cancelled herself from her phone's address; staff cancelling another
    owner = StaffFactory(role=OWNER)
    login = StaffFactory(is_staff=False, username="lan@example.vn", email="lan@example.vn")
    customer = customer_with(phone="+84909908089", email="lan@example.vn", full_name="Chị Lan")
    customer.user = login
    customer.save(update_fields=["user"])
    old = customer_with(email="lan.old@example.vn", full_name="Lan Nguyễn")
    web = channel_selling_from(WarehouseFactory(), code="web")
    hers = order_minimal(channel=web, customer=customer, status=Order.Status.PENDING_PAYMENT)
    theirs = order_minimal(channel=web, status=Order.Status.PENDING_PAYMENT)
    with set_actor(owner, remote_addr=STAFF_IP):
        customer_merge(target=customer, source=old, actor=owner)
        audit_record(instance=customer, event="customer.exported", data={"note": "Chị Lan"})
        login.groups.add(login.groups.model.objects.get(name=CASHIER))
        theirs.status = Order.Status.CANCELLED
        theirs.save(update_fields=["status"])
    with set_actor(login, remote_addr="198.51.100.9"):
        hers.status = Order.Status.CANCELLED
        hers.save(update_fields=["status"])
    LogEntry.objects.filter(pk=_entries(login)[0].pk).update(object_repr="lan@example.vn")
    entry_count = LogEntry.objects.count()

    # when
    customer_erase(customer=customer, actor=owner)

    # then: nothing of hers is left in any entry
    rows = json.dumps(list(LogEntry.objects.values()), default=str, ensure_ascii=False)
    for personal in ("Chị Lan", "Lan Nguyễn", "lan@example.vn", "lan.old@", "909908089"):
        assert personal not in rows
    assert "198.51.100.9" not in rows
    # what was done, by whom, stays; the erasure is recorded; another's entries untouched
    assert [e.additional_data["event"] for e in _entries(customer)] == [
        "customer.merged",
        "customer.exported",
        "customer.erased",
    ]
    assert {e.actor for e in _entries(customer)} == {owner}
    assert _entries(hers)[0].changes == {"status": ["pending_payment", "cancelled"]}
    assert _entries(hers)[0].actor == login
    [their_entry] = _entries(theirs)
    assert (their_entry.actor, their_entry.remote_addr) == (owner, STAFF_IP)
    assert LogEntry.objects.count() > entry_count


def test_terminal_token_rotation_and_revocation_are_recorded_without_the_secret():
    owner = StaffFactory(role=OWNER)
    store = LocationFactory(code="store-a")
    terminal, _token = terminal_create(location=store, name="Quầy 1")

    with set_actor(owner, remote_addr=STAFF_IP):
        token = terminal_token_rotate(terminal=terminal)
        terminal_revoke(terminal=terminal)

    created, rotated, revoked = _entries(terminal)
    assert created.action == LogEntry.Action.CREATE
    assert list(rotated.changes) == ["token_prefix"] and rotated.actor == owner
    assert (revoked.additional_data, revoked.actor) == ({"event": "terminal.revoked"}, owner)
    assert token not in json.dumps([e.changes for e in _entries(terminal)])
