"""Shared reads of the customers app, returning querysets with their joins already set."""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import BigIntegerField, Func, OuterRef, Q, QuerySet, Subquery, Sum

from config.compiled import CompiledQuery
from customers.contacts import normalize_contact, search_term_contact
from customers.exceptions import CustomerErased, CustomerNotFound
from customers.models import (
    ConsentRecord,
    ContactPoint,
    Customer,
    Event,
    LoyaltyEntry,
    MergeSuggestion,
    OneTimeCode,
    Review,
    WishlistItem,
)
from customers.timeline import StoryEntry, timeline_story  # noqa: F401 (the timeline in words)
from inventory.search import search_terms

PARTIAL_PHONE = re.compile(r"^[\d\s().+\-]+$")

# Silence is not consent: with no record, marketing is refused. Messages about the
# shopper's own orders (service messages) need no opt-in, until they are withdrawn.
CONSENT_DEFAULTS = {
    ConsentRecord.Purpose.MARKETING: False,
    ConsentRecord.Purpose.TRANSACTIONAL: True,
}


def customer_get(*, pk: int) -> Customer:
    """The customer with this id; a merged (tombstone) id resolves to the surviving profile.
    Every till sale to a known customer reads one, so the query is compiled once per process
    (a tombstone's survivor is a second read)."""
    pk = int(pk)
    # Past a bigint no row has it (and SQLite could not even bind it).
    customer = next(iter(_CUSTOMER_BY_ID.run(pk=pk)), None) if abs(pk) < 2**63 else None
    if customer is None:
        raise CustomerNotFound()
    # Merges re-point older tombstones at the survivor, so one hop is enough.
    return customer.merged_into if customer.merged_into_id else customer


_CUSTOMER_BY_ID = CompiledQuery(lambda pk: Customer.objects.filter(pk=pk)[:1], pk=-1)


def customer_live(*, customer: Customer) -> Customer:
    """The profile to write to: a tombstone's survivor; an erased profile is refused."""
    if customer.merged_into_id:
        customer = Customer.objects.get(pk=customer.merged_into_id)
    if customer.erased_at:
        raise CustomerErased()
    return customer


def customer_find_by_contact(*, kind: str, value: str, channel=None) -> Customer | None:
    """The live customer holding this contact detail (``value`` in any accepted format)."""
    filters = {"kind": kind, "value": normalize_contact(kind, value)}
    if kind == ContactPoint.Kind.MARKETPLACE:
        filters["channel"] = channel
    point = ContactPoint.objects.select_related("customer").filter(**filters).first()
    if point is None or point.customer.erased_at:
        return None
    return (
        point.customer if not point.customer.merged_into_id else customer_get(pk=point.customer_id)
    )


def customer_search_ids(*, term: str) -> QuerySet:
    """The ids of the customers matching a name, or an email or phone typed in any format:
    a UNION of index reads (the folded name's trigram index on PostgreSQL, the contact
    points' value index), not one OR across the contact points' join, which no index can
    serve. ``term`` is not empty."""
    term = term.strip()
    points = ContactPoint.objects.order_by()
    parts = []
    # Names are matched without accents: every folded word is in the folded name
    # ("tran thi mai" and "Trần Thị Mai" find "Trần Thị Mai"; so does "mai tran").
    words = search_terms(term)
    if words:
        parts.append(
            Customer.objects.order_by()
            .filter(*[Q(search_name__contains=word) for word in words])
            .values("pk")
        )
    contact = search_term_contact(term)
    if contact:
        kind, value = contact
        parts.append(points.filter(kind=kind, value=value).values("customer_id"))
    else:
        parts.append(points.filter(value__icontains=term.lower()).values("customer_id"))
        digits = "".join(char for char in term if char.isdigit())
        if len(digits) >= 4 and PARTIAL_PHONE.match(term):
            # Part of a phone, typed any way ("0909 908", "908-089"): compare digits only,
            # without the trunk 0 that E.164 drops. (Digits have no case: icontains is the
            # same match, and reads the same trigram index as the line above.)
            parts.append(
                points.filter(
                    kind=ContactPoint.Kind.PHONE, value__icontains=digits.lstrip("0")
                ).values("customer_id")
            )
    first, *rest = parts
    return first.union(*rest) if rest else first


