"""Message preferences the shopper sets in their account: marketing consent per channel."""

from collections.abc import Mapping

from django.db import transaction

from customers.locks import customers_lock
from customers.models import ConsentRecord, Customer
from customers.selectors import consent_state, customer_live
from customers.services.consent import consent_record


@transaction.atomic
def consent_preferences_save(
    *,
    customer: Customer,
    marketing: Mapping[str, bool],
    wording_version: str,
    source: str = ConsentRecord.Source.WEB_FORM,
    source_ref: str = "account preferences",
) -> list[ConsentRecord]:
    """Record marketing consent for each channel whose choice differs from the current state.

    Each change is a :class:`ConsentRecord` with its proof (source, the shopper as actor,
    the wording shown) and a ``consent_changed`` event; unchanged channels write nothing,
    so saving the same form twice adds no history. Returns the records written.
    """
    customer = customer_live(customer=customer)
    # Two tabs saving at once would both compare against the same state and record the
    # same change twice: the customer row serialises them.
    customers_lock(customer_ids=[customer.pk])
    current = consent_state(customer=customer)
    records = []
    for channel in ConsentRecord.Channel.values:
        if channel not in marketing:
            continue
        wanted = bool(marketing[channel])
        if current[channel][ConsentRecord.Purpose.MARKETING] == wanted:
            continue
        records.append(
            consent_record(
                customer=customer,
                channel=channel,
                purpose=ConsentRecord.Purpose.MARKETING,
                granted=wanted,
                source=source,
                source_ref=source_ref,
                actor=ConsentRecord.Actor.SHOPPER,
                wording_version=wording_version,
            )
        )
    return records
