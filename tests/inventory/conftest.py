from types import SimpleNamespace

import pytest

from inventory.models import SalesChannel
from tests.factories import (
    LocationFactory,
    VariantFactory,
    WarehouseFactory,
    channel_selling_from,
)


@pytest.fixture
def shop(db):
    """A warehouse and two stores; web sells from all three, Shopee from the warehouse,
    the Hàng Giấy POS from its store."""
    warehouse = WarehouseFactory(code="kho", name="Kho Long Biên")
    hang_giay = LocationFactory(code="hang-giay", name="Hàng Giấy")
    saigon = LocationFactory(code="quan-1", name="Quận 1")
    return SimpleNamespace(
        warehouse=warehouse,
        hang_giay=hang_giay,
        saigon=saigon,
        web=channel_selling_from(warehouse, hang_giay, saigon, code="web"),
        shopee=channel_selling_from(
            warehouse,
            kind=SalesChannel.Kind.MARKETPLACE,
            code="shopee",
            safety_buffer=2,
            publish_percentage=80,
        ),
        pos=channel_selling_from(hang_giay, kind=SalesChannel.Kind.POS, code="pos-hang-giay"),
        variant=VariantFactory(sku="MAC-KHEN-100"),
    )
