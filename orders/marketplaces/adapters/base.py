"""The one interface every platform adapter follows, and the shapes they exchange with us.

An adapter turns one platform's HTTP API into five calls: verify a webhook, read an order
notice (and the order behind it), fetch orders updated since a moment, push a batch of
absolute stock figures, read the figures the platform shows. It knows nothing of our
database; the services in ``orders.marketplaces.services`` do the writing.
"""

import hashlib
import hmac
import http.client
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlencode, urlsplit

logger = logging.getLogger(__name__)


class PlatformStatus:
    """Where a marketplace order stands, in our words; the adapters map each platform's."""

    CREATED = "created"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"

    # Later in an order's life = higher. A notice never moves an order back.
    RANK = {CREATED: 0, PAID: 1, SHIPPED: 2, DELIVERED: 3, CANCELLED: 4, RETURNED: 5}

    @classmethod
    def latest(cls, *statuses: str | None) -> str | None:
        known = [status for status in statuses if status in cls.RANK]
        return max(known, key=cls.RANK.__getitem__) if known else None


ListingKey = tuple[str, str]  # (item_id, model_id); model_id "" when the item has none


@dataclass(frozen=True)
class OrderNotice:
    """What a webhook says: this order is now in this status."""

    external_ref: str
    status: str | None  # a PlatformStatus, or None for a status we do not act on
    platform_status: str = ""


@dataclass(frozen=True)
class OrderLineDoc:
    item_id: str
    model_id: str
    quantity: int
    unit_price_amount: Decimal
    seller_sku: str = ""
    name: str = ""


@dataclass(frozen=True)
class OrderDoc:
    """A whole order as the platform's order-detail API returns it, in our words."""

    external_ref: str
    status: str | None
    placed_at: datetime
    updated_at: datetime
    lines: list[OrderLineDoc]
    buyer_id: str = ""
    buyer_name: str = ""
    buyer_phone: str = ""
    buyer_email: str = ""
    shipping_address: dict = field(default_factory=dict)
    shipping_amount: Decimal = Decimal(0)
    raw: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        """For a held order: enough to record it later without asking the platform again."""
        return {
            "external_ref": self.external_ref,
            "status": self.status,
            "placed_at": self.placed_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "lines": [
                {
                    "item_id": line.item_id,
                    "model_id": line.model_id,
                    "quantity": line.quantity,
                    "unit_price_amount": str(line.unit_price_amount),
                    "seller_sku": line.seller_sku,
                    "name": line.name,
                }
                for line in self.lines
            ],
            "buyer_id": self.buyer_id,
            "buyer_name": self.buyer_name,
            "buyer_phone": self.buyer_phone,
            "buyer_email": self.buyer_email,
            "shipping_address": self.shipping_address,
            "shipping_amount": str(self.shipping_amount),
            "raw": self.raw,
        }

    @classmethod
    def from_json(cls, data: dict) -> "OrderDoc":
        return cls(
            external_ref=data["external_ref"],
            status=data["status"],
            placed_at=datetime.fromisoformat(data["placed_at"]),
            updated_at=datetime.fromisoformat(data["updated_at"]),
            lines=[
                OrderLineDoc(
                    item_id=line["item_id"],
                    model_id=line["model_id"],
                    quantity=int(line["quantity"]),
                    unit_price_amount=Decimal(line["unit_price_amount"]),
                    seller_sku=line.get("seller_sku", ""),
                    name=line.get("name", ""),
                )
                for line in data["lines"]
            ],
            buyer_id=data.get("buyer_id", ""),
            buyer_name=data.get("buyer_name", ""),
            buyer_phone=data.get("buyer_phone", ""),
            buyer_email=data.get("buyer_email", ""),
            shipping_address=data.get("shipping_address") or {},
            shipping_amount=Decimal(data.get("shipping_amount") or 0),
            raw=data.get("raw") or {},
        )


@dataclass(frozen=True)
class StockUpdate:
    item_id: str
    model_id: str
    quantity: int
    seller_sku: str = ""

    @property
    def key(self) -> ListingKey:
        return (self.item_id, self.model_id)


