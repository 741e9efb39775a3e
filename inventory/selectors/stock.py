"""Reads of places, stock and the catalog for staff, tills and jobs: querysets with their
joins already set."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import (
    BigIntegerField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest

from inventory.filters import ProductSearchFilter
from inventory.models import (
    ChannelLocation,
    Location,
    Product,
    ProductImage,
    Reservation,
    SalesChannel,
    StaffMembership,
    StockLevel,
    StockMovement,
    Variant,
)

EVERY_LOCATION_PERMISSION = "inventory.act_for_every_location"


def location_list(*, active_only: bool = True) -> QuerySet[Location]:
    locations = Location.objects.all()
    return locations.filter(is_active=True) if active_only else locations


def sales_channel_list(*, active_only: bool = True) -> QuerySet[SalesChannel]:
    channels = SalesChannel.objects.prefetch_related(
        Prefetch(
            "channel_locations",
            queryset=ChannelLocation.objects.select_related("location").order_by("priority"),
        )
    )
    return channels.filter(is_active=True) if active_only else channels


def staff_location_ids(user) -> frozenset[int] | None:
    """The locations a staff member acts for, or ``None`` for every location.

    The one place that decides a staff member's scope: owners and marketers (who hold
    ``inventory.act_for_every_location``) act everywhere; store managers, cashiers and
    warehouse staff only where they are members (``StaffMembership``), and nowhere
    without a membership. Remembered on the user object for the request.
    """
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_staff_location_ids", False)
    if cached is not False:
        return cached
    if user.has_perm(EVERY_LOCATION_PERMISSION):
        ids = None
    else:
        ids = frozenset(
            StaffMembership.objects.filter(user=user).values_list("location_id", flat=True)
        )
    user._staff_location_ids = ids
    return ids


def staff_location_list(user) -> QuerySet[Location]:
    """The locations a staff member acts for (see :func:`staff_location_ids`)."""
    ids = staff_location_ids(user)
    return Location.objects.all() if ids is None else Location.objects.filter(pk__in=ids)


# --- Catalog and stock ------------------------------------------------------------------


def _available_expression():
    return ExpressionWrapper(F("on_hand") - F("reserved"), output_field=IntegerField())


def variant_available_to_sell(*, channel: SalesChannel) -> QuerySet[Variant]:
    """Active variants annotated with ``available_to_sell`` on ``channel``: what the channel
    may show or push to a marketplace.

    Sum over the channel's active locations of what is available (a location in the red
    counts as zero), minus the channel's safety buffer (never below zero), then the
    marketplace's published percentage, rounded down.
    """
    # The channel's locations are joined in the subquery rather than read first: one query
    # (a channel sells from a location at most once, so the join repeats no stock level).
    per_location = (
        StockLevel.objects.filter(
            variant=OuterRef("pk"),
            location__is_active=True,
            location__channel_locations__channel=channel,
        )
        .annotate(free=Greatest(_available_expression(), Value(0)))
        .values("variant")
        .annotate(total=Sum("free"))
        .values("total")
    )
    pooled = Coalesce(Subquery(per_location, output_field=IntegerField()), Value(0))
    after_buffer = Greatest(pooled - Value(channel.safety_buffer), Value(0))
    # Integer division rounds down on both PostgreSQL and SQLite.
    published = ExpressionWrapper(
        after_buffer * Value(channel.publish_percentage) / Value(100),
        output_field=IntegerField(),
    )
    return (
        Variant.objects.filter(is_active=True, product__is_active=True)
        .select_related("product")
        .annotate(available_to_sell=published)
        .order_by("pk")
    )


def stock_changed_variant_ids(*, since: datetime) -> set[int]:
    """Ids of the variants whose available stock may have changed at or after ``since``: a
    ledger line (receipt, sale, return, count, transfer, adjustment), a reservation taken
    or closed (hold, allocation, release, expiry, sale), or the variant itself edited.

    Times are taken when a row is written, not when its transaction commits: a caller
    walking forward must re-read a window behind its cursor (see orders/marketplaces).
    """
    # No ORDER BY (the models' default ordering) inside a UNION; each part is one index range.
    moved = (
        StockMovement.objects.filter(created_at__gte=since)
        .order_by()
        .values_list("stock_level__variant_id", flat=True)
    )
    taken = (
        Reservation.objects.filter(created_at__gte=since)
        .order_by()
        .values_list("stock_level__variant_id", flat=True)
    )
    closed = (
        Reservation.objects.filter(closed_at__gte=since)
        .order_by()
        .values_list("stock_level__variant_id", flat=True)
    )
    edited = Variant.objects.filter(updated_at__gte=since).order_by().values_list("pk", flat=True)
    return set(moved.union(taken, closed, edited))


def variant_availability_by_location(*, variants) -> QuerySet[StockLevel]:
    """Stock levels of ``variants`` at active locations, with ``available`` annotated:
    "3 left at Hàng Giấy, 0 in TP.HCM"."""
    return (
        StockLevel.objects.filter(variant__in=variants, location__is_active=True)
        .select_related("location", "variant")
        .annotate(available_quantity=_available_expression())
        .order_by("variant_id", "location__name")
    )


def stock_level_list(*, location: Location | None = None) -> QuerySet[StockLevel]:
    levels = StockLevel.objects.select_related("variant__product", "location").annotate(
        available_quantity=_available_expression()
    )
    if location is not None:
        levels = levels.filter(location=location)
    return levels.order_by("location__name", "variant__sku")


def stock_level_low_list(*, location: Location | None = None) -> QuerySet[StockLevel]:
    """Stock levels at or below their low-stock threshold (what to reorder or transfer)."""
    return stock_level_list(location=location).filter(
        location__is_active=True,
        variant__is_active=True,
        available_quantity__lte=F("low_stock_threshold"),
    )


def stock_movement_history(
    *, variant: Variant, location: Location | None = None
) -> QuerySet[StockMovement]:
    """A variant's ledger, newest first."""
    movements = StockMovement.objects.filter(stock_level__variant=variant).select_related(
        "stock_level__location", "channel", "actor"
    )
    if location is not None:
        movements = movements.filter(stock_level__location=location)
    return movements.order_by("-created_at", "-id")


