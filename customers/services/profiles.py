"""Finding or creating the one profile of a person: resolution, sign-up."""

import logging
import uuid
from collections.abc import Mapping, Sequence

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from customers.contacts import normalize_contact
from customers.exceptions import AccountExists, InvalidContactPoint
from customers.models import (
    ConsentRecord,
    ContactPoint,
    Customer,
    MergeSuggestion,
    default_language,
)
from inventory.models import SalesChannel

logger = logging.getLogger(__name__)

# When identifiers point at different profiles, the strongest one decides which is returned.
# A marketplace buyer id is issued by the marketplace for one account; an email is rarely
# shared; phone numbers get recycled and shared within families.
PRIORITY = [
    ContactPoint.Kind.MARKETPLACE,
    ContactPoint.Kind.EMAIL,
    ContactPoint.Kind.PHONE,
    ContactPoint.Kind.ZALO,
    ContactPoint.Kind.MESSENGER,
]
RESOLVE_ATTEMPTS = 3


def _identifiers(
    *, email, phone, zalo_id, messenger_psid, marketplace_buyer_id, channel
) -> list[tuple[str, str]]:
    given = {
        ContactPoint.Kind.EMAIL: email,
        ContactPoint.Kind.PHONE: phone,
        ContactPoint.Kind.ZALO: zalo_id,
        ContactPoint.Kind.MESSENGER: messenger_psid,
        ContactPoint.Kind.MARKETPLACE: marketplace_buyer_id,
    }
    if marketplace_buyer_id and (channel is None or channel.kind != SalesChannel.Kind.MARKETPLACE):
        raise InvalidContactPoint(
            _("A marketplace buyer id needs the marketplace channel it belongs to."),
            fields={"marketplace_buyer_id": [_("Give the marketplace channel too.")]},
        )
    return [(kind, normalize_contact(kind, given[kind])) for kind in PRIORITY if given[kind]]


def _lookup(identifiers, channel) -> dict[str, ContactPoint]:
    condition = Q(pk__in=[])
    for kind, value in identifiers:
        if kind == ContactPoint.Kind.MARKETPLACE:
            condition |= Q(kind=kind, value=value, channel=channel)
        else:
            condition |= Q(kind=kind, value=value)
    return {
        point.kind: point
        for point in ContactPoint.objects.select_related("customer__merged_into").filter(condition)
    }


def customer_resolve(
    *,
    email: str | None = None,
    phone: str | None = None,
    zalo_id: str | None = None,
    messenger_psid: str | None = None,
    marketplace_buyer_id: str | None = None,
    channel: SalesChannel | None = None,
    full_name: str = "",
    preferred_language: str | None = None,
) -> Customer:
    """The profile these identifiers belong to, created if none does.

    Values may be written in any accepted format (they are normalised; an invalid one
    raises :class:`InvalidContactPoint`). Identifiers nobody holds yet are attached to the
    profile returned. It never merges two existing profiles: when the identifiers point at
    different ones, the strongest identifier's profile is returned, the others keep what
    is theirs, and a :class:`MergeSuggestion` is recorded for staff. ``channel`` is where
    the shopper was seen (and, for a marketplace buyer id, the marketplace).

    Safe inside the caller's transaction and under concurrency: a racing insert of the same
    contact detail is detected by the unique constraint and the lookup is run again.
    """
    customer, _created = _customer_resolve_or_create(
        email=email,
        phone=phone,
        zalo_id=zalo_id,
        messenger_psid=messenger_psid,
        marketplace_buyer_id=marketplace_buyer_id,
        channel=channel,
        full_name=full_name,
        preferred_language=preferred_language,
    )
    return customer


def _customer_resolve_or_create(
    *,
    email,
    phone,
    zalo_id=None,
    messenger_psid=None,
    marketplace_buyer_id=None,
    channel,
    full_name,
    preferred_language,
) -> tuple[Customer, bool]:
    """:func:`customer_resolve`, and whether this call created the profile: decided by the
    attempt that committed its contact points, so of racing callers exactly one is told
    "created" (a check before resolving would tell several)."""
    identifiers = _identifiers(
        email=email,
        phone=phone,
        zalo_id=zalo_id,
        messenger_psid=messenger_psid,
        marketplace_buyer_id=marketplace_buyer_id,
        channel=channel,
    )
    if not identifiers:
        raise InvalidContactPoint(
            _("Give at least one of: email, phone, Zalo id, Messenger id, marketplace buyer id.")
        )
    for attempt in range(RESOLVE_ATTEMPTS):
        try:
            # A savepoint: a unique-constraint race rolls back only this attempt.
            with transaction.atomic():
                return _resolve_once(
                    identifiers, channel=channel, full_name=full_name, language=preferred_language
                )
        except IntegrityError:
            if attempt == RESOLVE_ATTEMPTS - 1:
                raise
            logger.info("customer_resolve raced on a contact point; retrying")
    raise AssertionError("unreachable")


