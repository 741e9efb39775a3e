"""One-time codes: proving possession of a phone or email (DESIGN.md invariant 10).

A code is 6 digits, valid ``CODE_VALIDITY``, with ``MAX_ATTEMPTS`` tries; only a keyed hash
(HMAC with ``SECRET_KEY`` and a per-row salt) is stored. Sends are throttled per contact
detail and per client address with the log-in throttle's counters, and go out at once
through the platform transports (SMS, or Zalo ZNS when configured, for phones; email for
emails) as transactional messages.

Two uses: a login proving a contact detail it typed at sign-up (``Purpose.CONTACT``: the
login reaches the profile holding it only after the right code), and a shopper at the till
allowing the cashier to spend their points (``Purpose.POINTS``).

Checking a code counts the attempt in its own short transaction, committed before the
refusal is raised, so a wrong guess is never rolled back with the caller's work: call
:func:`one_time_code_check` outside any transaction. A code is used once:
:func:`one_time_code_consume` marks it with a conditional update inside the caller's
transaction, so two sales racing on one code cannot both spend it.
"""

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from config.transports import OutgoingMessage, SendError, transport_for
from customers.contacts import normalize_contact
from customers.exceptions import (
    CodeAttemptsExhausted,
    CodeExpired,
    CodeInvalid,
    CodeMissing,
    CodeNotSent,
    CodeSendThrottled,
    ContactBelongsToAccount,
)
from customers.locks import customers_lock
from customers.login_throttle import WINDOW, FailureCounter
from customers.models import ContactPoint, Customer, OneTimeCode
from customers.services.merge import customer_merge

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
CODE_VALIDITY = timedelta(minutes=10)
MAX_ATTEMPTS = 5
# Sends per WINDOW (15 minutes): per contact detail (whoever asks), per client address.
MAX_SENDS_PER_CONTACT = 5
MAX_SENDS_PER_ADDRESS = 20
HASH_SALT = "customers.one-time-code"


def _hash(salt: str, code: str) -> str:
    return salted_hmac(HASH_SALT, f"{salt}:{code}", algorithm="sha256").hexdigest()


def _send_counters(*, kind: str, value: str, ip_address: str) -> list[FailureCounter]:
    counters = [
        FailureCounter(scope="code-sends", parts=(kind, value), limit=MAX_SENDS_PER_CONTACT)
    ]
    if ip_address:
        counters.append(
            FailureCounter(
                scope="code-sends-address", parts=(ip_address,), limit=MAX_SENDS_PER_ADDRESS
            )
        )
    return counters


