"""Shared reads of the inventory app, returning querysets with their joins already set."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import (
    ExpressionWrapper,
    F,
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
    StockLevel,
    StockMovement,
    Variant,
)


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
    location_ids = list(
        channel.channel_locations.filter(location__is_active=True).values_list(
            "location_id", flat=True
        )
    )
    per_location = (
        StockLevel.objects.filter(variant=OuterRef("pk"), location_id__in=location_ids)
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


def variant_sync_page(*, after: tuple[datetime, int] | None, limit: int) -> list[Variant]:
    """Up to ``limit`` variants changed after the keyset ``(updated_at, id)``, oldest first.

    For tills that keep the catalog offline: each page is one indexed range read, so a till
    can walk 100,000 variants page by page without anyone holding them all in memory.
    """
    variants = Variant.objects.select_related("product").order_by("updated_at", "id")
    if after is not None:
        moment, pk = after
        variants = variants.filter(Q(updated_at__gt=moment) | Q(updated_at=moment, pk__gt=pk))
    return list(variants[:limit])
