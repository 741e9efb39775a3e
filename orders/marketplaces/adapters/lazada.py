"""Lazada Open Platform.

API calls carry ``app_key``, ``timestamp`` (ms), ``sign_method=sha256``, ``access_token`` and
``sign`` = upper-case hex HMAC-SHA256 (app secret) of the API path followed by every
parameter, sorted by name, as ``name + value``. Push messages (Lazada Push Mechanism) carry
``Authorization`` = hex HMAC-SHA256 (app secret) of ``app_key + body``; a trade order
message has ``data.trade_order_id``, ``data.order_status`` and ``data.status_update_time``.
Stock is set with ``/product/stock/sellable/update``: at most 50 SKUs per call.
"""

import time
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from xml.etree import ElementTree

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
    "unpaid": PlatformStatus.CREATED,
    "pending": PlatformStatus.PAID,
    "packed": PlatformStatus.PAID,
    "ready_to_ship": PlatformStatus.PAID,
    "ready_to_ship_pending": PlatformStatus.PAID,
    "shipped": PlatformStatus.SHIPPED,
    "delivered": PlatformStatus.DELIVERED,
    "confirmed": PlatformStatus.DELIVERED,
    "canceled": PlatformStatus.CANCELLED,
    "cancelled": PlatformStatus.CANCELLED,
    "returned": PlatformStatus.RETURNED,
    "shipped_back": PlatformStatus.RETURNED,
    "shipped_back_success": PlatformStatus.RETURNED,
    "failed_delivery": PlatformStatus.RETURNED,
}
RATE_LIMIT_CODES = {"ApiCallLimit", "AppCallLimit", "SellerCallLimit"}


def _when(value) -> datetime:
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    return datetime.fromisoformat(str(value).replace(" ", "T")).astimezone(UTC)


class LazadaAdapter(MarketplaceAdapter):
    platform = "lazada"
    max_batch = 50

    def sign(self, api_path: str, params: dict) -> str:
        base = api_path + "".join(f"{key}{params[key]}" for key in sorted(params))
        return hmac_sha256_hex(self.secret, base).upper()

    def _call(
        self, method: str, api_path: str, params: dict | None = None, *, partial_ok=False
    ) -> dict:
        query = {
            "app_key": self.partner_id,
            "timestamp": str(int(time.time() * 1000)),
            "sign_method": "sha256",
            "access_token": self.access_token,
            **{key: str(value) for key, value in (params or {}).items()},
        }
        query["sign"] = self.sign(api_path, query)
        data = self._http(method, api_path, params=query)
        code = str(data.get("code", "0"))
        if code in RATE_LIMIT_CODES:
            raise RateLimited(data.get("message", code))
        if code != "0" and not (partial_ok and data.get("detail")):
            raise PlatformError(f"lazada {api_path}: {code}: {data.get('message', '')}")
        return data

    def verify_webhook(self, *, url: str, body: bytes, headers) -> bool:
        expected = hmac_sha256_hex(self.webhook_secret, self.partner_id.encode() + body)
        return signatures_match(expected, headers.get("Authorization"))

    def parse_notice(self, payload: dict) -> OrderNotice | None:
        data = payload.get("data") or {}
        if payload.get("message_type") != 0 or not data.get("trade_order_id"):
            return None
        status = str(data.get("order_status", "")).lower()
        return OrderNotice(
            external_ref=str(data["trade_order_id"]),
            status=STATUSES.get(status),
            platform_status=status,
        )

    def _doc(self, order: dict, items: list[dict]) -> OrderDoc:
        grouped: dict[ListingKey, list[dict]] = defaultdict(list)
        for item in items:  # one row per unit
            grouped[(str(item["product_id"]), str(item["sku_id"]))].append(item)
        address = order.get("address_shipping") or {}
        statuses = [STATUSES.get(str(status).lower()) for status in order.get("statuses", [])]
        return OrderDoc(
            external_ref=str(order["order_id"]),
            status=PlatformStatus.latest(*statuses),
            placed_at=_when(order["created_at"]),
            updated_at=_when(order.get("updated_at") or order["created_at"]),
            lines=[
                OrderLineDoc(
                    item_id=item_id,
                    model_id=sku_id,
                    quantity=len(units),
                    unit_price_amount=Decimal(str(units[0]["paid_price"])),
                    seller_sku=units[0].get("sku", ""),
                    name=units[0].get("name", ""),
                )
                for (item_id, sku_id), units in grouped.items()
            ],
            buyer_id=str(order.get("buyer_id") or ""),
            buyer_name=" ".join(
                part for part in (address.get("first_name"), address.get("last_name")) if part
            ),
            buyer_phone=address.get("phone", ""),
            shipping_address={
                key: address[key] for key in ("address1", "city") if address.get(key)
            },
            shipping_amount=Decimal(str(order.get("shipping_fee") or 0)),
            raw={"order": order, "items": items},
        )

    def fetch_order(self, external_ref: str) -> OrderDoc:
        order = self._call("GET", "/order/get", {"order_id": external_ref}).get("data") or {}
        if not order:
            raise PlatformError(f"lazada: order {external_ref} not found")
        items = self._call("GET", "/order/items/get", {"order_id": external_ref}).get("data") or []
        return self._doc(order, items)

    def fetch_orders_since(self, since: datetime, until: datetime) -> list[OrderDoc]:
        docs, offset = [], 0
        while True:
            data = (
                self._call(
                    "GET",
                    "/orders/get",
                    {
                        "update_after": since.isoformat(),
                        "update_before": until.isoformat(),
                        "sort_by": "updated_at",
                        "sort_direction": "ASC",
                        "limit": 100,
                        "offset": offset,
                    },
                ).get("data")
                or {}
            )
            orders = data.get("orders", [])
            for order in orders:
                items = (
                    self._call("GET", "/order/items/get", {"order_id": order["order_id"]}).get(
                        "data"
                    )
                    or []
                )
                docs.append(self._doc(order, items))
            offset += len(orders)
            if not orders or offset >= int(data.get("count", 0)):
                return docs

    def push_stock_batch(self, batch: list[StockUpdate]) -> dict[ListingKey, str]:
        request = ElementTree.Element("Request")
        skus = ElementTree.SubElement(ElementTree.SubElement(request, "Product"), "Skus")
        for update in batch:
            sku = ElementTree.SubElement(skus, "Sku")
            ElementTree.SubElement(sku, "ItemId").text = update.item_id
            ElementTree.SubElement(sku, "SkuId").text = update.model_id
            ElementTree.SubElement(sku, "SellerSku").text = update.seller_sku
            ElementTree.SubElement(sku, "SellableQuantity").text = str(update.quantity)
        payload = ElementTree.tostring(request, encoding="unicode")
        data = self._call(
            "POST", "/product/stock/sellable/update", {"payload": payload}, partial_ok=True
        )
        refused = {
            str(entry.get("seller_sku", "")): entry.get("message", "refused")
            for entry in data.get("detail") or []
        }
        return {update.key: refused.get(update.seller_sku, "") for update in batch}

    def fetch_listing_quantities(self, keys: list[ListingKey]) -> dict[ListingKey, int]:
        found: dict[ListingKey, int] = {}
        for item_id in sorted({item_id for item_id, _model in keys}):
            data = self._call("GET", "/product/item/get", {"item_id": item_id}).get("data") or {}
            for sku in data.get("skus", []):
                found[(item_id, str(sku["SkuId"]))] = int(
                    sku.get("sellableQuantity", sku.get("quantity", 0))
                )
        return {key: found[key] for key in keys if key in found}
