"""Writes of the shipping rules that are more than one row's edit."""

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from orders.models import ShippingRule


@transaction.atomic
def shipping_rules_deactivate(*, rules: QuerySet[ShippingRule]) -> int:
    """Stop applying these rules (kept for the record); returns how many were active."""
    return rules.filter(is_active=True).update(is_active=False, updated_at=timezone.now())


def shipping_rule_upsert(
    *, name: str, province_code: str, fee_amount: Decimal, min_order_amount: Decimal = Decimal(0)
) -> ShippingRule:
    """The active rule for this province and order value, created or updated (idempotent)."""
    rule, _created = ShippingRule.objects.update_or_create(
        province_code=province_code,
        min_order_amount=min_order_amount,
        currency=settings.DEFAULT_CURRENCY,
        is_active=True,
        defaults={"name": name, "fee_amount": fee_amount},
    )
    rule.full_clean()
    return rule
