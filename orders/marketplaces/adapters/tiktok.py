"""TikTok Shop Partner API (202309 versions).

API calls carry ``app_key``, ``timestamp`` and ``sign`` = hex HMAC-SHA256 (app secret) of
``secret + path + sorted(name + value, without sign and access_token) + body + secret``; the
token travels in ``x-tts-access-token``. Webhooks carry ``Authorization`` = hex HMAC-SHA256
(app secret) of ``app_key + body``; an order status change is ``type`` 1 with
``tts_notification_id`` and ``data.order_id`` / ``data.order_status``. Stock is set per
product (its SKUs).

Follows the public shapes; exercised by unit tests of signatures and notices, not by the
simulator (which speaks Shopee and Lazada).
"""

import json
import time
from collections import defaultdict
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
    RateLimited,
    StockUpdate,
    hmac_sha256_hex,
    signatures_match,
)

STATUSES = {
    "UNPAID": PlatformStatus.CREATED,
    "ON_HOLD": PlatformStatus.PAID,
    "AWAITING_SHIPMENT": PlatformStatus.PAID,
    "AWAITING_COLLECTION": PlatformStatus.PAID,
    "IN_TRANSIT": PlatformStatus.SHIPPED,
    "DELIVERED": PlatformStatus.DELIVERED,
    "COMPLETED": PlatformStatus.DELIVERED,
    "CANCELLED": PlatformStatus.CANCELLED,
}
ORDER_STATUS_CHANGE = 1


class TikTokAdapter(MarketplaceAdapter):
    platform = "tiktok"
    max_batch = 100

    def sign(self, path: str, params: dict, body: str = "") -> str:
        pairs = "".join(
            f"{key}{params[key]}" for key in sorted(params) if key not in ("sign", "access_token")
        )
        return hmac_sha256_hex(self.secret, f"{self.secret}{path}{pairs}{body}{self.secret}")

    def _call(self, method: str, path: str, *, params=None, payload=None) -> dict:
        query = {
            "app_key": self.partner_id,
            "timestamp": str(int(time.time())),
            "shop_cipher": self.shop.shop_id,
            **(params or {}),
        }
        body = json.dumps(payload) if payload is not None else ""
        query["sign"] = self.sign(path, query, body)
        data = self._http(
            method,
            path,
            params=query,
            body=body or None,
            headers={"x-tts-access-token": self.access_token},
        )
        code = data.get("code", 0)
        if code == 36009004:  # too many requests
            raise RateLimited(data.get("message", "rate limited"))
        if code:
            raise PlatformError(f"tiktok {path}: {code}: {data.get('message', '')}")
        return data.get("data") or {}

    def verify_webhook(self, *, url: str, body: bytes, headers) -> bool:
        expected = hmac_sha256_hex(self.webhook_secret, self.partner_id.encode() + body)
        return signatures_match(expected, headers.get("Authorization"))

    def event_id(self, *, body: bytes, payload: dict) -> str:
        return str(
            payload.get("tts_notification_id") or super().event_id(body=body, payload=payload)
        )

    def parse_notice(self, payload: dict) -> OrderNotice | None:
        data = payload.get("data") or {}
        if payload.get("type") != ORDER_STATUS_CHANGE or not data.get("order_id"):
            return None
        status = str(data.get("order_status", ""))
        return OrderNotice(
            external_ref=str(data["order_id"]), status=STATUSES.get(status), platform_status=status
        )

    def _doc(self, order: dict) -> OrderDoc:
        grouped: dict[ListingKey, list[dict]] = defaultdict(list)
        for item in order.get("line_items", []):  # one row per unit
            grouped[(str(item["product_id"]), str(item["sku_id"]))].append(item)
        address = order.get("recipient_address") or {}
        return OrderDoc(
            external_ref=str(order["id"]),
            status=STATUSES.get(order.get("status", "")),
            placed_at=datetime.fromtimestamp(int(order["create_time"]), tz=UTC),
            updated_at=datetime.fromtimestamp(
                int(order.get("update_time") or order["create_time"]), tz=UTC
            ),
            lines=[
                OrderLineDoc(
                    item_id=item_id,
                    model_id=sku_id,
                    quantity=len(units),
                    unit_price_amount=Decimal(str(units[0]["sale_price"])),
                    seller_sku=units[0].get("seller_sku", ""),
                    name=units[0].get("product_name", ""),
                )
                for (item_id, sku_id), units in grouped.items()
            ],
            buyer_id=str(order.get("user_id") or ""),
            buyer_name=address.get("name", ""),
            buyer_phone=address.get("phone_number", ""),
            buyer_email=order.get("buyer_email", ""),
            shipping_address={"full_address": address.get("full_address", "")},
            shipping_amount=Decimal(str((order.get("payment") or {}).get("shipping_fee") or 0)),
            raw=order,
        )

    def fetch_order(self, external_ref: str) -> OrderDoc:
        orders = self._call("GET", "/order/202309/orders", params={"ids": external_ref}).get(
            "orders", []
        )
        if not orders:
            raise PlatformError(f"tiktok: order {external_ref} not found")
        return self._doc(orders[0])

    def fetch_orders_since(self, since: datetime, until: datetime) -> list[OrderDoc]:
        docs, token = [], ""
        while True:
            params = {"page_size": 50, **({"page_token": token} if token else {})}
            data = self._call(
                "POST",
                "/order/202309/orders/search",
                params=params,
                payload={
                    "update_time_ge": int(since.timestamp()),
                    "update_time_lt": int(until.timestamp()),
                },
            )
            docs += [self._doc(order) for order in data.get("orders", [])]
            token = data.get("next_page_token", "")
            if not token:
                return docs

    def stock_batches(self, updates: list[StockUpdate]) -> list[list[StockUpdate]]:
        by_product: dict[str, list[StockUpdate]] = defaultdict(list)
        for update in sorted(updates, key=lambda update: update.key):
            by_product[update.item_id].append(update)
        return [
            skus[i : i + self.max_batch]
            for skus in by_product.values()
            for i in range(0, len(skus), self.max_batch)
        ]

    def push_stock_batch(self, batch: list[StockUpdate]) -> dict[ListingKey, str]:
        product_id = batch[0].item_id
        self._call(
            "POST",
            f"/product/202309/products/{product_id}/inventory/update",
            payload={
                "skus": [
                    {"id": update.model_id, "inventory": [{"quantity": update.quantity}]}
                    for update in batch
                ]
            },
        )
        return {update.key: "" for update in batch}

    def fetch_listing_quantities(self, keys: list[ListingKey]) -> dict[ListingKey, int]:
        found: dict[ListingKey, int] = {}
        for product_id in sorted({item_id for item_id, _sku in keys}):
            data = self._call("GET", f"/product/202309/products/{product_id}")
            for sku in data.get("skus", []):
                found[(product_id, str(sku["id"]))] = sum(
                    entry.get("quantity", 0) for entry in sku.get("inventory", [])
                )
        return {key: found[key] for key in keys if key in found}
