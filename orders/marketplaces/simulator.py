"""A simulated marketplace: a real HTTP server on 127.0.0.1 speaking the Shopee v2 or
Lazada Open Platform shapes our adapters use.

It keeps its own listing quantities (and when each was last set), takes orders against
them (never selling what it does not show), checks our request signatures, enforces a rate
limit with HTTP 429, can lose stock pushes (answers OK, applies nothing), and sends signed
webhooks for every status change, which the caller may deliver reordered, duplicated or
with some dropped. Used by the tests, the benchmark and the demo; not by production code.
"""

import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit
from xml.etree import ElementTree

from orders.marketplaces.adapters.base import hmac_sha256_hex

# Our status words → the platform's.
STATUS_WORDS = {
    "shopee": {
        "created": "UNPAID",
        "paid": "READY_TO_SHIP",
        "shipped": "SHIPPED",
        "delivered": "COMPLETED",
        "cancelled": "CANCELLED",
        "returned": "TO_RETURN",
    },
    "lazada": {
        "created": "unpaid",
        "paid": "pending",
        "shipped": "shipped",
        "delivered": "delivered",
        "cancelled": "canceled",
        "returned": "returned",
    },
}


@dataclass
class SimListing:
    quantity: int
    seller_sku: str = ""
    set_at: float = 0.0  # time.time() of the last change by a push
    history: list[tuple[float, int]] = field(default_factory=list)


@dataclass
class SimOrder:
    ref: str
    lines: list[tuple[str, str, int, int, str]]  # item, model, quantity, unit price, sku
    status: str  # our word
    created: int
    updated: int
    buyer_id: str = ""
    buyer_name: str = ""
    buyer_phone: str = ""


@dataclass
class Delivery:
    url: str
    body: bytes
    headers: dict


