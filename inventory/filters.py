import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from inventory.models import Location, Product


class LocationFilter(django_filters.FilterSet):
    class Meta:
        model = Location
        fields = ["kind", "accepts_pickup", "city"]


class ProductSearchFilter(django_filters.FilterSet):
    """Search the catalog the way a cashier or a shopper does."""

    q = django_filters.CharFilter(
        method="search",
        label=_("Name (Vietnamese or English), exact SKU or exact barcode"),
    )
    sku = django_filters.CharFilter(field_name="variants__sku", lookup_expr="iexact")
    barcode = django_filters.CharFilter(field_name="variants__barcode")
    category = django_filters.CharFilter(field_name="category__slug")
    brand = django_filters.CharFilter(lookup_expr="iexact")
    min_price = django_filters.NumberFilter(field_name="variants__price_amount", lookup_expr="gte")
    max_price = django_filters.NumberFilter(field_name="variants__price_amount", lookup_expr="lte")

    class Meta:
        model = Product
        fields = ["q", "sku", "barcode", "category", "brand", "min_price", "max_price"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        matching = Product.objects.filter(
            Q(name__icontains=value)
            | Q(name_en__icontains=value)
            | Q(variants__sku__iexact=value)
            | Q(variants__barcode=value)
        ).values("pk")
        return queryset.filter(pk__in=matching)

    def filter_queryset(self, queryset):
        # Joins through variants can repeat a product; a subquery keeps each once.
        filtered = super().filter_queryset(queryset)
        return queryset.filter(pk__in=filtered.values("pk"))