def stock_drift_list() -> QuerySet[StockLevel]:
    """Stock levels that break an invariant: on hand differs from the sum of its movements,
    or reserved from the sum of its active reservations. Empty on a healthy database."""
    ledger = (
        StockMovement.objects.filter(stock_level=OuterRef("pk"))
        .values("stock_level")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    held = (
        Reservation.objects.filter(stock_level=OuterRef("pk"), status=Reservation.Status.ACTIVE)
        .values("stock_level")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return (
        StockLevel.objects.select_related("variant", "location")
        .annotate(
            ledger_total=Coalesce(Subquery(ledger, output_field=IntegerField()), Value(0)),
            reserved_total=Coalesce(Subquery(held, output_field=IntegerField()), Value(0)),
        )
        .filter(~Q(on_hand=F("ledger_total")) | ~Q(reserved=F("reserved_total")))
        .order_by("pk")
    )


def product_search_list(*, params=None) -> QuerySet[Product]:
    """Active products matching the search filters (name, SKU or barcode; category; price),
    with their active variants prefetched. Availability comes from
    :func:`variant_availability_by_location`, per page."""
    products = (
        Product.objects.filter(is_active=True)
        .select_related("category")
        .prefetch_related(
            Prefetch(
                "variants",
                queryset=Variant.objects.filter(is_active=True).order_by("position", "pk"),
                to_attr="active_variants",
            ),
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "pk")),
        )
        .order_by("name", "pk")
    )
    filterset = ProductSearchFilter(data=params or {}, queryset=products)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs


def reservation_list_for_reference(
    *, reference: str, active_only: bool = True
) -> QuerySet[Reservation]:
    """What is reserved under ``reference`` (e.g. ``order:WEB-000123``), by an index."""
    reservations = Reservation.objects.filter(reference=reference).select_related(
        "stock_level__variant", "stock_level__location", "channel"
    )
    if active_only:
        reservations = reservations.filter(status=Reservation.Status.ACTIVE)
    return reservations.order_by("pk")


def stock_movement_list_for_reference(*, reference: str) -> QuerySet[StockMovement]:
    """The ledger lines written for ``reference`` (a sale, a return, a transfer)."""
    return (
        StockMovement.objects.filter(reference=reference)
        .select_related("stock_level__variant", "stock_level__location", "channel")
        .order_by("pk")
    )


class EpochMicroseconds(Func):
    """A datetime column as whole microseconds since 1970 (a bigint): read without the
    Python parse of each ``timestamptz`` that Django's psycopg loader does (a third of a
    5,000-row page's time)."""

    arity = 1
    output_field = BigIntegerField()
    template = "(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint"

    def as_sqlite(self, compiler, connection, **extra_context):
        # Stored as "YYYY-MM-DD HH:MM:SS[.ffffff]" (UTC): the seconds, then the fraction.
        return self.as_sql(
            compiler,
            connection,
            template="(unixepoch(%(expressions)s) * 1000000"
            " + CAST(substr(%(expressions)s || '.000000', 21, 6) AS INTEGER))",
            **extra_context,
        )


# What a till keeps of a variant, in the order of ``variant_sync_page``'s rows; the last,
# ``updated_us``, is ``updated_at`` in microseconds since 1970 (UTC).
VARIANT_SYNC_FIELDS = (
    "id", "sku", "barcode", "name", "product_id", "product__name", "product__name_en",
    "price_amount", "is_active", "product__is_active", "updated_us",
)  # fmt: skip


def variant_sync_page(*, after: tuple[datetime, int] | None, limit: int) -> list[tuple]:
    """Up to ``limit`` variants changed after the keyset ``(updated_at, id)``, oldest first,
    as named tuples of ``VARIANT_SYNC_FIELDS`` (``row.product__name``, ``row.updated_us``).

    For tills that keep the catalog offline: each page is one indexed range read
    (``inventory_variant_sync_idx``), so a till can walk 100,000 variants page by page
    without anyone holding them all in memory. Tuples, not model instances: a page is up
    to 5,000 rows, and building a ``Variant`` and its ``Product`` per row was half the
    page's time.
    """
    rows = variant_sync_rows(after=after).values_list(*VARIANT_SYNC_FIELDS, named=True)
    return list(rows[:limit])


def variant_sync_rows(*, after: tuple[datetime, int] | None) -> QuerySet[Variant]:
    """The variants after the keyset, in keyset order, with ``updated_us``.

    ``updated_at >= moment`` is the index's range start; the OR alone (later, or the same
    time and a higher id) is no range, so PostgreSQL read the index from its first entry
    and filtered: page 20 of a 100,000-variant walk passed over 95,000 rows first.
    """
    variants = Variant.objects.annotate(updated_us=EpochMicroseconds("updated_at"))
    if after is not None:
        moment, pk = after
        variants = variants.filter(updated_at__gte=moment).filter(
            Q(updated_at__gt=moment) | Q(pk__gt=pk)
        )
    return variants.order_by("updated_at", "id")
