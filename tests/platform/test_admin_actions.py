"""Every admin action says which permissions it needs, and roles get only theirs.

Django offers an action to anyone who may see the list unless the action declares
``permissions=[...]``; these tests walk every registered admin so that no new action can
leave them implicit, and pin who is offered the actions that move stock, vouchers or
personal data.
"""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.utils.functional import Promise

from config.roles import CASHIER, MARKETER, OWNER, ROLES, STORE_MANAGER, WAREHOUSE
from customers.models import Customer
from inventory.models import Reservation, StockDiscrepancy, StockTransfer
from orders.models import Order, PriceDiscrepancy, Voucher
from tests.factories import StaffFactory

# Django's own bulk delete already declares permissions=["delete"].
BUILT_IN = {"delete_selected"}


def _request_for(rf, user):
    request = rf.get("/admin/")
    request.user = user
    return request


def _superuser():
    return get_user_model()(username="root", is_active=True, is_staff=True, is_superuser=True)


def test_every_admin_action_declares_its_permissions_and_a_lazy_label(rf):
    # given: every registered admin, asked as a superuser (who is offered everything offered)
    request = _request_for(rf, _superuser())

    # when
    missing, hidden, frozen = [], [], []
    for model, model_admin in admin.site._registry.items():
        offered = model_admin.get_actions(request)
        for name in model_admin.actions or ():
            if name not in offered:  # e.g. permissions=["change"] on a read-only admin
                hidden.append(f"{model._meta.label}.{name}")
        for func, name, description in offered.values():
            if name in BUILT_IN:
                continue
            if not getattr(func, "allowed_permissions", None):
                missing.append(f"{model._meta.label}.{name}")
            if not isinstance(description, Promise):  # gettext in a class body freezes it
                frozen.append(f"{model._meta.label}.{name}")

    # then
    assert {
        "without @admin.action(permissions=[...])": missing,
        "offered to nobody, not even a superuser": hidden,
        "label translated at import time (use gettext_lazy)": frozen,
    } == {
        "without @admin.action(permissions=[...])": [],
        "offered to nobody, not even a superuser": [],
        "label translated at import time (use gettext_lazy)": [],
    }


# The actions that move stock, vouchers, orders or personal data, and the roles offered each.
DANGEROUS = {
    (Reservation, "release"): {OWNER, STORE_MANAGER, WAREHOUSE},
    (StockDiscrepancy, "resolve"): {OWNER, STORE_MANAGER, WAREHOUSE},
    (StockTransfer, "receive_in_transit"): {OWNER, STORE_MANAGER, WAREHOUSE},
    (Voucher, "export_unused_codes"): {OWNER, STORE_MANAGER, MARKETER},
    (Voucher, "generate_codes"): {OWNER, STORE_MANAGER, MARKETER},
    (Order, "confirm_payment"): {OWNER, STORE_MANAGER},
    (Order, "cancel"): {OWNER, STORE_MANAGER},
    # Merging moves the login: managers and owners only (issue 11), no longer cashiers.
    (Customer, "merge_selected"): {OWNER, STORE_MANAGER},
    (PriceDiscrepancy, "resolve"): {OWNER, STORE_MANAGER},
    (Customer, "export_json"): {OWNER},
    (Customer, "erase"): {OWNER},
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_offered_exactly_its_dangerous_actions(rf, role):
    # given
    request = _request_for(rf, StaffFactory(role=role))

    # when
    offered = {
        (model, name)
        for model, name in DANGEROUS
        if name in admin.site._registry[model].get_actions(request)
    }

    # then
    assert offered == {key for key, roles in DANGEROUS.items() if role in roles}


@pytest.mark.django_db
def test_a_view_only_cashier_gets_none_of_the_stock_or_voucher_actions(rf):
    # given: the cashier reads reservations, discrepancies and vouchers
    cashier = StaffFactory(role=CASHIER)
    request = _request_for(rf, cashier)
    assert cashier.has_perm("inventory.view_reservation")
    assert cashier.has_perm("inventory.view_stockdiscrepancy")
    assert cashier.has_perm("orders.view_voucher")

    # when
    release = admin.site._registry[Reservation].get_actions(request)
    resolve = admin.site._registry[StockDiscrepancy].get_actions(request)
    export = admin.site._registry[Voucher].get_actions(request)

    # then
    assert "release" not in release
    assert "resolve" not in resolve
    assert "export_unused_codes" not in export
