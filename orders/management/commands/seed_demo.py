"""Demo data a person can play with. Idempotent: run it as often as you like.

It only calls services; each app's demo module says what it adds.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from config.roles import ROLES
from config.services import staff_user_ensure
from inventory.demo import demo_catalog_and_stock, demo_locations_and_channels
from orders.models import Terminal
from orders.services import terminal_create, terminal_token_rotate

DEMO_PASSWORD = "tiem-demo-{role}"  # noqa: S105 (printed for the demo on purpose)
DEMO_USERNAMES = {
    "owner": "owner",
    "store_manager": "manager",
    "cashier": "cashier",
    "warehouse": "warehouse",
    "marketer": "marketer",
}


class Command(BaseCommand):
    help = "Load demo stores, channels, staff logins and a POS terminal (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args, base_url, **options):
        with transaction.atomic(durable=True):
            demo = demo_locations_and_channels()
            product_count = demo_catalog_and_stock(places=demo)
            logins = []
            for role in ROLES:
                username = DEMO_USERNAMES[role]
                password = DEMO_PASSWORD.format(role=role.replace("_", "-"))
                staff_user_ensure(
                    username=username,
                    role=role,
                    password=password,
                    email=f"{username}@tiem.example",
                )
                logins.append((role, username, password))
            terminal = Terminal.objects.filter(location=demo["hang_giay"], name="Quầy 1").first()
            if terminal is None:
                terminal, token = terminal_create(location=demo["hang_giay"], name="Quầy 1")
            else:
                # Tokens are stored hashed, so the demo token is rotated to be shown again.
                token = terminal_token_rotate(terminal=terminal)

        out = self.stdout
        out.write(self.style.SUCCESS(f"Demo data ready ({product_count} products)."))
        out.write(f"  Store:     {base_url}/")
        out.write(f"  Admin:     {base_url}/admin/")
        out.write(f"  API docs:  {base_url}/api/docs/")
        out.write(f"  Health:    {base_url}/healthz")
        out.write("  Staff logins (username / password / role):")
        for role, username, password in logins:
            out.write(f"    {username:<10} {password:<28} {role}")
        out.write(f"  POS terminal '{terminal}' token (new on every seed): {token}")
        out.write(f"    curl -H 'Authorization: Bearer {token}' {base_url}/api/v1/pos/terminal/")
