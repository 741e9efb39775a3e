"""Shopee Open Platform v2.

API calls carry ``partner_id``, ``timestamp``, ``access_token``, ``shop_id`` and ``sign`` =
hex HMAC-SHA256 (partner key) of ``partner_id + path + timestamp + access_token + shop_id``.
Push notifications carry ``Authorization`` = hex HMAC-SHA256 (partner key) of
``callback_url + "|" + body``. Order status pushes are ``code`` 3 with ``ordersn``,
``status`` and ``update_time``; the order's lines come from ``get_order_detail``. Stock is
set per item with ``update_stock`` (its models, at most 50 per call).
"""

import json
import time
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
    "READY_TO_SHIP": PlatformStatus.PAID,
    "PROCESSED": PlatformStatus.PAID,
    "RETRY_SHIP": PlatformStatus.PAID,
    "SHIPPED": PlatformStatus.SHIPPED,
    "TO_CONFIRM_RECEIVE": PlatformStatus.SHIPPED,
    "COMPLETED": PlatformStatus.DELIVERED,
    "CANCELLED": PlatformStatus.CANCELLED,
    "TO_RETURN": PlatformStatus.RETURNED,
    # IN_CANCEL: the buyer asked; nothing changes until CANCELLED arrives.
}
ORDER_STATUS_PUSH = 3
NO_MODEL = "0"


def _when(seconds) -> datetime:
    return datetime.fromtimestamp(int(seconds), tz=UTC)


