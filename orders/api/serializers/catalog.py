"""The catalog a till keeps for offline use."""

from datetime import UTC, datetime, timedelta

from django.utils import timezone
from rest_framework import serializers

from config.api.fields import MoneyField
from inventory.models import Variant


class CatalogVariantOutput(serializers.ModelSerializer):
    product_id = serializers.IntegerField()
    product_name = serializers.CharField(source="product.name")
    product_name_en = serializers.CharField(source="product.name_en")
    price_amount = MoneyField()
    is_active = serializers.SerializerMethodField()

    class Meta:
        model = Variant
        fields = [
            "id",
            "sku",
            "barcode",
            "name",
            "product_id",
            "product_name",
            "product_name_en",
            "price_amount",
            "is_active",
            "updated_at",
        ]

    def get_is_active(self, variant) -> bool:
        return variant.is_active and variant.product.is_active


class CatalogPageOutput(serializers.Serializer):
    results = CatalogVariantOutput(many=True)
    next_since = serializers.CharField(help_text="Send it as `since` on the next call.")
    has_more = serializers.BooleanField(help_text="More pages wait; call again at once.")


# The sync sends up to CATALOG_PAGE_MAX variants a page, 100,000 for a whole catalog: the
# same JSON as CatalogVariantOutput, built from the selector's tuples with the fields'
# work done once a page rather than per variant (tests/orders/test_api_pos_catalog_sync.py
# compares them): a price is formatted once per distinct amount, a time converted as DRF's
# DateTimeField does (to the current time zone, ISO 8601, "Z" for UTC) without its
# per-call look-ups.
_PRICE = MoneyField()
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_datetime(microseconds: int) -> datetime:
    """``variant_sync_page``'s ``updated_us`` as an aware datetime (UTC)."""
    return EPOCH + timedelta(microseconds=microseconds)


def catalog_page_lean(rows) -> list[dict]:
    """``CatalogVariantOutput``'s JSON of each row of ``variant_sync_page``."""
    zone = timezone.get_current_timezone()
    prices: dict = {}
    page = []
    for row in rows:
        price = prices.get(row.price_amount)
        if price is None:
            price = prices[row.price_amount] = _PRICE.to_representation(row.price_amount)
        updated_at = (EPOCH + timedelta(microseconds=row.updated_us)).astimezone(zone).isoformat()
        if updated_at.endswith("+00:00"):
            updated_at = updated_at[:-6] + "Z"
        page.append(
            {
                "id": row.id,
                "sku": row.sku,
                "barcode": row.barcode,
                "name": row.name,
                "product_id": row.product_id,
                "product_name": row.product__name,
                "product_name_en": row.product__name_en,
                "price_amount": price,
                "is_active": row.is_active and row.product__is_active,
                "updated_at": updated_at,
            }
        )
    return page
