"""Choosing the channel for a customer: what they engage with, best first.

``channel_ranking`` is the one entry point the outbox uses; ``channel_next`` is the
fallback when a channel is not allowed (a gate) or fails permanently.

The maths, per channel the customer can be reached on (an address, not suppressed):

    score = (engagement + PRIOR_SENDS * prior) / (sends + PRIOR_SENDS)

``sends`` counts the messages sent on the channel and ``engagement`` what came back —
opened (1), clicked (3), replied (3) once per message, and every attributed order (10) —
each weighted by ``0.5 ** (age / CHANNEL_RANKING_HALF_LIFE_DAYS)``, so last month counts
more than last year. Scanner opens and clicks count for nothing. With no history the score
is the channel's prior (``CHANNEL_RANKING_PRIORS``); a shopper who never opens mail sees
the email score sink with every unopened send until SMS or Zalo overtakes it.

Exploration: on ``CHANNEL_EXPLORATION_PERCENT`` of customer-days the best channel swaps
places with another reachable one, so a channel that once lost gets a chance to show it
now works. The draw is seeded by the customer and the local date: the same customer gets
the same ranking all day (a fallback never loops), and tests are stable.

A customer with a phone but no channel that works (every address missing or suppressed)
and not on the Do-Not-Call list is on the staff call list (:func:`call_list`).
"""

import hashlib
import random
from collections import defaultdict
from collections.abc import Collection
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from campaigns.models import Attribution, DoNotCall, Message, MessageActivity, Suppression
from campaigns.selectors import CHANNEL_CONTACT_KIND
from config.transports import Channel
from customers.models import ContactPoint, Customer

# With no history, and to break ties: the order the shop prefers (cheapest first).
FIXED_ORDER = (Channel.EMAIL, Channel.ZALO, Channel.SMS, Channel.MESSENGER)

ENGAGEMENT_WEIGHTS = {
    MessageActivity.Kind.OPENED: 1.0,
    MessageActivity.Kind.CLICKED: 3.0,
    MessageActivity.Kind.REPLIED: 3.0,
}
ORDER_WEIGHT = 10.0
# How many sends the prior is worth: two unopened emails already pull email below SMS.
PRIOR_SENDS = 2.0
# Older than this many half-lives weighs under 0.4 %: not worth reading.
HISTORY_HALF_LIVES = 8


def channels_reachable(*, customer: Customer) -> list[str]:
    """The channels with at least one address of the customer that is not suppressed."""
    return channels_reachable_many(customer_ids=[customer.pk])[customer.pk]


def channels_reachable_many(*, customer_ids: Collection[int]) -> dict[int, list[str]]:
    """``channels_reachable`` of many customers in two queries (addresses, suppressions)."""
    addresses: dict[int, dict[str, set[str]]] = {pk: defaultdict(set) for pk in customer_ids}
    for customer_id, kind, value in ContactPoint.objects.filter(
        customer_id__in=list(addresses)
    ).values_list("customer_id", "kind", "value"):
        for channel, channel_kind in CHANNEL_CONTACT_KIND.items():
            if kind == channel_kind:
                addresses[customer_id][channel].add(value)
    channels = {channel for by_channel in addresses.values() for channel in by_channel}
    values = {
        value
        for by_channel in addresses.values()
        for found in by_channel.values()
        for value in found
    }
    suppressed = (
        set(
            Suppression.objects.filter(channel__in=channels, address__in=values).values_list(
                "channel", "address"
            )
        )
        if values
        else set()
    )
    return {
        customer_id: [
            str(channel)
            for channel in FIXED_ORDER
            if any((channel, address) not in suppressed for address in by_channel[channel])
        ]
        for customer_id, by_channel in addresses.items()
    }


def _decay(at: datetime, now: datetime) -> float:
    half_life = timedelta(days=settings.CHANNEL_RANKING_HALF_LIFE_DAYS)
    age = max(now - at, timedelta(0))
    return 0.5 ** (age / half_life)


def channel_scores(
    *, customer: Customer, channels: Collection[str], now: datetime | None = None
) -> dict[str, float]:
    """The engagement score of each of ``channels`` for this customer (module docstring)."""
    return channel_scores_many(channels={customer.pk: channels}, now=now)[customer.pk]