def customer_search(*, term: str, queryset: QuerySet[Customer] | None = None) -> QuerySet[Customer]:
    """Customers matching a name, or an email or phone typed in any format."""
    customers = Customer.objects.all() if queryset is None else queryset
    term = (term or "").strip()
    if not term:
        return customers
    return customers.filter(pk__in=customer_search_ids(term=term))


def consent_current(*, customer: Customer, channel: str, purpose: str) -> bool:
    latest = (
        ConsentRecord.objects.filter(customer=customer, channel=channel, purpose=purpose)
        .order_by("-recorded_at", "-id")
        .values_list("granted", flat=True)
        .first()
    )
    return CONSENT_DEFAULTS[purpose] if latest is None else latest


def consent_state(*, customer: Customer) -> dict[str, dict[str, bool]]:
    """Current consent per channel and purpose, in one query."""
    state = {channel: dict(CONSENT_DEFAULTS.items()) for channel in ConsentRecord.Channel.values}
    seen = set()
    for channel, purpose, granted in (
        ConsentRecord.objects.filter(customer=customer)
        .order_by("-recorded_at", "-id")
        .values_list("channel", "purpose", "granted")
    ):
        if (channel, purpose) not in seen:
            seen.add((channel, purpose))
            state[channel][purpose] = granted
    return {
        channel: {str(k): v for k, v in purposes.items()} for channel, purposes in state.items()
    }


def customers_with_marketing_consent(*, channel: str) -> QuerySet[Customer]:
    """Live customers whose latest marketing record on this channel is a grant."""
    latest = ConsentRecord.objects.filter(
        customer=OuterRef("pk"), channel=channel, purpose=ConsentRecord.Purpose.MARKETING
    ).order_by("-recorded_at", "-id")
    return (
        Customer.objects.filter(merged_into__isnull=True, erased_at__isnull=True)
        .alias(granted=Subquery(latest.values("granted")[:1]))
        .filter(granted=True)
    )


def consent_history(*, customer: Customer) -> QuerySet[ConsentRecord]:
    return ConsentRecord.objects.filter(customer=customer).select_related("staff_user")


def loyalty_balance(*, customer: Customer) -> int:
    return (
        LoyaltyEntry.objects.filter(customer=customer).aggregate(total=Sum("points"))["total"] or 0
    )


def loyalty_history(*, customer: Customer) -> QuerySet[LoyaltyEntry]:
    return LoyaltyEntry.objects.filter(customer=customer).order_by("-created_at", "-id")


def wishlist_list(*, customer: Customer) -> QuerySet[WishlistItem]:
    return (
        WishlistItem.objects.filter(customer=customer)
        .select_related("variant__product")
        .order_by("-created_at", "-id")
    )


def review_list(*, customer: Customer | None = None) -> QuerySet[Review]:
    reviews = Review.objects.select_related("customer", "product", "moderated_by")
    return reviews if customer is None else reviews.filter(customer=customer)


def timeline(*, customer: Customer, location=None) -> QuerySet[Event]:
    """A customer's events, newest first. With a location: only what is not another store's."""
    events = Event.objects.filter(customer=customer).select_related("channel", "location")
    if location is not None:
        events = events.filter(Q(location__isnull=True) | Q(location=location))
    return events.order_by("-occurred_at", "-id")


def merge_suggestion_queue() -> QuerySet[MergeSuggestion]:
    return MergeSuggestion.objects.filter(status=MergeSuggestion.Status.OPEN).select_related(
        "customer", "other"
    )


def has_completed_order_with_product(*, customer: Customer, product_id: int) -> bool:
    """A completed order on any channel whose ``product_ids`` contains this product."""
    payloads = Event.objects.filter(customer=customer, kind=Event.Kind.ORDER_COMPLETED).values_list(
        "payload", flat=True
    )
    return any(
        product_id in (payload or {}).get("product_ids", []) for payload in payloads.iterator()
    )


