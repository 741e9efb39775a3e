"""Order numbers per channel."""

from django.db import connection, transaction

from inventory.models import SalesChannel
from orders.models import OrderNumberSequence


def order_number_next(*, channel: SalesChannel) -> str:
    """The next order number of ``channel``, such as ``WEB-000124``. Gap-free per channel.

    The increment is one conditional ``UPDATE … RETURNING``: the row stays locked until
    the caller's transaction ends, so two orders never get the same number and a
    rolled-back order gives its number back. The row is created on the channel's first order.
    """
    table = OrderNumberSequence._meta.db_table
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        for _attempt in range(2):
            cursor.execute(
                f"UPDATE {table} SET last_value = last_value + 1 "  # noqa: S608 (our table name)
                "WHERE channel_id = %s RETURNING prefix, last_value",
                [channel.pk],
            )
            row = cursor.fetchone()
            if row is not None:
                prefix, value = row
                return f"{prefix}-{value:06d}"
            OrderNumberSequence.objects.get_or_create(
                channel=channel, defaults={"prefix": channel.code.upper()}
            )
    raise AssertionError("the sequence row exists after get_or_create")
