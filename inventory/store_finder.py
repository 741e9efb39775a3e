"""The web store's shop finder: every shop with its address, opening hours and a map link,
and, reached from a product page, that product's stock at each shop today.

A page of its own module: the product page beside it is cached (inventory/views.py), this
one reads live stock.
"""

from urllib.parse import urlencode

from django.shortcuts import render
from django.views.decorators.http import require_safe

from config import divisions
from inventory.models import Location
from inventory.selectors import store_finder_list, store_finder_product

MAP_SEARCH_URL = "https://www.google.com/maps/search/?"


def store_address_text(store: Location) -> str:
    """ "25 Hàng Giấy, Phường Hoàn Kiếm, Thành phố Hà Nội": the 2025 ward and province
    (config.divisions); a shop entered before them shows its city."""
    parts = [store.address]
    if store.province_code:
        parts += [
            divisions.ward_name(province_code=store.province_code, ward_code=store.ward_code),
            divisions.province_name(store.province_code),
        ]
    else:
        parts.append(store.city)
    shown: list[str] = []
    for part in (part.strip() for part in parts if part and part.strip()):
        if part not in ", ".join(shown):  # an address typed with its ward already in it
            shown.append(part)
    return ", ".join(shown)


def store_map_url(store: Location, address: str) -> str:
    """A plain map search link (no script): the shop's coordinates, else its address."""
    if store.latitude is not None and store.longitude is not None:
        query = f"{store.latitude},{store.longitude}"
    else:
        query = ", ".join(part for part in (store.name, address) if part)
    return MAP_SEARCH_URL + urlencode({"api": 1, "query": query})


@require_safe
def store_list(request):
    slug = request.GET.get("product", "")
    product = store_finder_product(slug=slug) if slug else None
    stores = store_finder_list(product=product)
    for store in stores:
        store.address_text = store_address_text(store)
        store.map_url = store_map_url(store, store.address_text)
        store.pickup_today = store.accepts_pickup and any(
            level.available_quantity > 0 for level in getattr(store, "product_stock", ())
        )
    return render(request, "store/stores.html", {"stores": stores, "product": product})
