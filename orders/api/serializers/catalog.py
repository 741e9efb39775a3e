"""The catalog a till keeps for offline use."""

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
# same JSON as CatalogVariantOutput, with its fields built once rather than per variant
# (tests/orders/test_api_pos_catalog_sync.py compares them).
_PRICE = MoneyField()
_UPDATED_AT = serializers.DateTimeField()


def catalog_variant_lean(variant) -> dict:
    return {
        "id": variant.pk,
        "sku": variant.sku,
        "barcode": variant.barcode,
        "name": variant.name,
        "product_id": variant.product_id,
        "product_name": variant.product.name,
        "product_name_en": variant.product.name_en,
        "price_amount": _PRICE.to_representation(variant.price_amount),
        "is_active": variant.is_active and variant.product.is_active,
        "updated_at": _UPDATED_AT.to_representation(variant.updated_at),
    }
