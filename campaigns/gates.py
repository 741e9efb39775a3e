"""The send-time gates: what the law, the providers and the shopper allow, checked again
just before a message goes out (consent can be withdrawn and an address can bounce between
scheduling and sending).

Each gate answers ``None`` (go on) or a :class:`Verdict`: ``skipped`` with a reason code, or
``deferred`` to a later ``send_at``. :func:`gate_check` runs them in order; the first verdict
wins and is recorded on the message (``reason``), so staff see why nothing went out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from campaigns.models import DoNotCall, Message, Suppression
from config.transports import Channel
from customers.models import ConsentRecord, Event
from customers.selectors import CONSENT_DEFAULTS


class Reason:
    """The reason codes a gate records (``Message.reason``)."""

    ERASED = "erased"
    NO_CONTACT = "no_contact"
    SUPPRESSED = "suppressed"
    NO_CONSENT = "no_consent"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    DO_NOT_CALL = "do_not_call"
    ZNS_NEEDS_PURCHASE = "zns_needs_purchase"
    MESSENGER_WINDOW = "messenger_window"
    STALE = "stale"
    QUIET_HOURS = "quiet_hours"
    DAILY_CAP = "daily_cap"
    RECENT_PURCHASE = "recent_purchase"


@dataclass(frozen=True)
class Verdict:
    state: str  # Message.State.SKIPPED or DEFERRED
    reason: str
    send_at: datetime | None = None  # for a deferral
    detail: str = ""


def _skip(reason: str, detail: str = "") -> Verdict:
    return Verdict(state=Message.State.SKIPPED, reason=reason, detail=detail)


@dataclass
class GateFacts:
    """What the gates need to know about a chunk of messages, read in a few queries.

    ``load`` reads it for many messages at once (a worker's chunk); gates then decide
    without touching the database. A marketing message that passes is added to the cap
    counts, so two adverts in one chunk cannot both squeeze under the cap.
    """

    suppressed: dict[tuple[str, str], Suppression]
    consent: dict[tuple[int, str, str], bool]
    do_not_call: set[str]
    buyers: set[int]
    ad_times: dict[tuple[int, str], list[datetime]]
    bought: dict[int, set[int]] = None  # customer id → variants bought lately, any channel

    @classmethod
    def load(cls, messages: list[Message], now: datetime) -> GateFacts:
        customer_ids = {message.customer_id for message in messages}
        addresses = {message.address for message in messages if message.address}
        suppressed = {
            (row.channel, row.address): row
            for row in Suppression.objects.filter(address__in=addresses)
        }
        consent = {}
        for customer_id, channel, purpose, granted in (
            ConsentRecord.objects.filter(customer_id__in=customer_ids)
            .order_by("-recorded_at", "-id")
            .values_list("customer_id", "channel", "purpose", "granted")
        ):
            consent.setdefault((customer_id, channel, purpose), granted)
        phones = {
            message.address
            for message in messages
            if message.channel == Channel.SMS and message.purpose == Message.Purpose.MARKETING
        }
        do_not_call = (
            set(DoNotCall.objects.filter(phone__in=phones).values_list("phone", flat=True))
            if phones
            else set()
        )
        zalo_customers = {m.customer_id for m in messages if m.channel == Channel.ZALO}
        buyers = (
            set(
                Event.objects.filter(
                    customer_id__in=zalo_customers,
                    kind__in=[Event.Kind.ORDER_PLACED, Event.Kind.ORDER_COMPLETED],
                ).values_list("customer_id", flat=True)
            )
            if zalo_customers
            else set()
        )
        advertised = {m.customer_id for m in messages if m.purpose == Message.Purpose.MARKETING}
        ad_times: dict[tuple[int, str], list[datetime]] = {}
        if advertised:
            for customer_id, channel, sent_at in (
                Message.objects.filter(
                    customer_id__in=advertised, purpose=Message.Purpose.MARKETING
                )
                .filter(
                    Q(state=Message.State.SENT, sent_at__gt=now - timedelta(hours=24))
                    # Another worker may be sending one right now: it counts too.
                    | Q(state=Message.State.SENDING, handed_at__isnull=False)
                )
                .values_list("customer_id", "channel", "sent_at")
            ):
                ad_times.setdefault((customer_id, channel), []).append(sent_at or now)
        return cls(
            suppressed, consent, do_not_call, buyers, ad_times, _recent_purchases(messages, now)
        )

    def consent_current(self, message: Message, purpose: str) -> bool:
        key = (message.customer_id, message.channel, purpose)
        return self.consent.get(key, CONSENT_DEFAULTS[purpose])


def _recent_purchases(messages: list[Message], now: datetime) -> dict[int, set[int]]:
    """The variants each advertised-to customer ordered in the last N days, any channel."""
    featuring = {
        m.customer_id
        for m in messages
        if m.purpose == Message.Purpose.MARKETING and m.featured_variant_ids
    }
    bought: dict[int, set[int]] = {}
    if not featuring:
        return bought
    since = now - timedelta(days=settings.MESSAGE_RECENT_PURCHASE_DAYS)
    for customer_id, payload in Event.objects.filter(
        customer_id__in=featuring, kind=Event.Kind.ORDER_PLACED, occurred_at__gte=since
    ).values_list("customer_id", "payload"):
        variants = bought.setdefault(customer_id, set())
        for line in (payload or {}).get("lines", []):
            if isinstance(line, dict) and isinstance(line.get("variant_id"), int):
                variants.add(line["variant_id"])
    return bought


def gate_recent_purchase(message: Message, now: datetime, facts: GateFacts) -> Verdict | None:
    # Never advertise a product to someone who just bought it, whatever the door.
    if message.purpose != Message.Purpose.MARKETING or not message.featured_variant_ids:
        return None
    if facts.bought is None:
        facts.bought = _recent_purchases([message], now)
    overlap = set(message.featured_variant_ids) & facts.bought.get(message.customer_id, set())
    if overlap:
        return _skip(
            Reason.RECENT_PURCHASE,
            f"Bought {sorted(overlap)} in the last {settings.MESSAGE_RECENT_PURCHASE_DAYS} days.",
        )
    return None


def gate_erased(message: Message, now: datetime, facts: GateFacts) -> Verdict | None:
    if message.customer.erased_at:
        return _skip(Reason.ERASED)
    return None


def gate_contact(message: Message, now: datetime, facts: GateFacts) -> Verdict | None:
    if not message.address:
        return _skip(Reason.NO_CONTACT, f"No {message.channel} address on the profile.")
    return None


def gate_suppression(message: Message, now: datetime, facts: GateFacts) -> Verdict | None:
    # Hard bounces and complaints are written by the provider webhooks; no purpose may
    # use such an address again.
    found = facts.suppressed.get((message.channel, message.address))
    if found:
        return _skip(Reason.SUPPRESSED, f"{found.get_reason_display()}: {found.detail}".strip())
    return None


def gate_consent(message: Message, now: datetime, facts: GateFacts) -> Verdict | None:
    if message.purpose == Message.Purpose.MARKETING:
        if not facts.consent_current(message, ConsentRecord.Purpose.MARKETING):
            return _skip(Reason.NO_CONSENT, f"No current marketing consent for {message.channel}.")
        return None
    # Service messages need no opt-in, but a withdrawn channel is never used.
    if not facts.consent_current(message, ConsentRecord.Purpose.TRANSACTIONAL):
        return _skip(Reason.CONSENT_WITHDRAWN, f"Service messages on {message.channel} withdrawn.")
    return None


def gate_do_not_call(message: Message, now: datetime, facts: GateFacts) -> Verdict | None:
    if (
        message.purpose == Message.Purpose.MARKETING
        and message.channel == Channel.SMS
        and message.address in facts.do_not_call
    ):
        return _skip(Reason.DO_NOT_CALL, f"{message.address} is on the Do-Not-Call list.")
    return None


def gate_zns_purchase(message: Message, now: datetime, facts: GateFacts) -> Verdict | None:
    # Zalo allows ZNS only to people who have bought from the shop.
    if message.channel == Channel.ZALO and message.customer_id not in facts.buyers:
        return _skip(Reason.ZNS_NEEDS_PURCHASE, "ZNS goes only to customers who have bought.")
    return None


def messenger_last_inbound_at(*, customer) -> datetime | None:
    """When the customer last wrote to the page on Messenger (None: never, as far as we know).

    Nothing records inbound Messenger messages yet, so promotional Messenger messages are
    skipped until the Messenger webhook records them.
    """
    return None


def gate_messenger_window(message: Message, now: datetime, facts: GateFacts) -> Verdict | None:
    if message.channel != Channel.MESSENGER or message.purpose != Message.Purpose.MARKETING:
        return None
    last = messenger_last_inbound_at(customer=message.customer)
    window = timedelta(hours=settings.MESSAGE_MESSENGER_WINDOW_HOURS)
    if last is None or now - last > window:
        return _skip(
            Reason.MESSENGER_WINDOW,
            "Promotions on Messenger only within 24 h of the customer's last message.",
        )
    return None


def next_ad_window_start(now: datetime) -> datetime:
    """The next local start of the advertising hours (today's if still ahead), as aware UTC."""
    start_hour, _end = settings.MESSAGE_AD_HOURS
    local = timezone.localtime(now)
    start = local.replace(hour=start_hour, minute=0, second=0, microsecond=0)
    if start <= local:
        start = timezone.make_aware(
            datetime.combine(local.date() + timedelta(days=1), time(start_hour)),
            local.tzinfo,
        )
    return start


def in_ad_hours(now: datetime) -> bool:
    start_hour, end_hour = settings.MESSAGE_AD_HOURS
    return start_hour <= timezone.localtime(now).hour < end_hour


def gate_ad_hours(message: Message, now: datetime, facts: GateFacts) -> Verdict | None:
    if message.purpose != Message.Purpose.MARKETING or in_ad_hours(now):
        return None
    if now - message.due_at > timedelta(hours=settings.MESSAGE_STALE_AFTER_HOURS):
        return _skip(Reason.STALE, f"Due at {message.due_at:%Y-%m-%d %H:%M} UTC, too late now.")
    return Verdict(
        state=Message.State.DEFERRED,
        reason=Reason.QUIET_HOURS,
        send_at=next_ad_window_start(now),
        detail="Advertising only 07:00-22:00 local time.",
    )


def gate_daily_cap(message: Message, now: datetime, facts: GateFacts) -> Verdict | None:
    if message.purpose != Message.Purpose.MARKETING:
        return None
    times = sorted(facts.ad_times.get((message.customer_id, message.channel), []))
    cap = settings.MESSAGE_AD_DAILY_CAP
    if len(times) < cap:
        return None
    # Held until enough of the window's messages age out to leave room for this one.
    release_at = times[len(times) - cap] + timedelta(hours=24)
    if release_at - message.due_at > timedelta(hours=settings.MESSAGE_STALE_AFTER_HOURS):
        return _skip(Reason.STALE, "Held by the daily cap past the staleness limit.")
    return Verdict(
        state=Message.State.DEFERRED,
        reason=Reason.DAILY_CAP,
        send_at=release_at,
        detail=f"{len(times)} advertising messages on {message.channel} in the last 24 h.",
    )


# Cheapest and most final first; deferrals last, so a message that would be skipped
# anyway is not deferred first.
GATES = (
    gate_erased,
    gate_contact,
    gate_suppression,
    gate_consent,
    gate_do_not_call,
    gate_zns_purchase,
    gate_messenger_window,
    gate_recent_purchase,
    gate_ad_hours,
    gate_daily_cap,
)


def gate_check(
    *, message: Message, now: datetime | None = None, facts: GateFacts | None = None
) -> Verdict | None:
    """The first gate's verdict on sending ``message`` now, or None when every gate passes.

    ``facts`` read for a whole chunk (``GateFacts.load``) spare the per-message queries.
    """
    now = now or timezone.now()
    facts = facts or GateFacts.load([message], now)
    for gate in GATES:
        verdict = gate(message, now, facts)
        if verdict is not None:
            return verdict
    if message.purpose == Message.Purpose.MARKETING:
        facts.ad_times.setdefault((message.customer_id, message.channel), []).append(now)
    return None
