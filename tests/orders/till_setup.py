"""What the till tests share: the Hàng Giấy showroom's till selling one jar, a cashier on
shift there, a sale's body, and the shape of a refusal naming a field."""

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from rest_framework.test import APIClient

from inventory.models import Location, SalesChannel
from orders.models import Terminal
from orders.services import shift_open
from tests.factories import (
    LocationFactory,
    StaffFactory,
    VariantFactory,
    channel_selling_from,
    stocked,
    terminal_with_token,
)


@dataclass
class Till:
    terminal: Terminal
    token: str
    channel: SalesChannel
    api: APIClient = field(init=False)

    def __post_init__(self):
        self.api = self.client()

    @property
    def store(self) -> Location:
        return self.terminal.location

    def client(self) -> APIClient:
        """A client of its own holding the till's token (one for each thread)."""
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {self.token}")
        return api

    def cashier_on_shift(self, *, opening_float_amount=Decimal(0), pin="2468"):
        """A cashier of the store who opened a shift at this till: ``(cashier, shift)``."""
        cashier = StaffFactory(role="cashier", pin=pin, stores=[self.store])
        shift, _ = shift_open(terminal=self.terminal, cashier=cashier, pin=pin,
                              client_uuid=uuid.uuid4(),
                              opening_float_amount=opening_float_amount)  # fmt: skip
        return cashier, shift


def till_selling_a_jar() -> Till:
    """The till of the Hàng Giấy showroom (POS channel ``pos-hg``) with five jars of
    MK-100G at 85,000 in stock; ``.api`` already holds its token."""
    store = LocationFactory(name="Showroom Hàng Giấy")
    channel = channel_selling_from(store, kind="pos", code="pos-hg")
    terminal, token = terminal_with_token(location=store)
    stocked(VariantFactory(sku="MK-100G", price_amount=Decimal(85000)), store, 5)
    return Till(terminal=terminal, token=token, channel=channel)


def a_sale(**fields):
    """The body of a cash sale of one jar at the till, with ``fields`` over it."""
    return {
        "client_uuid": str(uuid.uuid4()),
        "lines": [{"sku": "MK-100G", "quantity": 1}],
        "payments": [{"method": "cash", "amount": "85000"}],
        **fields,
    }


def assert_refused_naming(response, field):
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid"
    assert list(response.json()["fields"]) == [field]
