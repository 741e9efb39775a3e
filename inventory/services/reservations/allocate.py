"""Reserving: one call per order or checkout, all lines or nothing (see the package docstring)."""

from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory import locks
from inventory.exceptions import ChannelLocationMismatch, InsufficientStock
from inventory.models import Location, Reservation, SalesChannel, StockLevel, Variant
from inventory.services.lines import StockLine, lines_merged, variants_by_sku
from inventory.services.reservations.hot import reserve_one_in_one_statement


def channel_locations_for_sale(
    *, channel: SalesChannel, location: Location | None = None
) -> list[Location]:
    """The locations a sale on ``channel`` may take stock from, by priority.

    A given ``location`` (pick-up in store) must be one of the channel's; a POS channel
    sells from its own store only.
    """
    locations = [
        link.location
        for link in channel.channel_locations.select_related("location").order_by("priority")
        if link.location.is_active
    ]
    if not channel.is_active or not locations:
        raise ChannelLocationMismatch(
            _("%(channel)s has no active location to sell from.") % {"channel": channel}
        )
    if location is not None:
        if location.pk not in {candidate.pk for candidate in locations}:
            raise ChannelLocationMismatch(
                _("%(channel)s does not sell from %(location)s.")
                % {"channel": channel, "location": location},
                fields={"location": [str(ChannelLocationMismatch.default_detail)]},
            )
        return [location]
    if channel.kind == SalesChannel.Kind.POS:
        return locations[:1]
    return locations


def shortage_error(sku: str, wanted: int, available: int) -> InsufficientStock:
    return InsufficientStock(
        _("Only %(available)d of %(sku)s available, %(wanted)d asked.")
        % {"available": max(available, 0), "sku": sku, "wanted": wanted},
        fields={sku: [_("%(available)d available.") % {"available": max(available, 0)}]},
    )


def stock_reserve(
    *,
    channel: SalesChannel,
    lines: Sequence[StockLine],
    reference: str,
    kind: str = Reservation.Kind.HOLD,
    location: Location | None = None,
    ttl: timedelta | None = None,
) -> list[Reservation]:
    """Reserve every line for ``reference`` on ``channel``, all or nothing.

    Locations are tried in the channel's priority order. Without ``location`` a web or
    marketplace line may be split over several locations (a shipped order); with one (a
    pick-up) or on a POS channel, everything comes from that one store. A hold
    (``kind=hold``) expires after ``ttl`` (default ``STOCK_HOLD_MINUTES``); an allocation
    does not. Raises :class:`InsufficientStock` naming the short lines; nothing is written then.
    """
    quantities = lines_merged(lines)
    if not channel.is_active:
        raise ChannelLocationMismatch(_("%(channel)s is not selling.") % {"channel": channel})
    expires_at = None
    if kind == Reservation.Kind.HOLD:
        expires_at = timezone.now() + (ttl or timedelta(minutes=settings.STOCK_HOLD_MINUTES))
    if len(quantities) == 1 and connection.vendor == "postgresql":
        [(sku, quantity)] = quantities.items()
        held = reserve_one_in_one_statement(
            channel=channel,
            sku=sku,
            quantity=quantity,
            reference=reference,
            kind=kind,
            location=location,
            expires_at=expires_at,
        )
        if held is not None:
            return [held]
        # Nothing fitted at the best candidate (short stock, a lost race, a split or an
        # error to name): the general path decides and explains.
    with transaction.atomic():
        return _reserve(
            channel=channel,
            quantities=quantities,
            reference=reference,
            kind=kind,
            location=location,
            expires_at=expires_at,
        )


def _reserve(*, channel, quantities, reference, kind, location, expires_at) -> list[Reservation]:
    levels_by_sku = _candidates_clean(channel=channel, quantities=quantities, location=location)
    split = location is None and channel.kind != SalesChannel.Kind.POS
    template = Reservation(channel=channel, reference=reference, kind=kind, expires_at=expires_at)
    if len(quantities) == 1:
        [(sku, quantity)] = quantities.items()
        levels = levels_by_sku.get(sku, [])
        held = _reserve_one_by_update(template=template, levels=levels, quantity=quantity)
        if held is not None:
            return [held]
        if not split or len(levels) < 2:
            available = sum(max(level.available, 0) for level in levels)
            raise shortage_error(sku, quantity, available)
    # Several rows: lock them all first, in id order, then decide with figures no one
    # else can change until we commit.
    locked = locks.stock_levels_lock(
        pks=[level.pk for levels in levels_by_sku.values() for level in levels]
    )
    plans = _plans_under_lock(
        quantities=quantities, levels_by_sku=levels_by_sku, locked=locked, split=split
    )
    return _plans_write(template=template, plans=plans)