def _resolve_once(identifiers, *, channel, full_name, language) -> tuple[Customer, bool]:
    found = _lookup(identifiers, channel)
    owners: list[Customer] = []
    for kind, _value in identifiers:
        point = found.get(kind)
        if point is None:
            continue
        owner = point.customer.merged_into or point.customer
        if owner.erased_at:
            continue
        if owner.pk not in {customer.pk for customer in owners}:
            owners.append(owner)

    created = not owners
    if owners:
        customer = owners[0]
        if full_name and not customer.full_name:
            customer.full_name = full_name
            customer.save(update_fields=["full_name", "updated_at"])
    else:
        customer = Customer.objects.create(
            full_name=full_name,
            preferred_language=language or default_language(),
            first_channel=channel,
        )

    for kind, value in identifiers:
        if kind not in found:
            ContactPoint.objects.create(
                customer=customer,
                kind=kind,
                value=value,
                channel=channel,
            )

    for other in owners[1:]:
        shared = sorted(
            kind
            for kind, point in found.items()
            if (point.customer.merged_into or point.customer).pk == other.pk
        )
        merge_suggestion_record(
            customer=customer,
            other=other,
            reason=_("Same person? Their %(kinds)s were given together with this profile's.")
            % {"kinds": ", ".join(shared)},
        )
    return customer, created


def merge_suggestion_record(*, customer: Customer, other: Customer, reason: str) -> MergeSuggestion:
    """Record (once) that staff should look at these two profiles."""
    existing = MergeSuggestion.objects.filter(
        Q(customer=customer, other=other) | Q(customer=other, other=customer),
        status=MergeSuggestion.Status.OPEN,
    ).first()
    if existing:
        return existing
    with transaction.atomic():
        return MergeSuggestion.objects.create(customer=customer, other=other, reason=reason[:300])


@transaction.atomic
def shopper_signup(
    *,
    password: str,
    email: str | None = None,
    phone: str | None = None,
    full_name: str = "",
    preferred_language: str | None = None,
    channel: SalesChannel | None = None,
    marketing_channels: Sequence[str] = (),
    wording_version: str = "",
) -> Customer:
    """Give a shopper a login (email or phone + password) on their one profile.

    ``marketing_channels`` are the channels the shopper ticked to receive offers on; each
    becomes a consent record with the web form and ``wording_version`` as its proof.
    """
    from customers.services.consent import consent_record

    if not email and not phone:
        raise InvalidContactPoint(_("Sign up with an email address or a phone number."))
    customer = customer_resolve(
        email=email,
        phone=phone,
        channel=channel,
        full_name=full_name,
        preferred_language=preferred_language,
    )
    if customer.user_id:
        raise AccountExists()
    User = get_user_model()
    # The username is an opaque id: emails and phones live in contact points only, so an
    # erasure or a merge has one place to change.
    user = User(username=f"shopper-{uuid.uuid4().hex[:20]}", is_active=True)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    customer.user = user
    customer.save(update_fields=["user", "updated_at"])
    for marketing_channel in marketing_channels:
        consent_record(
            customer=customer,
            channel=marketing_channel,
            purpose=ConsentRecord.Purpose.MARKETING,
            granted=True,
            source=ConsentRecord.Source.WEB_FORM,
            source_ref="sign-up form",
            actor=ConsentRecord.Actor.SHOPPER,
            wording_version=wording_version,
        )
    return customer


@transaction.atomic(durable=True)
def customer_register(
    *,
    email: str | None = None,
    phone: str | None = None,
    full_name: str = "",
    preferred_language: str | None = None,
    channel: SalesChannel | None = None,
    consents: Sequence[Mapping] = (),
    consent_source: str,
    consent_source_ref: str = "",
) -> tuple[Customer, bool]:
    """Find or create the shopper's profile and record the consents they gave, in one go.

    For the till and sign-up forms: ``consents`` holds ``channel``, ``purpose``,
    ``granted`` and ``wording_version``; the proof is ``consent_source`` (e.g. the POS
    terminal) and ``consent_source_ref`` (which one). Returns the profile and whether it
    was created.
    """
    from customers.services.consent import consent_record

    customer, created = _customer_resolve_or_create(
        email=email,
        phone=phone,
        channel=channel,
        full_name=full_name,
        preferred_language=preferred_language,
    )
    for consent in consents:
        consent_record(
            customer=customer,
            channel=consent["channel"],
            purpose=consent["purpose"],
            granted=consent["granted"],
            wording_version=consent.get("wording_version", ""),
            source=consent_source,
            source_ref=consent_source_ref,
            actor=ConsentRecord.Actor.SHOPPER,
        )
    return customer, created