def _message(*, row: OneTimeCode, code: str, language: str) -> OutgoingMessage:
    minutes = int(CODE_VALIDITY.total_seconds() // 60)
    with translation.override(language):
        if row.purpose == OneTimeCode.Purpose.POINTS:
            text = _(
                "%(code)s is your code to pay with your points at Tiệm. Valid %(minutes)s "
                "minutes. Tell it only to the cashier in front of you."
            )
        else:
            text = _(
                "%(code)s is your Tiệm verification code. Valid %(minutes)s minutes. Never "
                "share it: the shop will never ask you for it."
            )
        body = text % {"code": code, "minutes": minutes}
        subject = _("Your Tiệm code: %(code)s") % {"code": code}
    key = f"one-time-code:{row.pk}"
    if row.kind == OneTimeCode.Kind.EMAIL:
        return OutgoingMessage(
            channel="email", to=row.value, body=body, subject=subject, idempotency_key=key
        )
    template = settings.ONE_TIME_CODE_ZALO_TEMPLATE_ID
    if settings.ONE_TIME_CODE_PHONE_CHANNEL == "zalo" and template:
        return OutgoingMessage(
            channel="zalo",
            to=row.value,
            body=body,
            idempotency_key=key,
            template_id=template,
            template_data={"otp": code},
        )
    return OutgoingMessage(channel="sms", to=row.value, body=body, idempotency_key=key)


def one_time_code_send(
    *, customer: Customer, purpose: str, kind: str, value: str, ip_address: str = ""
) -> OneTimeCode:
    """Write a new code for ``customer`` and send it to ``value`` now.

    Refused with :class:`CodeSendThrottled` past the per-contact or per-address limit
    (nothing written, nothing sent); :class:`CodeNotSent` when the provider refused or could
    not be reached (the row stays, unusable without the message: ask again).
    """
    value = normalize_contact(kind, value)
    counters = _send_counters(kind=kind, value=value, ip_address=ip_address)
    if any(counter.is_blocked() for counter in counters):
        raise CodeSendThrottled(
            CodeSendThrottled.default_detail % {"minutes": int(WINDOW.total_seconds() // 60)}
        )
    for counter in counters:
        counter.failure()  # counts a send, not a failure
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    salt = secrets.token_hex(16)
    with transaction.atomic():
        row = OneTimeCode.objects.create(
            customer=customer,
            purpose=purpose,
            kind=kind,
            value=value,
            salt=salt,
            code_hash=_hash(salt, code),
            expires_at=timezone.now() + CODE_VALIDITY,
        )
    message = _message(row=row, code=code, language=customer.preferred_language)
    try:
        transport_for(message.channel).send(message)
    except SendError as error:
        logger.warning("one-time code %s not sent: %s", row.pk, error.reason)
        raise CodeNotSent() from error
    return row


def _latest(*, customer: Customer, purpose: str, kind: str, value: str) -> OneTimeCode | None:
    return (
        OneTimeCode.objects.filter(customer=customer, purpose=purpose, kind=kind, value=value)
        .order_by("-id")
        .first()
    )


def one_time_code_check(
    *, customer: Customer, purpose: str, kind: str, value: str, code: str, field: str = "code"
) -> OneTimeCode:
    """The newest unused code sent for this, if ``code`` matches it; else a refusal.

    The attempt is counted (and committed) before the comparison: the sixth try is refused
    even with the right code. Call outside a transaction (see the module's docstring).
    Refusals name ``field`` (the input the code was typed into).
    """
    value = normalize_contact(kind, value)
    row = _latest(customer=customer, purpose=purpose, kind=kind, value=value)
    return _row_check(row, code, field)


def points_code_check(*, customer: Customer, code: str, field: str = "points_code") -> OneTimeCode:
    """The newest code sent to let the till spend ``customer``'s points, if ``code`` is it."""
    row = (
        OneTimeCode.objects.filter(customer=customer, purpose=OneTimeCode.Purpose.POINTS)
        .order_by("-id")
        .first()
    )
    return _row_check(row, code, field)


def _row_check(row: OneTimeCode | None, code: str, field: str) -> OneTimeCode:
    if row is None or row.confirmed_at is not None:
        raise CodeMissing(fields={field: [CodeMissing.default_detail]})
    if row.expires_at <= timezone.now():
        raise CodeExpired(fields={field: [CodeExpired.default_detail]})
    counted = OneTimeCode.objects.filter(
        pk=row.pk, attempt_count__lt=MAX_ATTEMPTS, confirmed_at__isnull=True
    ).update(attempt_count=F("attempt_count") + 1)
    if not counted:
        # Either the tries are spent, or a concurrent caller used the code meanwhile.
        if OneTimeCode.objects.filter(pk=row.pk, confirmed_at__isnull=False).exists():
            raise CodeMissing(fields={field: [CodeMissing.default_detail]})
        raise CodeAttemptsExhausted(fields={field: [CodeAttemptsExhausted.default_detail]})
    typed = "".join((code or "").split())
    if not constant_time_compare(row.code_hash, _hash(row.salt, typed)):
        raise CodeInvalid(fields={field: [CodeInvalid.default_detail]})
    return row


def points_code_send(*, customer: Customer, ip_address: str = "") -> OneTimeCode:
    """Send the shopper a code that lets the till spend their points: to their phone, or
    their email when they have no phone. :class:`CodeMissing` if they have neither."""
    points = {
        point.kind: point.value
        for point in customer.contact_points.filter(
            kind__in=[ContactPoint.Kind.PHONE, ContactPoint.Kind.EMAIL]
        ).order_by("-is_verified", "id")
    }
    for kind in (ContactPoint.Kind.PHONE, ContactPoint.Kind.EMAIL):
        if kind in points:
            return one_time_code_send(
                customer=customer,
                purpose=OneTimeCode.Purpose.POINTS,
                kind=kind,
                value=points[kind],
                ip_address=ip_address,
            )
    raise CodeMissing(
        _("This customer has no phone or email to send a code to."),
        fields={"customer_id": [_("No phone or email on this profile.")]},
    )


def one_time_code_consume(*, row: OneTimeCode, field: str = "code") -> None:
    """Mark the checked code used, inside the caller's transaction; once only."""
    used = OneTimeCode.objects.filter(pk=row.pk, confirmed_at__isnull=True).update(
        confirmed_at=timezone.now()
    )
    if not used:
        raise CodeMissing(fields={field: [CodeMissing.default_detail]})


def contact_verification_confirm(
    *, customer: Customer, kind: str, value: str, code: str
) -> Customer:
    """The login of ``customer`` proves it holds this email or phone; returns its profile now.

    If ``customer`` holds the contact point, it is marked verified. If another profile
    without a login holds it (the shop met this shopper before: at the till, on a
    marketplace, at a guest checkout), the login's fresh profile is merged into that one
    with :func:`customer_merge` (the audited merge: its orders, consents and points move,
    the open merge suggestion is settled) and the login moves with it, so the shopper
    now sees every channel's orders for that contact. A profile with a login of its own is
    never taken over (:class:`ContactBelongsToAccount`).
    """
    row = one_time_code_check(
        customer=customer, purpose=OneTimeCode.Purpose.CONTACT, kind=kind, value=value, code=code
    )
    with transaction.atomic(durable=True):
        one_time_code_consume(row=row)
        return _contact_attach(customer=customer, kind=row.kind, value=row.value)


def _contact_attach(*, customer: Customer, kind: str, value: str) -> Customer:
    point = ContactPoint.objects.select_related("customer").filter(kind=kind, value=value).first()
    holder = None
    if point is not None:
        holder = point.customer.merged_into or point.customer
    if holder is None or holder.erased_at:
        if point is not None:
            point.delete()  # an erased profile's leftover: the detail is free again
        try:
            with transaction.atomic():
                ContactPoint.objects.create(
                    customer=customer, kind=kind, value=value, is_verified=True
                )
        except IntegrityError:
            raise CodeMissing(fields={"code": [CodeMissing.default_detail]}) from None
        return customer
    if holder.pk == customer.pk:
        ContactPoint.objects.filter(pk=point.pk).update(customer=customer, is_verified=True)
        return customer
    # Locked in the global order (customers by id) before the login is checked and moved.
    locked = customers_lock(customer_ids=[holder.pk, customer.pk])
    holder, customer = locked[holder.pk], locked[customer.pk]
    if holder.user_id is not None:
        raise ContactBelongsToAccount(fields={"code": [ContactBelongsToAccount.default_detail]})
    user = customer.user
    # The login moves explicitly (not left to the merge's rules): this is the one place a
    # login reaches an existing profile, and only after the code.
    Customer.objects.filter(pk=customer.pk).update(user=None)
    customer.user = None
    customer_merge(target=holder, source=customer, actor=None)
    Customer.objects.filter(pk=holder.pk).update(user=user, updated_at=timezone.now())
    ContactPoint.objects.filter(kind=kind, value=value).update(is_verified=True)
    holder.refresh_from_db()
    return holder
