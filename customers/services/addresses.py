"""The shopper's address book, kept in ``Customer.addresses`` (a JSON list)."""

import uuid

from django.db import transaction
from django.utils.translation import gettext as _

from customers.contacts import normalize_phone
from customers.exceptions import CustomersError
from customers.locks import customers_lock
from customers.models import Customer
from customers.selectors import customer_live

MAX_ADDRESSES = 20
ADDRESS_FIELDS = ("name", "phone", "line1", "line2", "ward", "district", "city")
FIELD_MAX_LENGTH = 200


@transaction.atomic
def customer_address_add(
    *,
    customer: Customer,
    line1: str,
    city: str,
    line2: str = "",
    ward: str = "",
    district: str = "",
    name: str = "",
    phone: str = "",
) -> dict:
    """Add an address to the shopper's book and return it (with its ``id``).

    ``line1`` and ``city`` are required; a phone, if given, is stored in E.164. Bad input
    raises :class:`CustomersError` (or :class:`InvalidContactPoint` for the phone) with the
    problem per field, and nothing is written.
    """
    values = {
        "name": name,
        "phone": phone,
        "line1": line1,
        "line2": line2,
        "ward": ward,
        "district": district,
        "city": city,
    }
    values = {key: (value or "").strip() for key, value in values.items()}
    problems = {key: [_("Required.")] for key in ("line1", "city") if not values[key]} | {
        key: [_("At most %(count)s characters.") % {"count": FIELD_MAX_LENGTH}]
        for key, value in values.items()
        if len(value) > FIELD_MAX_LENGTH
    }
    if problems:
        raise CustomersError(_("Give at least the street address and the city."), fields=problems)
    if values["phone"]:
        values["phone"] = normalize_phone(values["phone"])  # InvalidContactPoint says why

    # The list is read, changed and written back: lock the customer row so two tabs adding
    # at once cannot overwrite each other's address.
    customer = customer_live(customer=customer)
    customer = customers_lock(customer_ids=[customer.pk])[customer.pk]
    addresses = list(customer.addresses or [])
    if len(addresses) >= MAX_ADDRESSES:
        raise CustomersError(
            _("You can keep up to %(count)s addresses; delete one first.")
            % {"count": MAX_ADDRESSES}
        )
    address = {"id": uuid.uuid4().hex[:12], **values}
    customer.addresses = [*addresses, address]
    customer.save(update_fields=["addresses", "updated_at"])
    return address


@transaction.atomic
def customer_address_remove(*, customer: Customer, address_id: str) -> bool:
    """Delete an address from the shopper's book; returns whether one was there."""
    customer = customer_live(customer=customer)
    customer = customers_lock(customer_ids=[customer.pk])[customer.pk]
    addresses = list(customer.addresses or [])
    kept = [
        address
        for address in addresses
        if not (isinstance(address, dict) and address.get("id") == address_id)
    ]
    if len(kept) == len(addresses):
        return False
    customer.addresses = kept
    customer.save(update_fields=["addresses", "updated_at"])
    return True
