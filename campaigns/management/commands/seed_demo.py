"""Demo data a person can play with. Idempotent: run it as often as you like.

It only calls services; each app's demo module says what it adds. The command lives in
``campaigns``, the app that may import every other one (DESIGN.md: imports lean one way).
"""

import json
import uuid

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from campaigns.demo import demo_flows, demo_journey
from config.roles import CASHIER, ROLES
from config.services import staff_user_ensure
from customers.services import customer_resolve
from inventory.demo import (
    DEMO_DELIVERY_NOTE,
    demo_catalog_and_stock,
    demo_locations_and_channels,
    demo_supplier_and_receipt,
)
from inventory.services import staff_membership_add
from orders.demo import (
    DEMO_CASHIER_PIN,
    DEMO_SHOPPER_EMAIL,
    DEMO_SHOPPER_PASSWORD,
    demo_quote,
    demo_sale_line,
    demo_shipping_rules,
    demo_shopper,
    demo_terminal,
)

DEMO_PASSWORD = "tiem-demo-{role}"  # noqa: S105 (printed for the demo on purpose)
# Where the scoped demo staff work (owners and marketers act for every location).
# The demo cashier opens a shift at both shops' tills, so works at both.
DEMO_WORKPLACES = {
    "store_manager": ("hang_giay",),
    "cashier": ("hang_giay", "saigon"),
    "warehouse": ("warehouse",),
}
DEMO_USERNAMES = {
    "owner": "owner",
    "store_manager": "manager",
    "cashier": "cashier",
    "warehouse": "warehouse",
    "marketer": "marketer",
}


class Command(BaseCommand):
    help = (
        "Load demo stores, channels, catalog, stock, a supplier's delivery, staff logins, "
        "customers, an in-store quote in a shopper's web account and a POS terminal per store "
        "with an open shift (safe to run again)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args, base_url, **options):
        with transaction.atomic(durable=True):
            demo = demo_locations_and_channels()
            product_count = demo_catalog_and_stock(places=demo)
            demo_shipping_rules()
            logins, staff = [], {}
            for role in ROLES:
                username = DEMO_USERNAMES[role]
                password = DEMO_PASSWORD.format(role=role.replace("_", "-"))
                staff[role] = staff_user_ensure(
                    username=username,
                    role=role,
                    password=password,
                    email=f"{username}@tiem.example",
                )
                for workplace in DEMO_WORKPLACES.get(role, ()):
                    staff_membership_add(user=staff[role], location=demo[workplace])
                logins.append((role, username, password))
            terminals = [
                demo_terminal(location=demo[store], name="Quầy 1", cashier=staff[CASHIER])
                for store in ("hang_giay", "saigon")
            ]
            customer = customer_resolve(
                phone="0909908089", email="toan@example.vn", full_name="Nguyễn Văn Toản"
            )
            sale_line = demo_sale_line(location=demo["hang_giay"])
            receipt = demo_supplier_and_receipt(
                location=demo["warehouse"], received_by=staff["warehouse"]
            )
            shopper = demo_shopper()
            quote = demo_quote(customer=shopper, terminal=terminals[0][0], cashier=staff[CASHIER])
            flow_count = demo_flows()
        # Checkout holds stock in its own durable transaction: after the data above.
        shoppers = demo_journey(web=demo["web"], sku=sale_line[0]) if sale_line else []

        out = self.stdout
        out.write(self.style.SUCCESS(f"Demo data ready ({product_count} products)."))
        out.write(f"  Flows:     {flow_count} on, with 1-minute delays (Campaigns → Flows)")
        if shoppers:
            out.write(
                "  A journey:  "
                + " and ".join(shopper.full_name for shopper in shoppers)
                + " left the web store; with the worker and beat running, their cart email"
                " (var/mail/) and checkout SMS arrive in a minute or two (Campaigns → Messages)"
            )
        out.write(f"  Store:     {base_url}/")
        out.write(f"  Admin:     {base_url}/admin/")
        out.write(f"  API docs:  {base_url}/api/docs/")
        out.write(f"  Health:    {base_url}/healthz")
        out.write("  Staff logins (username / password / role):")
        for role, username, password in logins:
            out.write(f"    {username:<10} {password:<28} {role}")
        out.write(f"  The cashier's PIN at the till (opening a shift): {DEMO_CASHIER_PIN}")
        for terminal, token in terminals:
            out.write(f"  POS terminal '{terminal}' token (new on every seed): {token}")
        token = terminals[0][1]
        out.write(f"  Demo customer: {customer} (phone 0909 908 089), id {customer.pk}")
        expires = timezone.localtime(quote.expires_at).strftime("%d/%m/%Y")
        out.write(
            f"  An in-store quote: {quote.number} for {shopper}, made at the Hàng Giấy till,"
            f" sent, valid until {expires}. Log in at {base_url}/account/login/ as"
            f" {DEMO_SHOPPER_EMAIL} / {DEMO_SHOPPER_PASSWORD} and open"
            f" {base_url}/account/quotes/ to check it out at the quoted prices"
            f" (staff: Admin → Quotes)."
        )
        out.write(
            f"  A goods receipt: {receipt.reference} from {receipt.supplier}"
            f" (delivery note {DEMO_DELIVERY_NOTE}), {receipt.lines.count()} lines at"
            f" {receipt.location} (Admin → Goods receipts)."
        )
        if sale_line is not None:
            sku, price = sale_line
            body = json.dumps(
                {
                    # New on every seed, so an old demo sale is never mistaken for this one.
                    "client_uuid": str(uuid.uuid4()),
                    "customer_id": customer.pk,
                    "lines": [{"sku": sku, "quantity": 1}],
                    "payments": [{"method": "cash", "amount": price, "tendered_amount": price}],
                },
                ensure_ascii=False,
            )
            out.write(
                "  A POS sale at Hàng Giấy (send it twice: the second answer is the same sale;"
                " change client_uuid for a new one):"
            )
            out.write(
                f"    curl -X POST -H 'Authorization: Bearer {token}' "
                f"-H 'Content-Type: application/json' -d '{body}' {base_url}/api/v1/pos/sales/"
            )
