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
from customers.exceptions import AccountExists, ContactPointTaken, InvalidContactPoint
from customers.models import (
    ConsentRecord,
    ContactPoint,
    Customer,
    MergeSuggestion,
    OneTimeCode,
    default_language,
)
from customers.selectors import customer_live
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
    """Give a shopper a login (email or phone + password) on a profile of its own.

    A login reaches a profile only through a contact detail it has proven (DESIGN.md
    invariant 10): the new login gets a NEW profile holding the details nobody holds yet
    (unverified). A detail already held by a profile without a login is not attached:
    a :class:`MergeSuggestion` is recorded, and the login reaches that profile only once
    the one-time code sent to the detail is entered
    (:func:`customers.services.verification.contact_verification_confirm`). A detail held
    by a profile with a login is :class:`AccountExists`, nothing written. The caller sends
    the codes (:func:`signup_codes_send`) after this commits.

    ``marketing_channels`` are the channels the shopper ticked to receive offers on; each
    becomes a consent record with the web form and ``wording_version`` as its proof.
    """
    from customers.services.consent import consent_record

    if not email and not phone:
        raise InvalidContactPoint(_("Sign up with an email address or a phone number."))
    identifiers = _identifiers(
        email=email,
        phone=phone,
        zalo_id=None,
        messenger_psid=None,
        marketplace_buyer_id=None,
        channel=channel,
    )
    found = _lookup(identifiers, channel)
    holders = {kind: point.customer.merged_into or point.customer for kind, point in found.items()}
    if any(holder.user_id for holder in holders.values()):
        raise AccountExists()
    User = get_user_model()
    # The username is an opaque id: emails and phones live in contact points only, so an
    # erasure or a merge has one place to change.
    user = User(username=f"shopper-{uuid.uuid4().hex[:20]}", is_active=True)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    customer = Customer.objects.create(
        full_name=full_name,
        preferred_language=preferred_language or default_language(),
        first_channel=channel,
        user=user,
    )
    for kind, value in identifiers:
        if kind in found:
            continue
        try:
            # A racing sign-up may take it first: then it is a claim like any other.
            with transaction.atomic():
                ContactPoint.objects.create(
                    customer=customer, kind=kind, value=value, channel=channel
                )
        except IntegrityError:
            logger.info("shopper_signup raced on a contact point; left as a claim")
    for kind, holder in holders.items():
        if holder.erased_at:
            continue
        merge_suggestion_record(
            customer=holder,
            other=customer,
            reason=_(
                "A new login signed up with this profile's %(kind)s; it joins this profile "
                "only after entering the code sent there."
            )
            % {"kind": kind},
        )
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


def signup_codes_send(
    *, customer: Customer, email: str | None = None, phone: str | None = None, ip_address: str = ""
) -> list[tuple[str, str]]:
    """Send a one-time code to every detail typed at sign-up, held by anyone or not.

    Sent either way, so the page that follows cannot tell whether a detail belongs to
    someone. Returns the (kind, normalised value) pairs a code was sent to; a throttled or
    failed send is left out (the verify page offers to send again).
    """
    from customers.exceptions import CodeNotSent, CodeSendThrottled
    from customers.services.verification import one_time_code_send

    sent = []
    for kind, value in ((ContactPoint.Kind.PHONE, phone), (ContactPoint.Kind.EMAIL, email)):
        if not value:
            continue
        try:
            row = one_time_code_send(
                customer=customer,
                purpose=OneTimeCode.Purpose.CONTACT,
                kind=kind,
                value=value,
                ip_address=ip_address,
            )
        except (CodeNotSent, CodeSendThrottled):
            continue
        sent.append((row.kind, row.value))
    return sent


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
    zalo_id: str | None = None,
    messenger_psid: str | None = None,
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
        zalo_id=zalo_id,
        messenger_psid=messenger_psid,
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


@transaction.atomic(durable=True)
def customer_contacts_add(
    *,
    customer: Customer,
    email: str | None = None,
    phone: str | None = None,
    zalo_id: str | None = None,
    messenger_psid: str | None = None,
    channel: SalesChannel | None = None,
    consents: Sequence[Mapping] = (),
    consent_source: str,
    consent_source_ref: str = "",
) -> Customer:
    """Attach contact details (e.g. the Zalo id or Messenger PSID the till captured) and the
    consents given with them to an existing profile.

    A detail the profile already holds is kept as is; one held by another profile is refused
    with :class:`ContactPointTaken` (staff merge profiles, the till does not), and nothing
    is written then.
    """
    from customers.services.consent import consent_record

    customer = customer_live(customer=customer)
    identifiers = _identifiers(
        email=email,
        phone=phone,
        zalo_id=zalo_id,
        messenger_psid=messenger_psid,
        marketplace_buyer_id=None,
        channel=channel,
    )
    found = _lookup(identifiers, channel)
    for kind, value in identifiers:
        point = found.get(kind)
        if point is None:
            ContactPoint.objects.create(customer=customer, kind=kind, value=value, channel=channel)
        elif (point.customer.merged_into or point.customer).pk != customer.pk:
            field = {
                ContactPoint.Kind.ZALO: "zalo_id",
                ContactPoint.Kind.MESSENGER: "messenger_psid",
            }.get(kind, kind)
            raise ContactPointTaken(fields={field: [_("Another customer's profile has it.")]})
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
    return customer
