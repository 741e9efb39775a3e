"""Check the stock invariants on a live database and report any drift.

For every stock level: on hand equals the sum of its movements (the ledger is the truth)
and reserved equals the sum of its active reservations. Exit status 1 on drift, so it can
run from cron or a deployment check.
"""

from django.core.management.base import BaseCommand, CommandError

from inventory.models import StockLevel
from inventory.selectors import stock_drift_list


class Command(BaseCommand):
    help = "Verify that on hand equals the ledger and reserved equals the active reservations."

    def handle(self, *args, **options):
        checked = StockLevel.objects.count()
        drifts = list(stock_drift_list())
        for level in drifts:
            self.stdout.write(
                f"DRIFT {level.variant.sku} @ {level.location.code}: "
                f"on_hand={level.on_hand} ledger={level.ledger_total} "
                f"reserved={level.reserved} active_reservations={level.reserved_total}"
            )
        if drifts:
            raise CommandError(f"{len(drifts)} of {checked} stock levels drifted.")
        self.stdout.write(self.style.SUCCESS(f"OK: {checked} stock levels match the ledger."))
