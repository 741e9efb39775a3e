"""Reads of the web store: what it sells, its pages, search suggestions and store finder."""

import difflib
from dataclasses import dataclass

from django.db.models import (
    Avg,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)

from inventory.filters import StoreCatalogFilter
from inventory.models import (
    Category,
    Location,
    Product,
    ProductImage,
    SalesChannel,
    StockLevel,
    Variant,
)
from inventory.search import search_fold, search_terms
from inventory.selectors.stock import variant_availability_by_location, variant_available_to_sell

# How close (difflib's ratio, 0 to 1) a catalog name must be to a query to be suggested.
SUGGESTION_CUTOFF = 0.7


REVIEWS_SHOWN = 20


def web_channel() -> SalesChannel | None:
    """The web store's sales channel: the first active one of kind web."""
    return (
        SalesChannel.objects.filter(kind=SalesChannel.Kind.WEB, is_active=True)
        .order_by("pk")
        .first()
    )


def store_variant_list(*, channel: SalesChannel | None) -> QuerySet[Variant]:
    """What the web store sells: :func:`variant_available_to_sell` on its channel (none of
    it available when the store has no channel yet)."""
    if channel is not None:
        return variant_available_to_sell(channel=channel)
    return (
        Variant.objects.filter(is_active=True, product__is_active=True)
        .select_related("product")
        .annotate(available_to_sell=Value(0, output_field=IntegerField()))
        .order_by("pk")
    )


def store_category_list() -> QuerySet[Category]:
    """Every category, in menu order (the tree is small; pages walk it in memory)."""
    return Category.objects.order_by("position", "name", "pk")


def store_location_list() -> QuerySet[Location]:
    """The shops a shopper can walk into."""
    return Location.objects.filter(is_active=True, kind=Location.Kind.STORE).order_by("name", "pk")


def store_product_list(*, variants: QuerySet[Variant]) -> QuerySet[Product]:
    """Active products with an active variant, for the store's grid: their sellable
    ``variants`` prefetched as ``store_variants`` (with ``available_to_sell``) and the
    first image's file name annotated as ``image_name``. A page of them is two queries."""
    first_image = (
        ProductImage.objects.filter(product=OuterRef("pk"))
        .order_by("position", "pk")
        .values("image")[:1]
    )
    return (
        Product.objects.filter(
            Exists(Variant.objects.filter(product=OuterRef("pk"), is_active=True)),
            is_active=True,
        )
        # Only what a card shows: a page is 48 products and three times as many variants.
        .only("pk", "slug", "name", "name_en")
        .annotate(image_name=Subquery(first_image))
        .prefetch_related(
            Prefetch(
                "variants",
                queryset=variants.select_related(None)
                .only("pk", "product_id", "price_amount", "compare_at_amount", "position")
                .order_by("position", "pk"),
                to_attr="store_variants",
            )
        )
        .order_by("name", "pk")
    )


def store_product_search(
    *,
    params,
    channel: SalesChannel | None,
    categories: list[Category],
    stores: list[Location],
    category: Category | None = None,
) -> StoreCatalogFilter:
    """The store's grid for the query ``params`` (search, filters, sort) as a bound
    :class:`StoreCatalogFilter`: ``.qs`` are the products, ``.form`` the filter form with
    its errors. ``categories`` and ``stores`` are the lists the page already holds."""
    variants = store_variant_list(channel=channel)
    return StoreCatalogFilter(
        params,
        queryset=store_product_list(variants=variants),
        categories=categories,
        stores=stores,
        variants=variants,
        category=category,
    )


def store_product_detail(*, slug: str, channel: SalesChannel | None) -> Product | None:
    """An active product for its store page (None if there is none, or nothing of it is for
    sale), in four queries: ``store_variants`` (with ``available_to_sell`` online, and
    ``store_availability``: the stock levels at the shops, with ``available_quantity``),
    and ``store_images``."""
    variants = list(
        store_variant_list(channel=channel)
        .filter(product__slug=slug)
        .select_related("product__category")
        .order_by("position", "pk")
    )
    if not variants:
        return None
    product = variants[0].product
    at_stores: dict[int, list[StockLevel]] = {}
    levels = variant_availability_by_location(variants=[variant.pk for variant in variants])
    for level in levels.filter(location__kind=Location.Kind.STORE):
        at_stores.setdefault(level.variant_id, []).append(level)
    for variant in variants:
        variant.product = product
        variant.store_availability = at_stores.get(variant.pk, [])
    product.store_variants = variants
    product.store_images = list(product.images.order_by("position", "pk"))
    return product


