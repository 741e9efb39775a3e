"""Web store pages of the catalog: home, category, search and product.

They read through the selectors and write nothing. The cart, the wishlist and the
product-viewed record belong to higher apps, reached by URL only (a form's action, a
pixel): inventory imports none of them.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_safe

from config.views import page_not_found
from inventory.models import Category, Product, Variant
from inventory.selectors import (
    product_approved_reviews,
    store_category_list,
    store_location_list,
    store_popular_categories,
    store_product_detail,
    store_product_search,
    store_search_suggestions,
    web_channel,
)

PAGE_SIZE = 48
# At or below this many units a shopper is told the count ("Only 3 left").
FEW_LEFT = 10
FILTER_FIELDS = ("category", "min_price", "max_price", "in_stock", "store", "sort")


@dataclass
class StockLabel:
    """What a shopper is told about what is left online."""

    css: str
    text: str


def _stock_label(available: int) -> StockLabel:
    # Worded here rather than in a template included 48 times: a grid renders in half the time.
    if available <= 0:
        return StockLabel("stock-out", gettext("Sold out"))
    if available <= FEW_LEFT:
        text = ngettext("Only %(count)s left", "Only %(count)s left", available)
        return StockLabel("stock-low", text % {"count": available})
    return StockLabel("stock-in", gettext("In stock"))


@dataclass
class ProductCard:
    """One product of a grid, as a shopper sees it."""

    product: Product
    url: str
    price_amount: Decimal
    compare_at_amount: Decimal | None
    price_varies: bool
    stock: StockLabel
    image_url: str


def _card(
    product: Product, *, low: Decimal | None = None, high: Decimal | None = None
) -> ProductCard:
    """The card of a product; with a price filter, priced by its variants in the range (a
    100,000-200,000 đ filter shows the 150,000 đ jar, not the 30,000 đ sachet)."""
    variants = [
        variant
        for variant in product.store_variants
        if (low is None or variant.price_amount >= low)
        and (high is None or variant.price_amount <= high)
    ] or product.store_variants
    cheapest = min(variants, key=lambda variant: (variant.price_amount, variant.position))
    return ProductCard(
        product=product,
        url=reverse("catalog:product", args=[product.slug]),
        price_amount=cheapest.price_amount,
        compare_at_amount=_compare_at(cheapest),
        price_varies=len({variant.price_amount for variant in variants}) > 1,
        stock=_stock_label(
            sum(max(variant.available_to_sell, 0) for variant in product.store_variants)
        ),
        image_url=default_storage.url(product.image_name) if product.image_name else "",
    )


def _compare_at(variant: Variant) -> Decimal | None:
    """The former price, shown struck through, only when it is above the price."""
    if variant.compare_at_amount and variant.compare_at_amount > variant.price_amount:
        return variant.compare_at_amount
    return None


def _stars(rating) -> str:
    """★★★★☆ for 4 (or 4.5): read out as the words beside it, so hidden from screen readers."""
    full = int(rating)
    return "★" * full + "☆" * (5 - full)


def _not_found(request, reason: str):
    """The store's own 404 page, also with DEBUG on (whose technical page is for unknown
    URLs, not for a product that is no longer sold)."""
    return page_not_found(request, Http404(reason))


def _ancestors(category: Category, categories: list[Category]) -> list[Category]:
    by_id = {node.pk: node for node in categories}
    chain, node = [], by_id.get(category.parent_id)
    while node is not None and node not in chain:
        chain.insert(0, node)
        node = by_id.get(node.parent_id)
    return chain


def _grid(request, template: str, *, category=None, categories=None, needs_query=False, **extra):
    """A page of products with the filter form. Every grid page costs the same handful of
    queries, however many products the catalog holds (tests/inventory/test_store_pages.py)."""
    categories = categories if categories is not None else list(store_category_list())
    filterset = store_product_search(
        params=request.GET,
        channel=web_channel(),
        categories=categories,
        stores=list(store_location_list()),
        category=category,
    )
    # An invalid input is shown as a form error and left out; the valid ones still apply.
    filterset.is_valid()
    cleaned = filterset.form.cleaned_data
    query = cleaned.get("q") or ""
    page = None
    if query or not needs_query:
        page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
        low, high = cleaned.get("min_price"), cleaned.get("max_price")
        page.object_list = [_card(product, low=low, high=high) for product in page.object_list]
    if page is not None and query and page.paginator.count == 0:
        # Nothing found: spelling help from the catalog's own names, and where to look.
        extra = {
            "suggestions": store_search_suggestions(query=query),
            "popular_categories": store_popular_categories(),
            **extra,
        }
    return render(
        request,
        template,
        {
            "filter_form": filterset.form,
            "page": page,
            "query": query,
            "category": category,
            "categories": categories,
            "top_categories": [node for node in categories if node.parent_id is None],
            # Shown unfolded when in use or wrong; on a phone it is folded out of the way.
            "filters_open": bool(filterset.form.errors)
            or any(request.GET.get(name) for name in FILTER_FIELDS),
            **extra,
        },
    )


@require_safe
def home(request):
    """The store front: every product, newest first, with the filters."""
    return _grid(request, "store/catalog/home.html")


@require_safe
def category_detail(request, slug: str):
    categories = list(store_category_list())
    category = next((node for node in categories if node.slug == slug), None)
    if category is None:
        return _not_found(request, "No such category.")
    return _grid(
        request,
        "store/catalog/category.html",
        category=category,
        categories=categories,
        ancestors=_ancestors(category, categories),
        subcategories=[node for node in categories if node.parent_id == category.pk],
    )


@require_safe
def search(request):
    """Products by name (either language, with or without accents), brand or SKU."""
    return _grid(request, "store/catalog/search.html", needs_query=True)


@require_safe
def product_detail(request, slug: str):
    product = store_product_detail(slug=slug, channel=web_channel())
    if product is None:
        return _not_found(request, "No such product.")
    reviews = product_approved_reviews(product=product)
    for variant in product.store_variants:
        variant.compare_at = _compare_at(variant)
        variant.stock = _stock_label(variant.available_to_sell)
    for review in reviews:
        review.stars = _stars(review.rating)
    return render(
        request,
        "store/catalog/product.html",
        {
            "product": product,
            "category": product.category,
            "reviews": reviews,
            "review_count": reviews[0].approved_count if reviews else 0,
            "rating_average": round(reviews[0].rating_average, 1) if reviews else None,
            "rating_stars": _stars(reviews[0].rating_average) if reviews else "",
        },
    )
