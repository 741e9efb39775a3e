"""Tiki Open API (and TikiNOW webhooks).

Webhooks carry ``x-signature: sha1=<hex HMAC-SHA1 (webhook secret) of the body>``; the
order webhook's ``data`` holds ``order_code`` and ``status``. API calls are OAuth2 bearer
calls (``Authorization: Bearer <token>``) to ``/integration/v2/orders/<code>`` and the
seller inventory endpoints; stock is set per seller SKU.

Follows the public shapes; exercised by unit tests of signatures and notices, not by the
simulator (which speaks Shopee and Lazada).
"""

import hashlib
import hmac
import json
from datetime import UTC, datetime
from decimal import Decimal

from orders.marketplaces.adapters.base import (
    ListingKey,
    MarketplaceAdapter,
    OrderDoc,
    OrderLineDoc,
    OrderNotice,
    PlatformError,
    PlatformStatus,
    StockUpdate,
    signatures_match,
)

STATUSES = {
    "queueing": PlatformStatus.CREATED,
    "processing": PlatformStatus.PAID,
    "waiting_payment": PlatformStatus.CREATED,
    "seller_confirmed": PlatformStatus.PAID,
    "picking": PlatformStatus.PAID,
    "packaging": PlatformStatus.PAID,
    "ready_to_ship": PlatformStatus.PAID,
    "shipping": PlatformStatus.SHIPPED,
    "delivered": PlatformStatus.DELIVERED,
    "successful_delivery": PlatformStatus.DELIVERED,
    "complete": PlatformStatus.DELIVERED,
    "canceled": PlatformStatus.CANCELLED,
    "returned": PlatformStatus.RETURNED,
}


def _when(value) -> datetime:
    return datetime.fromisoformat(str(value).replace(" ", "T")).astimezone(UTC)


class TikiAdapter(MarketplaceAdapter):
    platform = "tiki"
    max_batch = 50

    def _call(self, method: str, path: str, *, params=None, payload=None) -> dict:
        return self._http(
            method,
            path,
            params=params,
            body=json.dumps(payload) if payload is not None else None,
            headers={"Authorization": f"Bearer {self.access_token}"},
        )

    def verify_webhook(self, *, url: str, body: bytes, headers) -> bool:
        digest = hmac.new(self.webhook_secret.encode(), body, hashlib.sha1).hexdigest()
        return signatures_match(f"sha1={digest}", headers.get("x-signature"))

    def parse_notice(self, payload: dict) -> OrderNotice | None:
        data = payload.get("data") or {}
        if not data.get("order_code") or data.get("type") in ("cr", "fd"):
            return None
        status = str(data.get("status", "")).lower()
        return OrderNotice(
            external_ref=str(data["order_code"]),
            status=STATUSES.get(status),
            platform_status=status,
        )

    def fetch_order(self, external_ref: str) -> OrderDoc:
        order = self._call("GET", f"/integration/v2/orders/{external_ref}")
        if not order.get("code"):
            raise PlatformError(f"tiki: order {external_ref} not found")
        shipping = order.get("shipping") or {}
        return OrderDoc(
            external_ref=str(order["code"]),
            status=STATUSES.get(str(order.get("status", "")).lower()),
            placed_at=_when(order["created_at"]),
            updated_at=_when(order.get("updated_at") or order["created_at"]),
            lines=[
                OrderLineDoc(
                    item_id=str(item["product"]["id"]),
                    model_id="",
                    quantity=int(item["qty"]),
                    unit_price_amount=Decimal(str(item["price"])),
                    seller_sku=item["product"].get("seller_product_code", ""),
                    name=item["product"].get("name", ""),
                )
                for item in order.get("items", [])
            ],
            buyer_id=str((order.get("customer") or {}).get("id") or ""),
            buyer_name=shipping.get("name", ""),
            buyer_phone=shipping.get("phone", ""),
            shipping_address={"street": shipping.get("street", "")},
            raw=order,
        )

    def fetch_orders_since(self, since: datetime, until: datetime) -> list[OrderDoc]:
        data = self._call(
            "GET",
            "/integration/v2/orders",
            params={
                "updated_from_date": since.isoformat(),
                "updated_to_date": until.isoformat(),
                "limit": 100,
            },
        )
        return [self.fetch_order(str(order["code"])) for order in data.get("data", [])]

    def push_stock_batch(self, batch: list[StockUpdate]) -> dict[ListingKey, str]:
        self._call(
            "POST",
            "/integration/v2.1/products/updateSku",
            payload={
                "skus": [
                    {
                        "original_sku": update.seller_sku or update.item_id,
                        "quantity": update.quantity,
                    }
                    for update in batch
                ]
            },
        )
        return {update.key: "" for update in batch}

    def fetch_listing_quantities(self, keys: list[ListingKey]) -> dict[ListingKey, int]:
        found: dict[ListingKey, int] = {}
        for item_id in sorted({item_id for item_id, _model in keys}):
            product = self._call("GET", f"/integration/v2/products/{item_id}")
            found[(item_id, "")] = int((product.get("inventory") or {}).get("quantity_sellable", 0))
        return {key: found[key] for key in keys if key in found}
