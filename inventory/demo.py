"""Demo data of the inventory app, written through its services (used by ``seed_demo``)."""

from decimal import Decimal

from inventory.models import Location, SalesChannel
from inventory.services import location_upsert, sales_channel_upsert


def demo_locations_and_channels() -> dict[str, Location | SalesChannel]:
    warehouse = location_upsert(
        code="kho-long-bien",
        name="Kho Long Biên",
        kind=Location.Kind.WAREHOUSE,
        address="Số 8 Ngọc Thụy, Long Biên",
        city="Hà Nội",
        latitude=Decimal("21.054300"),
        longitude=Decimal("105.866100"),
    )
    hang_giay = location_upsert(
        code="hn-hang-giay",
        name="Showroom Hàng Giấy",
        kind=Location.Kind.STORE,
        address="25 Hàng Giấy, Hoàn Kiếm",
        city="Hà Nội",
        latitude=Decimal("21.036900"),
        longitude=Decimal("105.850200"),
        opening_hours="08:00–21:30",
        accepts_pickup=True,
    )
    saigon = location_upsert(
        code="hcm-quan-1",
        name="Cửa hàng Quận 1",
        kind=Location.Kind.STORE,
        address="120 Lê Thánh Tôn, Bến Nghé, Quận 1",
        city="TP. Hồ Chí Minh",
        latitude=Decimal("10.776100"),
        longitude=Decimal("106.700900"),
        opening_hours="09:00–22:00",
        accepts_pickup=True,
    )
    web = sales_channel_upsert(
        code="web",
        name="Web store",
        kind=SalesChannel.Kind.WEB,
        locations=[warehouse, hang_giay, saigon],
        safety_buffer=0,
    )
    shopee = sales_channel_upsert(
        code="shopee",
        name="Shopee",
        kind=SalesChannel.Kind.MARKETPLACE,
        locations=[warehouse],
        safety_buffer=2,
        publish_percentage=80,
    )
    pos_hang_giay = sales_channel_upsert(
        code="pos-hn-hang-giay",
        name="POS Hàng Giấy",
        kind=SalesChannel.Kind.POS,
        locations=[hang_giay],
    )
    pos_saigon = sales_channel_upsert(
        code="pos-hcm-quan-1",
        name="POS Quận 1",
        kind=SalesChannel.Kind.POS,
        locations=[saigon],
    )
    return {
        "warehouse": warehouse,
        "hang_giay": hang_giay,
        "saigon": saigon,
        "web": web,
        "shopee": shopee,
        "pos_hang_giay": pos_hang_giay,
        "pos_saigon": pos_saigon,
    }
