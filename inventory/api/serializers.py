from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inventory.models import ChannelLocation, Location, Product, SalesChannel, Variant
from inventory.selectors import variant_availability_by_location


class ProductSearchQuery(serializers.Serializer):
    # A CharField refuses NUL bytes, which PostgreSQL cannot compare (a 500 otherwise).
    location = serializers.CharField(max_length=50, required=False, allow_blank=True)


class LocationOutput(serializers.ModelSerializer):
    class Meta:
        model = Location
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "address",
            "city",
            "latitude",
            "longitude",
            "opening_hours",
            "accepts_pickup",
        ]


class ChannelLocationOutput(serializers.ModelSerializer):
    location = LocationOutput()

    class Meta:
        model = ChannelLocation
        fields = ["priority", "location"]


class SalesChannelOutput(serializers.ModelSerializer):
    locations = ChannelLocationOutput(source="channel_locations", many=True)

    class Meta:
        model = SalesChannel
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "currency",
            "safety_buffer",
            "publish_percentage",
            "locations",
        ]


class LocationAvailabilityOutput(serializers.Serializer):
    location_code = serializers.CharField()
    location_name = serializers.CharField()
    city = serializers.CharField()
    accepts_pickup = serializers.BooleanField()
    available = serializers.IntegerField(help_text="On hand minus reserved, never below 0.")


class VariantAvailabilityOutput(serializers.Serializer):
    here = serializers.IntegerField(
        allow_null=True,
        help_text="Available at the caller's location (null when no location was given).",
    )
    elsewhere = LocationAvailabilityOutput(many=True)


class VariantSearchOutput(serializers.ModelSerializer):
    price_amount = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    compare_at_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, coerce_to_string=True, allow_null=True
    )
    availability = serializers.SerializerMethodField()

    class Meta:
        model = Variant
        fields = [
            "id",
            "sku",
            "barcode",
            "name",
            "option_values",
            "price_amount",
            "compare_at_amount",
            "availability",
        ]

    @extend_schema_field(VariantAvailabilityOutput)
    def get_availability(self, variant) -> dict:
        here = self.context.get("here")
        rows = self.context["availability"].get(variant.pk, [])
        at_here = next((row for row in rows if here and row.location_id == here.pk), None)
        return {
            "here": (max(at_here.available_quantity, 0) if at_here else 0) if here else None,
            "elsewhere": [
                {
                    "location_code": row.location.code,
                    "location_name": row.location.name,
                    "city": row.location.city,
                    "accepts_pickup": row.location.accepts_pickup,
                    "available": max(row.available_quantity, 0),
                }
                for row in rows
                if not here or row.location_id != here.pk
            ],
        }


class ProductSearchOutput(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    currency = serializers.SerializerMethodField()
    images = serializers.SerializerMethodField()
    variants = VariantSearchOutput(source="active_variants", many=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "slug",
            "name",
            "name_en",
            "brand",
            "category",
            "currency",
            "images",
            "variants",
        ]

    def get_currency(self, product) -> str:
        return settings.DEFAULT_CURRENCY

    def get_images(self, product) -> list[str]:
        return [image.image.url for image in product.images.all()]


def product_search_context(*, products, here=None) -> dict:
    """Serializer context for a page of products: availability of all their variants in
    one query, and the caller's location."""
    variant_ids = [variant.pk for product in products for variant in product.active_variants]
    availability: dict[int, list] = {}
    for row in variant_availability_by_location(variants=variant_ids):
        availability.setdefault(row.variant_id, []).append(row)
    return {"availability": availability, "here": here}
