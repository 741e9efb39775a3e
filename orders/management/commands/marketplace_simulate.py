"""A simulated Shopee shop for the demo: ``make run`` in one terminal, then

    .venv/bin/python manage.py marketplace_simulate --base-url http://127.0.0.1:8000

It starts the simulator on 127.0.0.1 (``--port``, 8765), points the demo shop (``shopee:880001``,
on the demo's Shopee channel) at it, lists the demo's first variants there, and then, until
Ctrl-C, has a buyer order something every few seconds, moves older orders along, and posts
the signed webhooks to the web server. The worker records the orders and pushes the stock
back; watch Orders, Marketplace webhook events and Stock sync log in the admin. DEBUG only
(the demo secret lives in the development settings).
"""

import http.client
import random
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from inventory.models import SalesChannel, Variant
from orders.marketplaces.models import Listing, MarketplaceShop
from orders.marketplaces.services import listing_map, shop_stock_reconcile
from orders.marketplaces.simulator import Delivery, SimulatedMarketplace

NEXT = {"paid": "shipped", "shipped": "delivered"}


class Command(BaseCommand):
    help = "Run a simulated Shopee shop that sends orders to this server (demo, DEBUG only)."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--every", type=float, default=5.0, help="seconds between orders")
        parser.add_argument("--listings", type=int, default=10)

    def handle(self, *args, base_url, port, every, listings, **options):
        credentials = settings.MARKETPLACE_CREDENTIALS.get("shopee:880001")
        if not settings.DEBUG or not credentials:
            raise CommandError("The demo marketplace runs with DEBUG on only.")
        channel = SalesChannel.objects.filter(code="shopee").first()
        if channel is None:
            raise CommandError("No Shopee channel: run `manage.py seed_demo` first.")
        path = "/api/v1/marketplaces/shopee/880001/webhook"
        sim = SimulatedMarketplace(
            platform="shopee", shop_id="880001", partner_id="1", secret=credentials["secret"],
            access_token=credentials["access_token"], webhook_url=f"{base_url}{path}",
        ).start(port=port)  # fmt: skip
        shop, _created = MarketplaceShop.objects.update_or_create(
            platform="shopee", shop_id="880001",
            defaults={"name": "Shopee (simulated)", "channel": channel,
                      "api_base_url": sim.url, "partner_id": "1"},
        )  # fmt: skip
        items = []
        for n, variant in enumerate(
            Variant.objects.filter(is_active=True).order_by("pk")[:listings]
        ):
            item_id = str(9000 + n)
            sim.add_listing(item_id, "", quantity=0, seller_sku=variant.sku)
            listing, _ = Listing.objects.get_or_create(
                shop=shop, item_id=item_id, model_id="", defaults={"seller_sku": variant.sku}
            )
            listing_map(listing=listing, variant=variant)  # marks it: the worker pushes it
            items.append((item_id, variant.price_amount))
        # A fresh simulator shows nothing yet: reconciling pushes every figure now.
        shop_stock_reconcile(shop=shop)
        self.stdout.write(
            f"Simulated Shopee on {sim.url}, posting to {base_url}{path}. Ctrl-C stops."
        )
        rng, count = random.Random(), 0  # noqa: S311 (a demo)
        try:
            while True:
                time.sleep(every)
                item_id, price = rng.choice(items)
                ref = f"DEMO{int(time.time())}{count}"
                if sim.buy(
                    ref, [(item_id, "", 1, int(price))], buyer_phone=f"09{rng.randrange(10**8):08d}"
                ):
                    count += 1
                for order in list(sim.orders.values()):
                    if order.status in NEXT and rng.random() < 0.3:
                        sim.set_status(order.ref, NEXT[order.status])
                sent = sim.deliver(self._post)
                shown = ", ".join(
                    f"{key[0]}={value.quantity}" for key, value in sim.listings.items()
                )
                self.stdout.write(f"{len(sent)} webhook(s) sent; the platform shows {shown}")
        except KeyboardInterrupt:
            pass
        finally:
            sim.stop()

    def _post(self, delivery: Delivery):
        parts = urlsplit(delivery.url)
        connection = http.client.HTTPConnection(parts.netloc, timeout=10)
        try:
            connection.request(
                "POST", parts.path, body=delivery.body,
                headers={"Content-Type": "application/json", **delivery.headers},
            )  # fmt: skip
            connection.getresponse().read()
        except OSError as error:
            self.stderr.write(f"could not post to {delivery.url}: {error}")
        finally:
            connection.close()