def channel_scores_many(
    *, channels: dict[int, Collection[str]], now: datetime | None = None
) -> dict[int, dict[str, float]]:
    """``channel_scores`` of many customers ({customer id: channels}) in three queries."""
    now = now or timezone.now()
    since = now - timedelta(days=settings.CHANNEL_RANKING_HALF_LIFE_DAYS * HISTORY_HALF_LIVES)
    customer_ids = [pk for pk, wanted in channels.items() if wanted]
    every = {channel for wanted in channels.values() for channel in wanted}
    sends = defaultdict(float)
    engagement = defaultdict(float)
    if customer_ids:
        for customer_id, channel, sent_at in Message.objects.filter(
            customer_id__in=customer_ids,
            channel__in=every,
            state=Message.State.SENT,
            sent_at__gte=since,
        ).values_list("customer_id", "channel", "sent_at"):
            sends[(customer_id, channel)] += _decay(sent_at, now)

        # Once per message and kind: ten opens of one email are one open.
        latest: dict[tuple[int, str], tuple[int, str, datetime]] = {}
        for message_id, customer_id, channel, kind, occurred_at in MessageActivity.objects.filter(
            message__customer_id__in=customer_ids,
            message__channel__in=every,
            kind__in=list(ENGAGEMENT_WEIGHTS),
            is_scanner=False,
            occurred_at__gte=since,
        ).values_list(
            "message_id", "message__customer_id", "message__channel", "kind", "occurred_at"
        ):
            seen = latest.get((message_id, kind))
            if seen is None or occurred_at > seen[2]:
                latest[(message_id, kind)] = (customer_id, channel, occurred_at)
        for (_message_id, kind), (customer_id, channel, occurred_at) in latest.items():
            engagement[(customer_id, channel)] += ENGAGEMENT_WEIGHTS[kind] * _decay(
                occurred_at, now
            )
        for customer_id, channel, placed_at in Attribution.objects.filter(
            message__customer_id__in=customer_ids, channel__in=every, placed_at__gte=since
        ).values_list("message__customer_id", "channel", "placed_at"):
            engagement[(customer_id, channel)] += ORDER_WEIGHT * _decay(placed_at, now)

    priors = settings.CHANNEL_RANKING_PRIORS
    return {
        customer_id: {
            channel: (engagement[(customer_id, channel)] + PRIOR_SENDS * priors.get(channel, 0.0))
            / (sends[(customer_id, channel)] + PRIOR_SENDS)
            for channel in wanted
        }
        for customer_id, wanted in channels.items()
    }


def exploration_draw(*, customer_id: int, day: date, size: int) -> int:
    """The position (≥ 1) to bring to the front today, or 0 to keep the ranking.

    Seeded by customer and day, not by the clock or a global generator: the same answer
    all day, on every worker.
    """
    if size < 2:
        return 0
    seed = hashlib.sha256(f"channel-exploration:{customer_id}:{day.isoformat()}".encode())
    draw = random.Random(seed.digest())  # noqa: S311 (a fair coin, not a secret)
    if draw.random() * 100 >= settings.CHANNEL_EXPLORATION_PERCENT:
        return 0
    return draw.randrange(1, size)


def channel_ranking(*, customer: Customer, explore: bool = True) -> list[str]:
    """The customer's reachable channels, best first (module docstring); [] if none.

    ``explore=False`` for messages that must take the best-known channel (a one-time code,
    an order's receipt): exploration is for learning on marketing messages.
    """
    return channel_rankings(customer_ids=[customer.pk], explore=explore)[customer.pk]


def channel_rankings(
    *, customer_ids: Collection[int], explore: bool | Collection[int] = True
) -> dict[int, list[str]]:
    """``channel_ranking`` of many customers in five queries, whatever their number.

    ``explore``: for all of them (True), none (False), or the customer ids given.
    """
    reachable = channels_reachable_many(customer_ids=customer_ids)
    now = timezone.now()
    scores = channel_scores_many(channels=reachable, now=now)
    today = timezone.localdate(now)
    rankings = {}
    for customer_id, channels in reachable.items():
        ranked = sorted(
            channels,
            key=lambda channel: (-scores[customer_id][channel], FIXED_ORDER.index(channel)),
        )
        explores = explore if isinstance(explore, bool) else customer_id in explore
        draw = (
            exploration_draw(customer_id=customer_id, day=today, size=len(ranked))
            if explores
            else 0
        )
        if draw:
            ranked.insert(0, ranked.pop(draw))
        rankings[customer_id] = ranked
    return rankings


def channel_next(
    *, customer: Customer, after: str, tried: Collection[str] = (), explore: bool = True
) -> str | None:
    """The channel to fall back to when ``after`` is not allowed or failed permanently.

    The next one down today's ranking that is neither ``after`` nor in ``tried`` (pass every
    channel already attempted for this message); ``None`` when none is left. If ``after``
    is no longer in the ranking (its address was just suppressed), the best remaining one.
    Pass the same ``explore`` as for the first choice, so the fallback walks the same list.
    """
    ranking = channel_ranking(customer=customer, explore=explore)
    skip = {after, *tried}
    below = ranking[ranking.index(after) + 1 :] if after in ranking else ranking
    # Only downwards: a fallback chain ends, even for a caller that passes no ``tried``.
    candidates = [channel for channel in below if channel not in skip]
    return candidates[0] if candidates else None


def _usable(channel: str) -> Exists:
    suppressed = Suppression.objects.filter(channel=channel, address=OuterRef("value"))
    return Exists(
        ContactPoint.objects.filter(
            customer=OuterRef("pk"), kind=CHANNEL_CONTACT_KIND[Channel(channel)]
        ).filter(~Exists(suppressed))
    )


def call_list() -> QuerySet[Customer]:
    """Live customers staff should phone: a callable number, and no channel that works.

    Callable: a phone not on the Do-Not-Call list. No channel that works: every email,
    phone (for SMS and Zalo) and Messenger id of theirs is missing or suppressed, so no
    message can reach them (``channel_ranking`` is empty).
    """
    callable_phone = ContactPoint.objects.filter(
        customer=OuterRef("pk"), kind=ContactPoint.Kind.PHONE
    ).filter(~Exists(DoNotCall.objects.filter(phone=OuterRef("value"))))
    customers = Customer.objects.filter(merged_into__isnull=True, erased_at__isnull=True).filter(
        Exists(callable_phone)
    )
    for channel in FIXED_ORDER:
        customers = customers.filter(~_usable(channel))
    return customers.prefetch_related("contact_points").order_by("-created_at", "-id")
