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
from django.template.loader import render_to_string
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
from inventory.store_cache import store_page_cached, store_page_key

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


def _grid_body(params, body: str, *, category=None, categories=None, needs_query=False, **extra):
    """The parts of a page of products with the filter form that every shopper sees alike:
    ``{"body": html, "query": ...}``. Rendered without the request, so nothing of a shopper
    can be in it (inventory/store_cache.py). Every grid page costs the same handful of
    queries on a miss, however many products the catalog holds
    (tests/inventory/test_store_pages.py)."""
    categories = categories if categories is not None else list(store_category_list())
    filterset = store_product_search(
        params=params,
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
        page = Paginator(filterset.qs, PAGE_SIZE).get_page(params.get("page"))
        low, high = cleaned.get("min_price"), cleaned.get("max_price")
        page.object_list = [_card(product, low=low, high=high) for product in page.object_list]
    if page is not None and query and page.paginator.count == 0:
        # Nothing found: spelling help from the catalog's own names, and where to look.
        extra = {
            "suggestions": store_search_suggestions(query=query),
            "popular_categories": store_popular_categories(),
            **extra,
        }
    html = render_to_string(
        body,
        {
            "params": params,
            "filter_form": filterset.form,
            "page": page,
            "query": query,
            "category": category,
            "categories": categories,
            "top_categories": [node for node in categories if node.parent_id is None],
            # Shown unfolded when in use or wrong; on a phone it is folded out of the way.
            "filters_open": bool(filterset.form.errors)
            or any(params.get(name) for name in FILTER_FIELDS),
            **extra,
        },
    )
    return {"body": html, "query": query}


def _cached_grid(request, kind: str, *parts, build):
    """A grid page's cached parts, keyed by what names the page and its whole query string."""
    key = store_page_key(kind, *parts, sorted(request.GET.lists()))
    return store_page_cached(key, build)


@require_safe
def home(request):
    """The store front: every product, newest first, with the filters."""
    entry = _cached_grid(
        request, "home", build=lambda: _grid_body(request.GET, "store/catalog/_home_body.html")
    )
    return render(request, "store/catalog/home.html", entry)


def _category_page(params, slug: str) -> dict | None:
    categories = list(store_category_list())
    category = next((node for node in categories if node.slug == slug), None)
    if category is None:
        return None
    entry = _grid_body(
        params,
        "store/catalog/_category_body.html",
        category=category,
        categories=categories,
        ancestors=_ancestors(category, categories),
        subcategories=[node for node in categories if node.parent_id == category.pk],
    )
    return {**entry, "title": category.display_name}


@require_safe
def category_detail(request, slug: str):
    entry = _cached_grid(request, "category", slug, build=lambda: _category_page(request.GET, slug))
    if entry is None:
        return _not_found(request, "No such category.")
    return render(request, "store/catalog/category.html", entry)


@require_safe
def search(request):
    """Products by name (either language, with or without accents), brand or SKU."""
    entry = _cached_grid(
        request,
        "search",
        build=lambda: _grid_body(request.GET, "store/catalog/_search_body.html", needs_query=True),
    )
    return render(request, "store/catalog/search.html", entry)


def _product_page(slug: str) -> dict | None:
    """The parts of a product page that every shopper sees alike, rendered without the
    request; what the per-request forms need of each variant beside them."""
    product = store_product_detail(slug=slug, channel=web_channel())
    if product is None:
        return None
    reviews = product_approved_reviews(product=product)
    for review in reviews:
        review.stars = _stars(review.rating)
    context = {
        "product": product,
        "category": product.category,
        "reviews": reviews,
        "review_count": reviews[0].approved_count if reviews else 0,
        "rating_average": round(reviews[0].rating_average, 1) if reviews else None,
        "rating_stars": _stars(reviews[0].rating_average) if reviews else "",
    }
    variants = []
    for variant in product.store_variants:
        variant.compare_at = _compare_at(variant)
        variant.stock = _stock_label(variant.available_to_sell)
        variants.append(
            {
                "pk": variant.pk,
                "name": variant.name,
                "available": variant.available_to_sell,
                "info": render_to_string(
                    "store/catalog/product/_variant.html", {"variant": variant, "product": product}
                ),
            }
        )
    return {
        "pk": product.pk,
        "title": product.display_name,
        "breadcrumbs": render_to_string("store/catalog/product/_breadcrumbs.html", context),
        "images": render_to_string("store/catalog/product/_images.html", context),
        "summary": render_to_string("store/catalog/product/_summary.html", context),
        "variants": variants,
        "reviews": render_to_string("store/catalog/product/_reviews.html", context),
    }


@require_safe
def product_detail(request, slug: str):
    page = store_page_cached(store_page_key("product", slug), lambda: _product_page(slug))
    if page is None:
        return _not_found(request, "No such product.")
    return render(request, "store/catalog/product.html", {"page": page})
