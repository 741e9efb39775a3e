"""POS catalog: product lookup (the inventory search, scoped to the terminal's store) and
the offline catalog sync."""

import re
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.renderers import JSONRenderer

from inventory.api.serializers import ProductSearchOutput, product_search_context
from inventory.api.views import PRODUCT_SEARCH_PARAMETERS
from inventory.selectors import product_search_list, variant_sync_page
from orders.api.base import TerminalApi
from orders.api.serializers import CatalogPageOutput
from orders.api.serializers.catalog import catalog_page_lean, epoch_datetime

CATALOG_PAGE_DEFAULT = 1000
CATALOG_PAGE_MAX = 5000


@extend_schema(
    tags=["pos"],
    summary="Look up products by barcode, SKU or text, with stock here and elsewhere",
    parameters=PRODUCT_SEARCH_PARAMETERS,
)
class PosProductSearchApi(TerminalApi, ListAPIView):
    """Products for the till: price, what this store has (`availability.here`) and what the
    other stores and the warehouse have (`availability.elsewhere`)."""

    serializer_class = ProductSearchOutput
    filter_backends = []  # the selector applies ProductSearchFilter

    def get_queryset(self):
        return product_search_list(params=self.request.query_params)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        context = {
            **self.get_serializer_context(),
            **product_search_context(products=page, here=request.auth.location),
        }
        return self.get_paginated_response(
            ProductSearchOutput(page, many=True, context=context).data
        )


# "<microseconds since 1970>.<variant id>": 16 digits reach the year 2286, 18 stay in a bigint.
CURSOR = r"\d{1,16}\.\d{1,18}"


def cursor_read(value: str) -> tuple[datetime, int] | None:
    if not value:
        return None
    if not re.fullmatch(CURSOR, value, re.ASCII):
        raise ValidationError(
            {"since": ["Send back the next_since of the previous page, or nothing to start."]}
        )
    micros, pk = value.split(".")
    return datetime.fromtimestamp(int(micros) / 1_000_000, tz=UTC), int(pk)


def cursor_write(moment: datetime, pk: int) -> str:
    return f"{round(moment.timestamp() * 1_000_000)}.{pk}"


@extend_schema(
    tags=["pos"],
    summary="Sync the catalog for offline selling",
    parameters=[
        OpenApiParameter(
            "since",
            {"type": "string", "pattern": f"^(?:{CURSOR})?$"},
            description="`next_since` of the last page; empty or left out: from the start.",
        ),
        OpenApiParameter(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": CATALOG_PAGE_MAX},
            description=f"Page size, 1 to {CATALOG_PAGE_MAX} (default {CATALOG_PAGE_DEFAULT}).",
        ),
    ],
    responses=CatalogPageOutput,
)
class PosCatalogSyncApi(TerminalApi):
    """Every variant (SKU, barcode, name, price, on sale or not) changed since the cursor,
    oldest first, a page at a time, for a till to sell from while offline. Deliveries are
    at least once: the cursor never passes the last `CATALOG_SYNC_LAG` seconds, so a change
    whose transaction committed late is sent again rather than skipped; tills upsert by SKU."""

    def get(self, request):
        after = cursor_read(request.query_params.get("since", ""))
        raw_limit = request.query_params.get("limit", str(CATALOG_PAGE_DEFAULT))
        limit = int(raw_limit) if raw_limit.isascii() and raw_limit.isdigit() else -1
        if not 1 <= limit <= CATALOG_PAGE_MAX:
            raise ValidationError({"limit": [f"Between 1 and {CATALOG_PAGE_MAX}."]})
        variants = variant_sync_page(after=after, limit=limit + 1)
        has_more = len(variants) > limit
        variants = variants[:limit]
        if variants:
            last = variants[-1]
            cursor = (epoch_datetime(last.updated_us), last.id)
        else:
            cursor = after or (datetime.fromtimestamp(0, tz=UTC), 0)
        # Changes inside the lag window may still have transactions committing behind them:
        # stop the cursor before it, so the next call sends that window again.
        horizon = timezone.now() - timedelta(seconds=settings.CATALOG_SYNC_LAG_SECONDS)
        if cursor[0] > horizon:
            cursor = max(after or (horizon, 0), (horizon, 0))
            # What lies past the horizon comes again on the next call, once it has aged.
            has_more = False
        # CatalogPageOutput's JSON, built without a serializer per variant, and encoded here
        # rather than by a DRF Response: a Response keeps the page's 5,000 dicts (in a
        # reference cycle with the view) until the next garbage collection, so a till's
        # walk held several pages at once; the bytes alone are 1.3 MB a page.
        page = {
            "results": catalog_page_lean(variants),
            "next_since": cursor_write(*cursor),
            "has_more": has_more,
        }
        return HttpResponse(JSONRenderer().render(page), content_type="application/json")
