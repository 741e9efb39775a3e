import django_filters
from django import forms
from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from inventory.models import Location, Product, StockLevel, Variant
from inventory.search import search_terms


def search_text_matches(query: str) -> Q:
    """Every word of ``query``, accents folded, appears in the product's ``search_text``
    (names, brand, SKUs). A query without words matches nothing."""
    terms = search_terms(query)
    if not terms:
        return Q(pk__in=[])
    # search_text and the terms are both folded (lower case): a plain LIKE, which
    # PostgreSQL serves from the trigram index on search_text (icontains would compare
    # UPPER(search_text), which that index does not hold).
    return Q(*[Q(search_text__contains=term) for term in terms])


PRICE_LIMIT = 10**12  # đồng; more than any price, and within the column's 14 digits


class StrictBooleanField(forms.Field):
    def to_python(self, value):
        if value in self.empty_values:
            return None
        if value in ("true", "false"):
            return value == "true"
        raise forms.ValidationError(_("Send true or false."), code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    """``true`` or ``false``; anything else is a 400 (django-filter's BooleanFilter reads
    an unknown value as "no filter" and answers as if the parameter had not been sent)."""

    field_class = StrictBooleanField


class LocationFilter(django_filters.FilterSet):
    accepts_pickup = StrictBooleanFilter()

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
    min_price = django_filters.NumberFilter(
        field_name="variants__price_amount", lookup_expr="gte", min_value=0, max_value=PRICE_LIMIT
    )
    max_price = django_filters.NumberFilter(
        field_name="variants__price_amount", lookup_expr="lte", min_value=0, max_value=PRICE_LIMIT
    )

    class Meta:
        model = Product
        fields = ["q", "sku", "barcode", "category", "brand", "min_price", "max_price"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        # A UNION of index reads, not one OR across the variants' join (which no index can
        # serve, so every search read the whole catalog): the names and the folded text
        # from their trigram indexes (PostgreSQL), the SKU in any case from
        # inventory_variant_skuupper_idx, the barcode from its unique index.
        variants = Variant.objects.order_by()
        matching = (
            Product.objects.order_by()
            .filter(
                Q(name__icontains=value) | Q(name_en__icontains=value) | search_text_matches(value)
            )
            .values("pk")
            .union(
                variants.filter(sku__iexact=value).values("product_id"),
                variants.filter(barcode=value).values("product_id"),
            )
        )
        return queryset.filter(pk__in=matching)

    def filter_queryset(self, queryset):
        # Joins through variants can repeat a product; a subquery keeps each once.
        filtered = super().filter_queryset(queryset)
        return queryset.filter(pk__in=filtered.values("pk"))


# --- Web store ----------------------------------------------------------------------------
SORT_CHOICES = [
    ("newest", _("Newest")),
    ("price", _("Price: low to high")),
    ("-price", _("Price: high to low")),
    ("name", _("Name: A to Z")),
]


class StoreCatalogFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        low, high = data.get("min_price"), data.get("max_price")
        if low is not None and high is not None and low > high:
            self.add_error("max_price", _("The highest price is below the lowest price."))
        return data


class StoreCatalogFilter(django_filters.FilterSet):
    """The web store's product grid: search, category, price range, in stock online,
    available at a store, and the sort order.

    Built per request with what the page already loaded, so the filter form costs no
    query of its own: the ``categories`` (all of them, for the tree), the ``stores`` to
    choose from, the store's ``variants`` (annotated with ``available_to_sell``) and,
    on a category page, the ``category``. Invalid inputs are reported by the form and
    ignored by the filtering; the rest still applies.
    """

    q = django_filters.CharFilter(method="filter_q", label=_("Search"), max_length=100)
    category = django_filters.ChoiceFilter(
        method="filter_category", label=_("Category"), empty_label=_("All categories")
    )
    # Both bounds apply to the same variant, in filter_queryset.
    min_price = django_filters.NumberFilter(
        method="filter_nothing",
        label=_("Lowest price (₫)"),
        min_value=0,
        max_value=PRICE_LIMIT,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "numeric"}),
    )
    max_price = django_filters.NumberFilter(
        method="filter_nothing",
        label=_("Highest price (₫)"),
        min_value=0,
        max_value=PRICE_LIMIT,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "numeric"}),
    )
    in_stock = django_filters.BooleanFilter(
        method="filter_in_stock", label=_("In stock online"), widget=forms.CheckboxInput
    )
    store = django_filters.ChoiceFilter(
        method="filter_store", label=_("Available at store"), empty_label=_("Any store")
    )
    sort = django_filters.ChoiceFilter(
        method="filter_nothing", label=_("Sort by"), choices=SORT_CHOICES, empty_label=None
    )

    class Meta:
        model = Product
        fields = []
        form = StoreCatalogFilterForm

    def __init__(
        self, data=None, queryset=None, *, categories, stores, variants, category=None, **kwargs
    ):
        super().__init__(data, queryset, **kwargs)
        self.categories = list(categories)
        self.stores = {store.code: store for store in stores}
        self.variants = variants
        self.category = category
        self.filters["category"].extra["choices"] = [
            (node.slug, node.display_name) for node in self.categories
        ]
        self.filters["store"].extra["choices"] = [
            (store.code, store.name) for store in self.stores.values()
        ]

    def category_ids(self, root_id: int) -> list[int]:
        """The category and every category under it, from the list already loaded."""
        children: dict[int | None, list[int]] = {}
        for node in self.categories:
            children.setdefault(node.parent_id, []).append(node.pk)
        found, pending = [], [root_id]
        while pending:
            node_id = pending.pop()
            if node_id not in found:
                found.append(node_id)
                pending.extend(children.get(node_id, []))
        return found

    def filter_nothing(self, queryset, name, value):
        return queryset

    def filter_q(self, queryset, name, value):
        return queryset.filter(search_text_matches(value))

    def filter_category(self, queryset, name, value):
        node = next(node for node in self.categories if node.slug == value)
        return queryset.filter(category_id__in=self.category_ids(node.pk))

    def filter_in_stock(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            pk__in=self.variants.filter(available_to_sell__gt=0).values("product_id")
        )

    def filter_store(self, queryset, name, value):
        free = (
            StockLevel.objects.filter(
                location=self.stores[value], variant__is_active=True, on_hand__gt=F("reserved")
            )
        ).values("variant__product_id")
        return queryset.filter(pk__in=free)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if self.category is not None:
            queryset = queryset.filter(category_id__in=self.category_ids(self.category.pk))
        low, high = data.get("min_price"), data.get("max_price")
        if low is not None or high is not None:
            priced = Variant.objects.filter(is_active=True)
            if low is not None:
                priced = priced.filter(price_amount__gte=low)
            if high is not None:
                priced = priced.filter(price_amount__lte=high)
            queryset = queryset.filter(pk__in=priced.values("product_id"))
        return self.sorted(queryset, data.get("sort") or "newest")

    def sorted(self, queryset, sort: str):
        if sort in ("price", "-price"):
            cheapest = (
                Variant.objects.filter(product=OuterRef("pk"), is_active=True)
                .order_by("price_amount")
                .values("price_amount")[:1]
            )
            price = F("sort_price")
            ordering = (
                price.asc(nulls_last=True) if sort == "price" else price.desc(nulls_last=True)
            )
            return queryset.alias(sort_price=Subquery(cheapest)).order_by(ordering, "pk")
        if sort == "name":
            if (get_language() or "vi").startswith("vi"):
                # The search text starts with the name without its accents: ă, â, ơ and the
                # rest sort with their base letter instead of after z.
                return queryset.order_by("search_text", "name", "pk")
            english = Coalesce(NullIf("name_en", Value("")), "name")
            return queryset.alias(sort_name=Lower(english)).order_by("sort_name", "pk")
        return queryset.order_by("-created_at", "-pk")
