"""Consent: append-only records with proof; the current state is the latest record."""

from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.core import signing
from django.db import transaction
from django.utils import timezone

from config.audit import audit_record
from customers.models import ConsentRecord, Customer, Event
from customers.selectors import consent_current, customer_get, customer_live
from customers.services.events import event_record

OPT_OUT_SALT = "customers.consent.opt-out"


@transaction.atomic
def consent_record(
    *,
    customer: Customer,
    channel: str,
    purpose: str,
    granted: bool,
    source: str,
    actor: str,
    source_ref: str = "",
    wording_version: str = "",
    staff_user: AbstractBaseUser | None = None,
    recorded_at: datetime | None = None,
) -> ConsentRecord:
    """Append a grant or a withdrawal with its proof, and a ``consent_changed`` event."""
    customer = customer_live(customer=customer)
    record = ConsentRecord.objects.create(
        customer=customer,
        channel=ConsentRecord.Channel(channel),
        purpose=ConsentRecord.Purpose(purpose),
        granted=granted,
        source=ConsentRecord.Source(source),
        source_ref=source_ref,
        actor=ConsentRecord.Actor(actor),
        staff_user=staff_user,
        wording_version=wording_version,
        recorded_at=recorded_at or timezone.now(),
    )
    event_record(
        customer=customer,
        kind=Event.Kind.CONSENT_CHANGED,
        payload={
            "channel": channel,
            "purpose": purpose,
            "granted": granted,
            "source": source,
            "consent_record_id": record.pk,
        },
    )
    if staff_user is not None:  # the audit trail: consent changed by staff
        audit_record(
            instance=customer,
            event="consent.changed_by_staff",
            actor=staff_user,
            data={"channel": channel, "purpose": purpose, "granted": granted, "record": record.pk},
        )
    return record


def consent_opt_out_token(*, customer: Customer, channel: str) -> str:
    """The signed token of a one-click opt-out link for marketing on this channel."""
    return signing.dumps({"c": customer.pk, "ch": channel}, salt=OPT_OUT_SALT, compress=True)


def consent_opt_out_token_read(*, token: str) -> tuple[int, str]:
    """(customer id, channel) of a token; raises ``signing.BadSignature`` if forged or damaged."""
    data = signing.loads(token, salt=OPT_OUT_SALT)
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("c"), int)
        or data.get("ch") not in ConsentRecord.Channel.values
    ):
        raise signing.BadSignature("Unexpected opt-out token content.")
    return data["c"], data["ch"]


@transaction.atomic
def consent_opt_out(*, token: str) -> tuple[Customer, str, ConsentRecord | None]:
    """Withdraw marketing consent for the link's channel; a repeat click changes nothing.

    Raises ``signing.BadSignature`` (nothing written) for a forged or damaged token.
    """
    customer_id, channel = consent_opt_out_token_read(token=token)
    customer = customer_get(pk=customer_id)
    record = None
    if not customer.erased_at and consent_current(
        customer=customer, channel=channel, purpose=ConsentRecord.Purpose.MARKETING
    ):
        record = consent_record(
            customer=customer,
            channel=channel,
            purpose=ConsentRecord.Purpose.MARKETING,
            granted=False,
            source=ConsentRecord.Source.LINK,
            source_ref="opt-out link",
            actor=ConsentRecord.Actor.SHOPPER,
        )
    return customer, channel, record


def opt_out_path(*, customer: Customer, channel: str) -> str:
    from django.urls import reverse

    return reverse(
        "customers:opt-out", args=[consent_opt_out_token(customer=customer, channel=channel)]
    )