def _candidates_clean(
    *, channel: SalesChannel, quantities: dict[str, int], location: Location | None
) -> dict[str, list[StockLevel]]:
    """Each SKU's candidate stock levels, best first; refuses what is not for sale."""
    if location is not None:
        channel_locations_for_sale(channel=channel, location=location)
    # One read for everything the decision needs: each SKU's stock levels at the channel's
    # active locations, best priority first. It only ranks candidates; the check itself
    # happens in the UPDATE or under the lock.
    candidates = (
        StockLevel.objects.filter(
            variant__sku__in=list(quantities),
            location__is_active=True,
            location__channel_locations__channel=channel,
        )
        .annotate(priority=F("location__channel_locations__priority"))
        .select_related("variant")
        .order_by("priority", "location_id")
    )
    if location is not None:
        candidates = candidates.filter(location=location)
    levels_by_sku: dict[str, list[StockLevel]] = {}
    variants: dict[str, Variant] = {}
    for level in candidates:
        levels_by_sku.setdefault(level.variant.sku, []).append(level)
        variants[level.variant.sku] = level.variant
    if len(variants) < len(quantities):
        variants |= variants_by_sku(set(quantities) - variants.keys())
    not_for_sale = sorted(sku for sku, variant in variants.items() if not variant.is_active)
    if not_for_sale:
        raise InsufficientStock(
            _("Not for sale: %(skus)s.") % {"skus": ", ".join(not_for_sale)},
            fields={sku: [_("Not for sale.")] for sku in not_for_sale},
        )
    return levels_by_sku


def _reservation_from(template: Reservation, *, level_pk: int, quantity: int) -> Reservation:
    return Reservation(
        stock_level_id=level_pk,
        channel=template.channel,
        reference=template.reference,
        kind=template.kind,
        quantity=quantity,
        expires_at=template.expires_at,
    )


def _reserve_one_by_update(
    *, template: Reservation, levels: list[StockLevel], quantity: int
) -> Reservation | None:
    """The hot path (one line): one conditional UPDATE per location, best first.

    The reservation row is inserted first: the insert's foreign-key check takes only a
    key-share lock, which waits for no other allocator, so the hot row stays locked just
    from our UPDATE to our COMMIT. A refused UPDATE holds no lock, so this transaction
    never holds one stock row while waiting for another: no deadlock. ``None`` when no
    single location has the units.
    """
    for level in levels:
        held = _reservation_from(template, level_pk=level.pk, quantity=quantity)
        held.save(force_insert=True)
        if StockLevel.objects.filter(pk=level.pk, on_hand__gte=F("reserved") + quantity).update(
            reserved=F("reserved") + quantity
        ):
            return held
        Reservation.objects.filter(pk=held.pk).delete()
    return None


def _plans_under_lock(
    *,
    quantities: dict[str, int],
    levels_by_sku: dict[str, list[StockLevel]],
    locked: dict[int, StockLevel],
    split: bool,
) -> list[tuple[int, int]]:
    """Decide, from the locked rows, which (stock level pk, quantity) parts to take.

    Raises :class:`InsufficientStock` for the first line that does not fit.
    """
    taken: dict[int, int] = {}
    plans: list[tuple[int, int]] = []
    for sku, quantity in quantities.items():
        levels = [locked[level.pk] for level in levels_by_sku.get(sku, [])]
        available = {level.pk: level.available - taken.get(level.pk, 0) for level in levels}
        parts = _parts_for_line(levels=levels, available=available, quantity=quantity, split=split)
        if parts is None:
            best = (
                sum(max(v, 0) for v in available.values())
                if split
                else max([0, *available.values()])
            )
            raise shortage_error(sku, quantity, best)
        for pk, part in parts:
            taken[pk] = taken.get(pk, 0) + part
            plans.append((pk, part))
    return plans


def _parts_for_line(
    *, levels: list[StockLevel], available: dict[int, int], quantity: int, split: bool
) -> list[tuple[int, int]] | None:
    """One line's parts: all from the best location that has them, else split if allowed."""
    whole = next((level for level in levels if available[level.pk] >= quantity), None)
    if whole is not None:
        return [(whole.pk, quantity)]
    if not split or sum(max(value, 0) for value in available.values()) < quantity:
        return None
    parts, remaining = [], quantity
    for level in levels:
        part = min(max(available[level.pk], 0), remaining)
        if part:
            parts.append((level.pk, part))
            remaining -= part
    return parts


def _plans_write(*, template: Reservation, plans: list[tuple[int, int]]) -> list[Reservation]:
    taken: dict[int, int] = {}
    for pk, part in plans:
        taken[pk] = taken.get(pk, 0) + part
    for pk in sorted(taken):
        StockLevel.objects.filter(pk=pk).update(reserved=F("reserved") + taken[pk])
    return Reservation.objects.bulk_create(
        [_reservation_from(template, level_pk=pk, quantity=part) for pk, part in plans]
    )