class SimulatedMarketplace:
    def __init__(
        self,
        *,
        platform: str = "shopee",
        shop_id: str = "1001",
        partner_id: str = "2001",
        secret: str = "sim-secret",  # noqa: S107 (a simulator)
        access_token: str = "sim-token",  # noqa: S107
        rate_per_second: float = 50.0,
        webhook_url: str = "",
    ):
        assert platform in STATUS_WORDS, platform
        self.platform, self.shop_id, self.partner_id = platform, shop_id, partner_id
        self.secret, self.access_token, self.webhook_url = secret, access_token, webhook_url
        self.rate = rate_per_second
        self.listings: dict[tuple[str, str], SimListing] = {}
        self.orders: dict[str, SimOrder] = {}
        self.outbox: list[Delivery] = []
        self.lock = threading.Lock()
        self.drop_pushes = 0  # the next N stock pushes are answered OK and lost
        self.calls = 0
        self.throttled = 0
        self.bad_signatures = 0
        self.stock_calls = 0
        self._tokens, self._stamp = rate_per_second, time.monotonic()
        self._server: ThreadingHTTPServer | None = None

    # --- running ----------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self, port: int = 0) -> "SimulatedMarketplace":
        simulator = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                simulator._handle(self, "GET")

            def do_POST(self):
                simulator._handle(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def credentials(self) -> dict:
        """What our settings hold for this shop."""
        return {"secret": self.secret, "access_token": self.access_token}

    # --- the platform's side ----------------------------------------------------------

    def add_listing(self, item_id: str, model_id: str = "", quantity: int = 0, seller_sku=""):
        self.listings[(item_id, model_id)] = SimListing(quantity=quantity, seller_sku=seller_sku)

    def quantity(self, item_id: str, model_id: str = "") -> int:
        return self.listings[(item_id, model_id)].quantity

    def buy(
        self,
        ref: str,
        lines: list[tuple[str, str, int, int]],
        *,
        buyer_phone="",
        buyer_name="",
        buyer_id="",
        status="paid",
    ) -> bool:
        """A buyer orders what the platform shows; False (nothing sold) when it shows less."""
        with self.lock:
            if any(self.listings[(item, model)].quantity < qty for item, model, qty, _ in lines):
                return False
            for item, model, qty, _price in lines:
                self.listings[(item, model)].quantity -= qty
            now = int(time.time())
            self.orders[ref] = SimOrder(
                ref=ref,
                lines=[
                    (item, model, qty, price, self.listings[(item, model)].seller_sku)
                    for item, model, qty, price in lines
                ],
                status="created",
                created=now,
                updated=now,
                buyer_id=buyer_id,
                buyer_name=buyer_name,
                buyer_phone=buyer_phone,
            )
            self._notify(ref, "created")
        if status != "created":
            self.set_status(ref, status)
        return True

    def set_status(self, ref: str, status: str) -> None:
        """The order moves on the platform (and a webhook is queued for it)."""
        with self.lock:
            order = self.orders[ref]
            if status == "cancelled" and order.status in ("created", "paid"):
                for item, model, qty, *_rest in order.lines:
                    self.listings[(item, model)].quantity += qty
            order.status, order.updated = status, int(time.time())
            self._notify(ref, status)

    def _notify(self, ref: str, status: str) -> None:
        word = STATUS_WORDS[self.platform][status]
        now = int(time.time())
        if self.platform == "shopee":
            payload = {
                "shop_id": int(self.shop_id),
                "code": 3,
                "timestamp": now,
                "data": {"ordersn": ref, "status": word, "update_time": now},
            }
        else:
            payload = {
                "seller_id": self.shop_id,
                "message_type": 0,
                "data": {
                    "order_status": word,
                    "trade_order_id": ref,
                    "trade_order_line_id": f"{ref}1",
                    "status_update_time": now,
                },
                "timestamp": now * 1000,
                "site": "lazada_vn",
            }
        body = json.dumps(payload, separators=(",", ":")).encode()
        self.outbox.append(
            Delivery(
                url=self.webhook_url, body=body, headers=self.sign_webhook(self.webhook_url, body)
            )
        )

    def sign_webhook(self, url: str, body: bytes) -> dict:
        if self.platform == "shopee":
            return {"Authorization": hmac_sha256_hex(self.secret, url.encode() + b"|" + body)}
        return {"Authorization": hmac_sha256_hex(self.secret, self.partner_id.encode() + body)}

    def deliver(
        self,
        post: Callable[[Delivery], object],
        *,
        rng: random.Random | None = None,
        reorder: bool = False,
        duplicate: float = 0.0,
        drop: float = 0.0,
    ) -> list[Delivery]:
        """Send the queued webhooks through ``post`` (HTTP, or a test client): shuffled,
        some sent twice, some lost. Returns what was sent, in order."""
        rng = rng or random.Random(0)  # noqa: S311
        with self.lock:
            queued, self.outbox = self.outbox, []
        sent = [d for d in queued if rng.random() >= drop]
        sent += [d for d in sent if rng.random() < duplicate]
        if reorder:
            rng.shuffle(sent)
        for delivery in sent:
            post(delivery)
        return sent

    # --- HTTP -------------------------------------------------------------------------

    def _take_token(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self._tokens = min(self.rate, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True

    def _reply(self, handler, status: int, data: dict, headers=None) -> None:
        body = json.dumps(data).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)

    def _handle(self, handler, method: str) -> None:
        parts = urlsplit(handler.path)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode() if length else ""
        with self.lock:
            self.calls += 1
        if not self._take_token():
            with self.lock:
                self.throttled += 1
            wait = f"{max((1 - self._tokens) / self.rate, 0.01):.3f}"
            self._reply(handler, 429, {"error": "too many requests"}, {"Retry-After": wait})
            return
        if not self._signature_ok(parts.path, params, body):
            with self.lock:
                self.bad_signatures += 1
            self._reply(handler, 403, {"error": "error_sign", "code": "IncompleteSignature"})
            return
        route = getattr(self, f"_{self.platform}_{parts.path.strip('/').replace('/', '_')}", None)
        if route is None:
            self._reply(handler, 404, {"error": "error_not_found", "code": "InvalidApi"})
            return
        self._reply(handler, 200, route(params, body))

    def _signature_ok(self, path: str, params: dict, body: str) -> bool:
        if self.platform == "shopee":
            base = (
                f"{self.partner_id}{path}{params.get('timestamp')}{self.access_token}{self.shop_id}"
            )
            return params.get("sign") == hmac_sha256_hex(self.secret, base)
        signed = {key: value for key, value in params.items() if key != "sign"}
        base = path + "".join(f"{key}{signed[key]}" for key in sorted(signed))
        return params.get("sign") == hmac_sha256_hex(self.secret, base).upper()

    def _set_quantity(self, key, quantity: int) -> bool:
        listing = self.listings.get(key)
        if listing is None:
            return False
        listing.quantity, listing.set_at = quantity, time.time()
        listing.history.append((listing.set_at, quantity))
        return True

    # Shopee v2

    def _shopee_order(self, order: SimOrder) -> dict:
        return {
            "order_sn": order.ref,
            "order_status": STATUS_WORDS["shopee"][order.status],
            "create_time": order.created,
            "update_time": order.updated,
            "currency": "VND",
            "buyer_user_id": int(order.buyer_id or 0),
            "buyer_username": order.buyer_name,
            "recipient_address": {
                "name": order.buyer_name,
                "phone": order.buyer_phone,
                "full_address": "1 Hàng Giấy, Hà Nội",
                "city": "Hà Nội",
            },
            "estimated_shipping_fee": 0,
            "item_list": [
                {
                    "item_id": int(item),
                    "model_id": int(model or 0),
                    "model_sku": sku,
                    "model_quantity_purchased": qty,
                    "model_discounted_price": price,
                }
                for item, model, qty, price, sku in order.lines
            ],
        }

    def _shopee_api_v2_order_get_order_detail(self, params, body):
        with self.lock:
            orders = [
                self._shopee_order(self.orders[ref])
                for ref in params.get("order_sn_list", "").split(",")
                if ref in self.orders
            ]
        return {"error": "", "response": {"order_list": orders}}

    def _shopee_api_v2_order_get_order_list(self, params, body):
        low, high = int(params["time_from"]), int(params["time_to"])
        with self.lock:
            refs = sorted(ref for ref, order in self.orders.items() if low <= order.updated <= high)
        start = int(params.get("cursor") or 0)
        size = int(params.get("page_size") or 100)
        page = refs[start : start + size]
        more = start + size < len(refs)
        return {
            "error": "",
            "response": {
                "order_list": [{"order_sn": ref} for ref in page],
                "more": more,
                "next_cursor": str(start + size) if more else "",
            },
        }

    def _shopee_api_v2_product_update_stock(self, params, body):
        payload = json.loads(body)
        item = str(payload["item_id"])
        success, failure = [], []
        with self.lock:
            self.stock_calls += 1
            dropping = self.drop_pushes > 0
            if dropping:
                self.drop_pushes -= 1
            for entry in payload["stock_list"]:
                model = "" if int(entry["model_id"]) == 0 else str(entry["model_id"])
                stock = sum(s["stock"] for s in entry["seller_stock"])
                if (item, model) not in self.listings:
                    failure.append({"model_id": entry["model_id"], "failed_reason": "not found"})
                    continue
                if not dropping:
                    self._set_quantity((item, model), stock)
                success.append({"model_id": entry["model_id"], "stock": stock})
        return {"error": "", "response": {"success_list": success, "failure_list": failure}}

    def _shopee_api_v2_product_get_model_list(self, params, body):
        item = params["item_id"]
        with self.lock:
            models = [
                {
                    "model_id": int(model or 0),
                    "stock_info_v2": {"seller_stock": [{"stock": listing.quantity}]},
                }
                for (item_id, model), listing in self.listings.items()
                if item_id == item
            ]
        return {"error": "", "response": {"model": models}}

    # Lazada

    def _lazada_order(self, order: SimOrder) -> dict:
        iso = lambda t: datetime.fromtimestamp(t, tz=UTC).isoformat()  # noqa: E731
        return {
            "order_id": order.ref,
            "statuses": [STATUS_WORDS["lazada"][order.status]],
            "created_at": iso(order.created),
            "updated_at": iso(order.updated),
            "buyer_id": order.buyer_id,
            "shipping_fee": 0,
            "address_shipping": {
                "first_name": order.buyer_name,
                "phone": order.buyer_phone,
                "address1": "1 Hàng Giấy",
                "city": "Hà Nội",
            },
        }

    def _lazada_order_get(self, params, body):
        with self.lock:
            order = self.orders.get(params.get("order_id", ""))
            return {"code": "0", "data": self._lazada_order(order) if order else {}}

    def _lazada_order_items_get(self, params, body):
        with self.lock:
            order = self.orders.get(params.get("order_id", ""))
            units = [
                {
                    "order_item_id": f"{order.ref}-{index}-{unit}",
                    "product_id": item,
                    "sku_id": model,
                    "sku": sku,
                    "paid_price": price,
                    "item_price": price,
                }
                for index, (item, model, qty, price, sku) in enumerate(order.lines if order else [])
                for unit in range(qty)
            ]
        return {"code": "0", "data": units}

    def _lazada_orders_get(self, params, body):
        after = datetime.fromisoformat(params["update_after"]).timestamp()
        before = datetime.fromisoformat(params["update_before"]).timestamp()
        with self.lock:
            orders = sorted(
                (o for o in self.orders.values() if after <= o.updated <= before),
                key=lambda o: (o.updated, o.ref),
            )
            offset, limit = int(params.get("offset") or 0), int(params.get("limit") or 100)
            page = [self._lazada_order(o) for o in orders[offset : offset + limit]]
        return {"code": "0", "data": {"count": len(orders), "orders": page}}

    def _lazada_product_stock_sellable_update(self, params, body):
        request = ElementTree.fromstring(params["payload"])  # noqa: S314 (our own XML)
        errors = []
        with self.lock:
            self.stock_calls += 1
            dropping = self.drop_pushes > 0
            if dropping:
                self.drop_pushes -= 1
            entries = list(request.iter("Sku"))
            if len(entries) > 50:
                return {"code": "InvalidParameter", "message": "at most 50 SKUs"}
            for sku in entries:
                key = (sku.findtext("ItemId"), sku.findtext("SkuId"))
                if key not in self.listings:
                    errors.append({"seller_sku": sku.findtext("SellerSku"), "message": "not found"})
                elif not dropping:
                    self._set_quantity(key, int(sku.findtext("SellableQuantity")))
        if errors:
            return {"code": "PartialFailure", "detail": errors}
        return {"code": "0"}

    def _lazada_product_item_get(self, params, body):
        item = params["item_id"]
        with self.lock:
            skus = [
                {
                    "SkuId": model,
                    "SellerSku": listing.seller_sku,
                    "sellableQuantity": listing.quantity,
                }
                for (item_id, model), listing in self.listings.items()
                if item_id == item
            ]
        return {"code": "0", "data": {"item_id": item, "skus": skus}}
