"""Orders the webhooks missed: pulled from the platform since the last update seen, or
imported from a CSV by shops without API access. Both go through ``order_doc_apply``."""

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from config.api.errors import DomainError
from orders.marketplaces.adapters import OrderDoc, OrderLineDoc, PlatformStatus, adapter_for
from orders.marketplaces.exceptions import ListingImportInvalid
from orders.marketplaces.models import MarketplaceShop
from orders.marketplaces.services.orders_in import order_doc_apply

PULL_OVERLAP = timedelta(minutes=2)
FIRST_PULL = timedelta(days=1)
ORDER_CSV_COLUMNS = (
    "external_ref", "status", "placed_at", "item_id", "model_id", "quantity",
    "unit_price", "buyer_phone", "buyer_name",
)  # fmt: skip


def shop_orders_pull(*, shop: MarketplaceShop, now: datetime | None = None) -> int:
    """Fetch the orders updated since the shop's cursor (a little before it: a platform's
    clock and its indexing lag) and apply each; move the cursor. Returns how many."""
    now = now or timezone.now()
    since = (shop.orders_synced_to or now - FIRST_PULL) - PULL_OVERLAP
    docs = adapter_for(shop).fetch_orders_since(since, now)
    for doc in sorted(docs, key=lambda doc: doc.updated_at):
        order_doc_apply(shop=shop, doc=doc)
    MarketplaceShop.objects.filter(pk=shop.pk).update(orders_synced_to=now)
    return len(docs)


def orders_import_csv(*, shop: MarketplaceShop, file) -> dict:
    """Orders of a shop without API access, one line per order line (``external_ref, status,
    placed_at, item_id, model_id, quantity, unit_price, buyer_phone, buyer_name``).
    Returns ``{"applied": n, "held": n, "errors": [{"external_ref", "detail"}]}``."""
    text = file.read()
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig", "replace")
    reader = csv.DictReader(io.StringIO(text))
    missing = set(ORDER_CSV_COLUMNS) - set(reader.fieldnames or [])
    if missing:
        raise ListingImportInvalid(
            _("Columns missing: %(columns)s.") % {"columns": ", ".join(sorted(missing))}
        )
    grouped: dict[str, list[dict]] = {}
    for row in reader:
        grouped.setdefault(row["external_ref"].strip(), []).append(row)
    result = {"applied": 0, "held": 0, "errors": []}
    for ref, rows in grouped.items():
        try:
            first = rows[0]
            placed_at = datetime.fromisoformat(first["placed_at"].strip())
            if timezone.is_naive(placed_at):
                placed_at = timezone.make_aware(placed_at)
            status = first["status"].strip().lower()
            if status not in PlatformStatus.RANK:
                raise ValueError(f"unknown status {status!r}")
            doc = OrderDoc(
                external_ref=ref,
                status=status,
                placed_at=placed_at,
                updated_at=placed_at,
                lines=[
                    OrderLineDoc(
                        item_id=row["item_id"].strip(),
                        model_id=(row.get("model_id") or "").strip(),
                        quantity=int(row["quantity"]),
                        unit_price_amount=Decimal(row["unit_price"].strip()),
                    )
                    for row in rows
                ],
                buyer_phone=first.get("buyer_phone", "").strip(),
                buyer_name=first.get("buyer_name", "").strip(),
            )
            applied = order_doc_apply(shop=shop, doc=doc)
        except (ValueError, KeyError, InvalidOperation) as error:
            result["errors"].append({"external_ref": ref, "detail": str(error)})
            continue
        except DomainError as error:
            result["errors"].append({"external_ref": ref, "detail": error.detail})
            continue
        result["applied" if applied.order else "held"] += 1
    return result
