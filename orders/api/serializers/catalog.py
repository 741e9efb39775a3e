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
