"""The web store's page cache: what a catalog page shows that is the same for every shopper.

What is cached: the rendered parts of the product, category, home and search pages that
hold no shopper's data (names, prices, images, the category tree, reviews, stock labels),
rendered *without a request* so that no cart count, CSRF token or log-in state can end up
in them. The header, the forms and everything else per shopper are rendered per request.

Two ways an entry goes stale:

* **Catalog edits show at once.** Every key carries the catalog version; the catalog
  services (products, variants and prices, images, categories; inventory/services/catalog.py)
  and the review service call :func:`store_catalog_changed`, which moves the version once
  their transaction commits. (Not before: a reader between the bump and the commit would
  cache the old rows under the new version.)
* **Stock labels are at most ``STORE_STOCK_SECONDS`` old** (settings, default 15): an entry
  lives that long. Stock moves with every sale and reservation, far too often to invalidate
  on; a shopper may see "Only 3 left" up to that many seconds after the third went. The
  checkout decides on the live stock (the allocation service), never on this page.

The cache is Redis in production (config/cache.py, failing open: Redis down is a miss, and
the pages are rendered from the database as before) and locmem in development and tests.
"""

import hashlib
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import get_language

VERSION_KEY = "store:catalog-version"
# No entry at all (a miss) and "cached: this page is a 404" must differ.
NOT_FOUND = "not-found"


def stock_seconds() -> int:
    """How old a stock label may be, in seconds (also how long any entry lives)."""
    return settings.STORE_STOCK_SECONDS


def catalog_version() -> int:
    """The catalog's current version. A lost key (evicted, Redis restarted) starts a new
    one from the clock, never an old number whose entries may still be cached."""
    version = cache.get(VERSION_KEY)
    if version is None:
        version = time.time_ns()
        # add(): of two processes finding it missing, both use the one that was stored.
        if not cache.add(VERSION_KEY, version, timeout=None):
            version = cache.get(VERSION_KEY) or version
    return version


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # missing (or Redis down): a fresh version from the clock
        cache.set(VERSION_KEY, time.time_ns(), timeout=None)


def store_catalog_changed() -> None:
    """Every cached store page is stale once the current transaction commits (at once
    outside a transaction). Called by the services that change what a page shows."""
    transaction.on_commit(_bump)


def store_page_key(kind: str, *parts: Any) -> str:
    """The key of one page's cached parts: its kind, the catalog version, the language,
    and the parts that name the page (slug, query string), hashed to a safe length."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    return f"store:{kind}:{catalog_version()}:{get_language()}:{digest}"


def store_page_cached(key: str, build: Callable[[], Any]) -> Any:
    """The entry under ``key``, built (and kept for :func:`stock_seconds`) on a miss.
    ``build`` returns ``None`` for a page that does not exist; that is cached too."""
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, NOT_FOUND if value is None else value, timeout=stock_seconds())
        return value
    return None if value == NOT_FOUND else value
