"""Schemathesis, from the committed schema, against a live server on PostgreSQL.

Every operation of ``docs/openapi.yaml`` is called with generated input — valid and
invalid — by a POS terminal (its token) or a staff member (a session cookie), and every
answer goes through all of Schemathesis's checks: no 5xx, statuses, content types, bodies
and headers as documented, invalid input refused, valid input not refused for its shape,
credentials enforced. The seed is fixed (``derandomize``) and the examples per operation
bounded so the whole run fits CI; any failure fails the build.

Run alone: ``DATABASE_URL=postgres://… pytest tests/contract -p no:cacheprovider``.
``CONTRACT_EXAMPLES`` raises the examples per operation for a longer local run.
"""

import os
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
import schemathesis
from django.conf import settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.throttling import SimpleRateThrottle

from orders.services import shift_open
from tests.factories import (
    LocationFactory,
    ProductFactory,
    StaffFactory,
    VariantFactory,
    channel_selling_from,
    customer_with,
    stocked,
    terminal_with_token,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "20"))


@pytest.fixture
def world(live_server, transactional_db, monkeypatch, client):
    """A store selling on the POS with a terminal, stock, a customer and an open shift;
    an owner logged in for the staff endpoints."""
    # Throttling is tested elsewhere; here it would answer 429 to most of the run.
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {"anon": None, "user": None, "pos": None, "pos_lookup": None},
    )
    store = LocationFactory(name="Showroom Hàng Giấy", code="HG")
    channel_selling_from(store, kind="pos", code="pos-hg")
    channel_selling_from(store, kind="web", code="web")
    terminal, token = terminal_with_token(location=store)
    product = ProductFactory(name="Mắc khén")
    jar = VariantFactory(product=product, sku="MK-100G", price_amount=Decimal(85000))
    stocked(jar, store, 50)
    customer_with(phone="+84909908089", email="toan@example.vn", full_name="Nguyễn Văn Toản")
    owner = StaffFactory(role="owner")
    cashier = StaffFactory(role="cashier", pin="2468", stores=[store])
    shift_open(
        terminal=terminal,
        cashier=cashier,
        pin="2468",
        client_uuid=uuid.uuid4(),
        opening_float_amount=Decimal(1_000_000),
    )
    client.force_login(owner)
    CREDENTIALS.update(terminal=token, staff=client.cookies[settings.SESSION_COOKIE_NAME].value)
    yield live_server.url
    CREDENTIALS.clear()


schema = schemathesis.openapi.from_path(
    ROOT / "docs" / "openapi.yaml",
    config=schemathesis.Config.from_path(Path(__file__).with_name("schemathesis.toml")),
)

# This run's credentials, set by the `world` fixture (tokens and sessions are made per test).
CREDENTIALS: dict[str, str] = {}


@schema.auth(refresh_interval=None)
class Credentials:
    """Each operation gets the credentials its schema declares: the terminal's token or the
    staff session. Schemathesis leaves them out of the cases that test a missing one, and
    its `ignored_auth` check sends each operation without them and with wrong ones."""

    def get(self, case, context):
        return dict(CREDENTIALS)

    def set(self, case, data, context):
        security = case.operation.definition.raw.get("security", [])
        if any("cookieAuth" in requirement for requirement in security):
            session = data.get("staff", "")
            case.cookies = {**(case.cookies or {}), settings.SESSION_COOKIE_NAME: session}
        else:
            token = data.get("terminal", "")
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}


@pytest.mark.postgres
@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)
def test_the_api_keeps_its_contract(case, world):
    # when / then: every answer passes all of Schemathesis's checks
    case.call_and_validate(base_url=world, timeout=30)
