"""Factories for the orders tests that are not shared with the other apps."""

import uuid
from decimal import Decimal

import factory
from django.utils import timezone

from orders.models import Order, Voucher


class VoucherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Voucher
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Voucher {n}")
    code = factory.Sequence(lambda n: f"GIAM{n:04d}")
    kind = Voucher.Kind.FIXED
    value = Decimal("50000")
    min_order_amount = Decimal(0)

    @factory.post_generation
    def channels(voucher, create, extracted, **kwargs):
        if create and extracted:
            voucher.channels.set(extracted)


def order_minimal(*, channel, customer=None, subtotal_amount=Decimal("500000"), **fields):
    """A bare confirmed order row, enough to hang a redemption on (not how orders are placed)."""
    return Order.objects.create(
        number=fields.pop("number", None) or f"TEST-{uuid.uuid4().hex[:12].upper()}",
        channel=channel,
        customer=customer,
        status=fields.pop("status", Order.Status.CONFIRMED),
        fulfilment=fields.pop("fulfilment", "ship"),
        subtotal_amount=subtotal_amount,
        total_amount=fields.pop("total_amount", subtotal_amount),
        placed_at=fields.pop("placed_at", None) or timezone.now(),
        **fields,
    )
