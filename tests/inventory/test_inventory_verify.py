from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from inventory.models import StockLevel
from inventory.services import StockLine, stock_reserve
from tests.factories import stocked


def test_verify_passes_on_a_consistent_database(shop):
    # given
    stocked(shop.variant, shop.warehouse, 5)
    stock_reserve(
        channel=shop.web, lines=[StockLine(sku="MAC-KHEN-100", quantity=2)], reference="r"
    )
    out = StringIO()

    # when
    call_command("inventory_verify", stdout=out)

    # then
    assert "OK: 1 stock levels match the ledger." in out.getvalue()


def test_verify_reports_drift_of_on_hand_and_reserved(shop):
    # given: someone wrote the counters behind the services' back
    level = stocked(shop.variant, shop.warehouse, 5)
    StockLevel.objects.filter(pk=level.pk).update(on_hand=7, reserved=1)
    out = StringIO()

    # when
    with pytest.raises(CommandError, match="1 of 1 stock levels drifted"):
        call_command("inventory_verify", stdout=out)

    # then
    assert "on_hand=7 ledger=5 reserved=1 active_reservations=0" in out.getvalue()
