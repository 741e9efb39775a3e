"""Recompute the sales rollups (day and month) from every order and return."""

from django.core.management.base import BaseCommand
from django.db import transaction

from orders.services.rollup_rebuild import rollup_rebuild


class Command(BaseCommand):
    help = (
        "Recompute the sales rollups (per day and per month, by channel and by product, with "
        "the customers' milestones) from scratch."
    )

    def handle(self, *args, **options):
        with transaction.atomic(durable=True):
            channel_rows, product_rows = rollup_rebuild()
        self.stdout.write(
            f"Rollups rebuilt: {channel_rows} channel-day rows, {product_rows} product-day rows"
            " and their months."
        )
