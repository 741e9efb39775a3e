"""The orders app's part of ``seed_demo``: delivery fees like a Hà Nội shop's."""

from decimal import Decimal

from orders.services.shipping import shipping_rule_upsert

HA_NOI = "01"


def demo_shipping_rules() -> None:
    """Hà Nội (where the warehouse is) 20,000 đ, free from 300,000 đ; elsewhere 35,000 đ,
    free from 500,000 đ."""
    for name, province_code, min_order, fee in [
        ("Nội thành Hà Nội", HA_NOI, 0, 20_000),
        ("Hà Nội, đơn từ 300.000 đ", HA_NOI, 300_000, 0),
        ("Toàn quốc", "", 0, 35_000),
        ("Toàn quốc, đơn từ 500.000 đ", "", 500_000, 0),
    ]:
        shipping_rule_upsert(
            name=name,
            province_code=province_code,
            min_order_amount=Decimal(min_order),
            fee_amount=Decimal(fee),
        )
