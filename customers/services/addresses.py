"""The shopper's address book, kept in ``Customer.addresses`` (a JSON list)."""

import uuid

from django.db import transaction
from django.utils.translation import gettext as _

from config import divisions
from customers.contacts import normalize_phone
from customers.exceptions import AddressInvalid, CustomersError
from customers.locks import customers_lock
from customers.models import Customer
from customers.selectors import customer_live

MAX_ADDRESSES = 20
FIELD_MAX_LENGTH = 200


def address_clean(
    *,
    line1: str,
    province_code: str,
    ward_code: str,
    line2: str = "",
    name: str = "",
    phone: str = "",
) -> dict:
    """A delivery address on the 2025 units, checked and named, or :class:`AddressInvalid`.

    ``province_code`` and ``ward_code`` are the GSO codes (``config.divisions``); the ward
    must belong to the province. The names are stored next to the codes, so the address
    reads the same even if a later reform renames a unit. A phone, if given, is stored in
    E.164 (:class:`InvalidContactPoint` says why not). Nothing is written.
    """
    values = {
        "name": name,
        "phone": phone,
        "line1": line1,
        "line2": line2,
        "province_code": province_code,
        "ward_code": ward_code,
    }
    values = {key: (value or "").strip() for key, value in values.items()}
    problems: dict[str, list[str]] = {}
    if not values["line1"]:
        problems["line1"] = [_("Give the house number and street.")]
    for key, value in values.items():
        if len(value) > FIELD_MAX_LENGTH:
            problems[key] = [_("At most %(count)s characters.") % {"count": FIELD_MAX_LENGTH}]
    province = divisions.province_name(values["province_code"])
    ward = divisions.ward_name(province_code=values["province_code"], ward_code=values["ward_code"])
    if province is None:
        problems["province_code"] = [_("Choose the province or city.")]
    elif ward is None:
        problems["ward_code"] = [
            _("Choose a ward or commune of %(province)s.") % {"province": province}
        ]
    if problems:
        raise AddressInvalid(fields=problems)
    if values["phone"]:
        values["phone"] = normalize_phone(values["phone"])
    return {
        **{key: values[key] for key in ("name", "phone", "line1", "line2") if values[key]},
        "ward_code": values["ward_code"],
        "ward": ward,
        "province_code": values["province_code"],
        "province": province,
    }


@transaction.atomic
def customer_address_add(
    *,
    customer: Customer,
    line1: str,
    province_code: str,
    ward_code: str,
    line2: str = "",
    name: str = "",
    phone: str = "",
) -> dict:
    """Add an address to the shopper's book and return it (with its ``id``).

    The address is checked by :func:`address_clean` (bad input raises, nothing is written).
    Addresses saved before the 2025 reform stay in the book as they were written.
    """
    values = address_clean(
        line1=line1,
        line2=line2,
        province_code=province_code,
        ward_code=ward_code,
        name=name,
        phone=phone,
    )

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