class PlatformError(Exception):
    """The platform said no, or could not be reached. ``transient``: worth retrying."""

    def __init__(self, message: str, *, transient: bool = False):
        super().__init__(message)
        self.transient = transient


class RateLimited(PlatformError):
    """HTTP 429 (or the platform's own "too many calls" code): wait and try again."""

    def __init__(self, message: str = "rate limited", *, retry_after: float | None = None):
        super().__init__(message, transient=True)
        self.retry_after = retry_after


def hmac_sha256_hex(key: str, message: str | bytes) -> str:
    data = message.encode() if isinstance(message, str) else message
    return hmac.new(key.encode(), data, hashlib.sha256).hexdigest()


def signatures_match(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.lower(), given.strip().lower())


class MarketplaceAdapter:
    """One platform's API behind our five calls. Subclasses set the class attributes."""

    platform = ""
    max_batch = 50  # listings per stock call
    timeout = 10  # seconds per HTTP call

    def __init__(self, *, shop, credentials: dict):
        self.shop = shop
        self.base_url = shop.api_base_url.rstrip("/")
        self.partner_id = shop.partner_id
        self.secret = credentials.get("secret", "")
        self.access_token = credentials.get("access_token", "")
        self.webhook_secret = credentials.get("webhook_secret") or self.secret

    # --- the interface ------------------------------------------------------------------

    def verify_webhook(self, *, url: str, body: bytes, headers) -> bool:
        raise NotImplementedError

    def event_id(self, *, body: bytes, payload: dict) -> str:
        """The platform's id of the delivery; the body's hash where it gives none (a
        redelivery of the same notice has the same body)."""
        return hashlib.sha256(body).hexdigest()

    def parse_notice(self, payload: dict) -> OrderNotice | None:
        """The order notice in a webhook, or None when the webhook is about something else."""
        raise NotImplementedError

    def fetch_order(self, external_ref: str) -> OrderDoc:
        raise NotImplementedError

    def fetch_orders_since(self, since: datetime, until: datetime) -> list[OrderDoc]:
        raise NotImplementedError

    def stock_batches(self, updates: list[StockUpdate]) -> list[list[StockUpdate]]:
        """Split updates into calls the platform accepts (at most ``max_batch`` each)."""
        ordered = sorted(updates, key=lambda update: update.key)
        return [ordered[i : i + self.max_batch] for i in range(0, len(ordered), self.max_batch)]

    def push_stock_batch(self, batch: list[StockUpdate]) -> dict[ListingKey, str]:
        """Send absolute quantities; returns ``{key: error}`` for the ones refused ("" = ok).
        Raises RateLimited / PlatformError when the whole call failed."""
        raise NotImplementedError

    def fetch_listing_quantities(self, keys: list[ListingKey]) -> dict[ListingKey, int]:
        raise NotImplementedError

    # --- HTTP ---------------------------------------------------------------------------

    def _http(self, method: str, path: str, *, params=None, body: str | None = None, headers=None):
        """One call; returns the decoded JSON. 429 → RateLimited, 5xx / network → transient."""
        parts = urlsplit(self.base_url)
        connection_class = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        connection = connection_class(parts.netloc, timeout=self.timeout)
        target = (parts.path.rstrip("/") + path) + (f"?{urlencode(params)}" if params else "")
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        try:
            connection.request(method, target, body=body, headers=all_headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except OSError as error:
            raise PlatformError(f"{self.platform}: {error}", transient=True) from error
        finally:
            connection.close()
        if response.status == 429:
            retry_after = response.getheader("Retry-After")
            raise RateLimited(retry_after=float(retry_after) if retry_after else None)
        if response.status >= 500:
            raise PlatformError(f"{self.platform}: HTTP {response.status}", transient=True)
        try:
            data = json.loads(text) if text else {}
        except ValueError as error:
            raise PlatformError(f"{self.platform}: not JSON (HTTP {response.status})") from error
        if response.status >= 400:
            raise PlatformError(f"{self.platform}: HTTP {response.status}: {text[:200]}")
        return data