def product_approved_reviews(*, product: Product) -> list:
    """The latest approved reviews of ``product``, newest first, each carrying
    ``approved_count`` and ``rating_average`` over all the approved ones: one query.

    Read through the reverse relation ``product.reviews``: inventory imports nothing of
    customers (the imports lean one way, docs/architecture.md)."""
    approved = product.reviews.filter(status="approved")
    return list(
        approved.annotate(
            approved_count=Window(Count("pk")), rating_average=Window(Avg("rating"))
        ).order_by("-created_at", "-pk")[:REVIEWS_SHOWN]
    )


@dataclass(frozen=True)
class SearchSuggestions:
    """Spelling help for a search that found nothing: a corrected query and close products."""

    query: str  # the shopper's words corrected from the catalog's ("" if none changed)
    products: list[Product]


def store_search_suggestions(*, query: str, limit: int = 5) -> SearchSuggestions:
    """Products whose names are close to ``query`` ("thit truo" → "Thịt trâu gác bếp").

    Compared without accents (``search_fold``) with :mod:`difflib`, over the active products'
    names in both languages: one query, fine for a shop's catalog of a few thousand
    products, and the same on SQLite and PostgreSQL.
    """
    terms = search_terms(query)
    if not terms:
        return SearchSuggestions(query="", products=[])
    products = list(
        Product.objects.filter(
            Exists(Variant.objects.filter(product=OuterRef("pk"), is_active=True)),
            is_active=True,
        ).only("pk", "slug", "name", "name_en")
    )
    wanted = " ".join(terms)
    vocabulary: set[str] = set()
    scored = []
    for product in products:
        best = 0.0
        for name in (product.name, product.name_en):
            words = search_fold(name).split()
            vocabulary.update(words)
            # The query against each run of as many words of the name ("thit truo" against
            # "thit trau", "trau gac", "gac bep"), so a short query can match a long name.
            for start in range(max(1, len(words) - len(terms) + 1)):
                window = " ".join(words[start : start + len(terms)])
                best = max(best, difflib.SequenceMatcher(None, wanted, window).ratio())
        if best >= SUGGESTION_CUTOFF:
            scored.append((-best, product.name, product))
    corrected = [
        next(iter(difflib.get_close_matches(term, vocabulary, n=1, cutoff=SUGGESTION_CUTOFF)), term)
        for term in terms
    ]
    return SearchSuggestions(
        query=" ".join(corrected) if corrected != terms else "",
        products=[product for *_key, product in sorted(scored, key=lambda row: row[:2])][:limit],
    )


def store_popular_categories(*, limit: int = 6) -> list[Category]:
    """Top-level categories with the most products for sale, for an empty search page."""
    return list(
        Category.objects.filter(parent__isnull=True)
        .annotate(
            product_count=Count("products", filter=Q(products__is_active=True), distinct=True)
        )
        .filter(product_count__gt=0)
        .order_by("-product_count", "position", "name")[:limit]
    )


def store_finder_product(*, slug: str) -> Product | None:
    """The active product a store-finder link names (None for an unknown or retired one)."""
    return (
        Product.objects.filter(slug=slug, is_active=True)
        .only("pk", "slug", "name", "name_en")
        .first()
    )


def store_finder_list(*, product: Product | None = None) -> list[Location]:
    """The shops a shopper can walk into (:func:`store_location_list`); with a ``product``,
    each has ``product_stock``: its active variants' stock levels there, with
    ``available_quantity`` (what the shop's shelf has free now, as the product page says).
    Two queries, whatever the number of shops."""
    stores = list(store_location_list())
    if product is None:
        return stores
    variants = Variant.objects.filter(product=product, is_active=True)
    levels = (
        variant_availability_by_location(variants=variants)
        .filter(location__kind=Location.Kind.STORE)
        .order_by("variant__position", "variant_id")
    )
    at_store: dict[int, list[StockLevel]] = {}
    for level in levels:
        at_store.setdefault(level.location_id, []).append(level)
    for store in stores:
        store.product_stock = at_store.get(store.pk, [])
    return stores
