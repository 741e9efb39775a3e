"""Order numbers per channel."""

from django.db import transaction
from django.db.models import F

from inventory.models import SalesChannel
from orders.models import OrderNumberSequence


def order_number_next(*, channel: SalesChannel) -> str:
    """The next order number of ``channel``, such as ``WEB-000124``. Gap-free per channel.

    The increment is one conditional UPDATE: the row stays locked until the caller's
    transaction ends, so two orders can never get the same number and a rolled-back
    order gives its number back.
    """
    with transaction.atomic():
        sequence, _created = OrderNumberSequence.objects.get_or_create(
            channel=channel, defaults={"prefix": channel.code.upper()}
        )
        OrderNumberSequence.objects.filter(pk=sequence.pk).update(last_value=F("last_value") + 1)
        sequence.refresh_from_db(fields=["last_value"])
    return f"{sequence.prefix}-{sequence.last_value:06d}"