class ShopeeAdapter(MarketplaceAdapter):
    platform = "shopee"
    max_batch = 50

    def sign(self, path: str, timestamp: int) -> str:
        base = f"{self.partner_id}{path}{timestamp}{self.access_token}{self.shop.shop_id}"
        return hmac_sha256_hex(self.secret, base)

    def _call(self, method: str, path: str, *, params=None, payload=None) -> dict:
        timestamp = int(time.time())
        query = {
            "partner_id": self.partner_id,
            "timestamp": timestamp,
            "access_token": self.access_token,
            "shop_id": self.shop.shop_id,
            "sign": self.sign(path, timestamp),
            **(params or {}),
        }
        body = json.dumps(payload) if payload is not None else None
        data = self._http(method, path, params=query, body=body)
        error = data.get("error")
        if error:
            if error in ("error_too_many_request", "error_rate_limit"):
                raise RateLimited(data.get("message", error))
            raise PlatformError(f"shopee {path}: {error}: {data.get('message', '')}")
        return data.get("response") or {}

    def verify_webhook(self, *, url: str, body: bytes, headers) -> bool:
        expected = hmac_sha256_hex(self.webhook_secret, url.encode() + b"|" + body)
        return signatures_match(expected, headers.get("Authorization"))

    def parse_notice(self, payload: dict) -> OrderNotice | None:
        if payload.get("code") != ORDER_STATUS_PUSH:
            return None
        data = payload.get("data") or {}
        if not data.get("ordersn"):
            return None
        status = str(data.get("status", ""))
        return OrderNotice(
            external_ref=str(data["ordersn"]), status=STATUSES.get(status), platform_status=status
        )

    def _doc(self, order: dict) -> OrderDoc:
        address = order.get("recipient_address") or {}
        return OrderDoc(
            external_ref=str(order["order_sn"]),
            status=STATUSES.get(order.get("order_status", "")),
            placed_at=_when(order["create_time"]),
            updated_at=_when(order.get("update_time") or order["create_time"]),
            lines=[
                OrderLineDoc(
                    item_id=str(item["item_id"]),
                    model_id=""
                    if str(item.get("model_id", 0)) == NO_MODEL
                    else str(item["model_id"]),
                    quantity=int(item["model_quantity_purchased"]),
                    unit_price_amount=Decimal(str(item["model_discounted_price"])),
                    seller_sku=item.get("model_sku") or item.get("item_sku") or "",
                    name=item.get("item_name", ""),
                )
                for item in order.get("item_list", [])
            ],
            buyer_id=str(order.get("buyer_user_id") or ""),
            buyer_name=address.get("name") or order.get("buyer_username", ""),
            buyer_phone=address.get("phone", ""),
            shipping_address={
                key: address[key] for key in ("name", "full_address", "city") if address.get(key)
            },
            shipping_amount=Decimal(str(order.get("estimated_shipping_fee") or 0)),
            raw=order,
        )

    def fetch_order(self, external_ref: str) -> OrderDoc:
        response = self._call(
            "GET",
            "/api/v2/order/get_order_detail",
            params={
                "order_sn_list": external_ref,
                "response_optional_fields": "buyer_user_id,buyer_username,item_list,"
                "recipient_address,estimated_shipping_fee",
            },
        )
        orders = response.get("order_list") or []
        if not orders:
            raise PlatformError(f"shopee: order {external_ref} not found")
        return self._doc(orders[0])

    def fetch_orders_since(self, since: datetime, until: datetime) -> list[OrderDoc]:
        refs, cursor = [], ""
        while True:
            response = self._call(
                "GET",
                "/api/v2/order/get_order_list",
                params={
                    "time_range_field": "update_time",
                    "time_from": int(since.timestamp()),
                    "time_to": int(until.timestamp()),
                    "page_size": 100,
                    "cursor": cursor,
                },
            )
            refs += [str(order["order_sn"]) for order in response.get("order_list", [])]
            if not response.get("more"):
                break
            cursor = response.get("next_cursor", "")
        docs = []
        for start in range(0, len(refs), 50):
            response = self._call(
                "GET",
                "/api/v2/order/get_order_detail",
                params={
                    "order_sn_list": ",".join(refs[start : start + 50]),
                    "response_optional_fields": "buyer_user_id,buyer_username,item_list,"
                    "recipient_address,estimated_shipping_fee",
                },
            )
            docs += [self._doc(order) for order in response.get("order_list", [])]
        return docs

    def stock_batches(self, updates: list[StockUpdate]) -> list[list[StockUpdate]]:
        # update_stock sets one item's models: one call per item, at most 50 models each.
        by_item: dict[str, list[StockUpdate]] = {}
        for update in sorted(updates, key=lambda update: update.key):
            by_item.setdefault(update.item_id, []).append(update)
        return [
            models[i : i + self.max_batch]
            for models in by_item.values()
            for i in range(0, len(models), self.max_batch)
        ]

    def push_stock_batch(self, batch: list[StockUpdate]) -> dict[ListingKey, str]:
        item_id = batch[0].item_id
        response = self._call(
            "POST",
            "/api/v2/product/update_stock",
            payload={
                "item_id": int(item_id),
                "stock_list": [
                    {
                        "model_id": int(update.model_id or NO_MODEL),
                        "seller_stock": [{"stock": update.quantity}],
                    }
                    for update in batch
                ],
            },
        )
        failed = {
            str(failure.get("model_id")): failure.get("failed_reason", "refused")
            for failure in response.get("failure_list", [])
        }
        return {update.key: failed.get(update.model_id or NO_MODEL, "") for update in batch}

    def fetch_listing_quantities(self, keys: list[ListingKey]) -> dict[ListingKey, int]:
        found: dict[ListingKey, int] = {}
        for item_id in sorted({item_id for item_id, _model in keys}):
            response = self._call(
                "GET", "/api/v2/product/get_model_list", params={"item_id": item_id}
            )
            for model in response.get("model", []):
                model_id = str(model["model_id"])
                stock = sum(
                    entry.get("stock", 0)
                    for entry in (model.get("stock_info_v2") or {}).get("seller_stock", [])
                )
                found[(item_id, "" if model_id == NO_MODEL else model_id)] = stock
        return {key: found[key] for key in keys if key in found}
