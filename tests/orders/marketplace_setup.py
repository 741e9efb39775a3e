"""What the marketplace tests share: a simulated marketplace on 127.0.0.1 and the shop of
ours that talks to it."""

from dataclasses import dataclass
from decimal import Decimal

from inventory.models import Location, SalesChannel, Variant
from orders.marketplaces.models import Listing, MarketplaceShop
from orders.marketplaces.simulator import Delivery, SimulatedMarketplace
from tests.factories import LocationFactory, VariantFactory, channel_selling_from, stocked

WEBHOOK_PATH = "/api/v1/marketplaces/{platform}/{shop_id}/webhook"


@dataclass
class SimShop:
    sim: SimulatedMarketplace
    shop: MarketplaceShop
    channel: SalesChannel
    store: Location
    path: str

    def post(self, client, delivery: Delivery):
        return client.post(
            self.path, data=delivery.body, content_type="application/json", headers=delivery.headers
        )

    def map(self, variant: Variant, item_id: str, model_id: str = "", quantity: int = 0):
        self.sim.add_listing(item_id, model_id, quantity=quantity, seller_sku=variant.sku)
        return Listing.objects.create(
            shop=self.shop, item_id=item_id, model_id=model_id, seller_sku=variant.sku,
            variant=variant,
        )  # fmt: skip


def sim_shop(
    settings, *, platform="shopee", shop_id="1001", host="http://testserver", store=None, **sim_args
) -> SimShop:
    """Start a simulator and make our shop for it (the caller stops ``.sim``)."""
    settings.MARKETPLACE_WEBHOOK_NUDGE = False
    path = WEBHOOK_PATH.format(platform=platform, shop_id=shop_id)
    sim = SimulatedMarketplace(
        platform=platform, shop_id=shop_id, webhook_url=f"{host}{path}", **sim_args
    ).start()
    settings.MARKETPLACE_CREDENTIALS = {
        **settings.MARKETPLACE_CREDENTIALS,
        f"{platform}:{shop_id}": sim.credentials(),
    }
    store = store or LocationFactory(name=f"Kho {platform}")
    channel = channel_selling_from(store, kind="marketplace", code=f"{platform}-{shop_id}")
    shop = MarketplaceShop.objects.create(
        platform=platform, shop_id=shop_id, name=f"{platform} shop", channel=channel,
        api_base_url=sim.url, partner_id=sim.partner_id, requests_per_second=100,
    )  # fmt: skip
    return SimShop(sim=sim, shop=shop, channel=channel, store=store, path=path)


def jar(sku="MK-100G", price=85000, stock=0, store=None):
    variant = VariantFactory(sku=sku, price_amount=Decimal(price))
    if stock and store is not None:
        stocked(variant, store, stock)
    return variant