# --- The outbox cursor ------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class EventCursor:
    """A position in the event stream: ``(tx_id, id)`` of the last event a consumer handled.

    Serialised as ``"<tx_id>.<id>"`` so a consumer can store it as text.
    """

    tx_id: int = -1
    id: int = 0

    @classmethod
    def start(cls) -> "EventCursor":
        return cls()

    @classmethod
    def after(cls, event: Event) -> "EventCursor":
        return cls(tx_id=event.tx_id, id=event.pk)

    @classmethod
    def parse(cls, text: str) -> "EventCursor":
        if not text:
            return cls()
        tx_id, _, event_id = text.partition(".")
        return cls(tx_id=int(tx_id), id=int(event_id))

    def __str__(self) -> str:
        return f"{self.tx_id}.{self.id}"


class VisibilityHorizon(Func):
    """PostgreSQL: every transaction with an id below this one has ended (committed or
    rolled back), so no row of such a transaction can still appear. Evaluated in the
    reading statement's own snapshot."""

    template = "(pg_snapshot_xmin(pg_current_snapshot())::text::bigint)"
    arity = 0
    output_field = BigIntegerField()


def event_stream(*, after: EventCursor | None = None) -> QuerySet[Event]:
    """Events after the cursor, in ``(tx_id, id)`` order, safe to walk by keyset.

    Why not ``id > last_id``: ids are taken at insert, so an event of a slow transaction
    can commit after a higher id was already read, and would be skipped. Here an event is
    only handed out once every transaction that could still insert before it has ended:
    rows are ordered by the inserting transaction's id, and only transactions older than
    the oldest one still running are read (PostgreSQL's snapshot ``xmin``). A row that
    appears later therefore always sorts after the cursor: nothing is skipped, and since
    the order is total and fixed, nothing is repeated. On SQLite one transaction writes at
    a time, so commit order is id order and ``tx_id`` is 0 throughout.

    The price: an event is handed out only once every transaction of the PostgreSQL
    server that started before it has ended, so a long (or idle-in-transaction) session
    delays consumers, never misleads them. Keep transactions short and set
    ``idle_in_transaction_session_timeout`` in production.

    Slice the result (``[:500]``) and continue from ``EventCursor.after(last)``.
    """
    events = Event.objects.select_related("customer", "channel").order_by("tx_id", "id")
    if after is not None:
        events = events.filter(tx_id__gte=after.tx_id).filter(
            Q(tx_id__gt=after.tx_id) | Q(id__gt=after.id)
        )
    if connection.vendor == "postgresql":
        events = events.filter(tx_id__lt=VisibilityHorizon())
    return events


def contact_verifications_pending(
    *, customer: Customer, typed: Sequence[tuple[str, str]] = ()
) -> list[tuple[str, str]]:
    """The (kind, value) details this profile's login asked to prove and has not yet:
    those ``typed`` (at sign-up, even if no code could be sent yet), then those a code
    was sent for. The newest code per detail decides; a detail held verified is done.
    """
    verified = set(customer.contact_points.filter(is_verified=True).values_list("kind", "value"))
    pending: dict[tuple[str, str], bool] = {}
    rows = OneTimeCode.objects.filter(
        customer=customer, purpose=OneTimeCode.Purpose.CONTACT
    ).order_by("-id")
    for kind, value, confirmed_at in rows.values_list("kind", "value", "confirmed_at"):
        pending.setdefault((kind, value), confirmed_at is None)
    for pair in typed:
        pending.setdefault(tuple(pair), True)
    order = [tuple(pair) for pair in typed] + [pair for pair in pending if pair not in typed]
    return [pair for pair in order if pending[pair] and pair not in verified]


def contact_claimant_users(*, kind: str, value: str) -> list:
    """Logins that signed up with this detail and have not proven it yet (newest first).

    Only for a detail whose holder has no login: they may log in to their own (fresh)
    profile with it, and nothing more, until the code is entered.
    """
    from django.contrib.auth import get_user_model

    value = normalize_contact(kind, value)
    claimants = (
        OneTimeCode.objects.filter(
            purpose=OneTimeCode.Purpose.CONTACT,
            kind=kind,
            value=value,
            confirmed_at__isnull=True,
            customer__merged_into__isnull=True,
            customer__erased_at__isnull=True,
            customer__user__isnull=False,
        )
        .order_by("-id")
        .values_list("customer__user_id", flat=True)
    )
    ids = list(dict.fromkeys(claimants))
    users = get_user_model().objects.in_bulk(ids)
    return [users[pk] for pk in ids if pk in users]
