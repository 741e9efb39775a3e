"""Recompute the daily sales rollups from every order and return."""

from django.core.management.base import BaseCommand
from django.db import transaction

from orders.services.rollups import rollup_rebuild


class Command(BaseCommand):
    help = "Recompute the daily sales rollups (by channel and by product) from scratch."

    def handle(self, *args, **options):
        with transaction.atomic(durable=True):
            channel_rows, product_rows = rollup_rebuild()
        self.stdout.write(
            f"Rollups rebuilt: {channel_rows} channel-day rows, {product_rows} product-day rows."
        )
