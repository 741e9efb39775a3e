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


def order_number_take(*, channel: SalesChannel) -> str:
    """The next order number of ``channel``, taken and committed at once: called outside a
    transaction, the counter's row is locked for one statement, not for the whole order.

    For the POS sale (orders.services.pos), where holding the row for the sale serialised
    every till of a store on it. Unique and increasing, but not gap-free: a sale refused
    after taking its number (short of stock, a duplicate) leaves that number unused.
    Inside a transaction it is :func:`order_number_next` (the row held until the end).
    """
    if connection.in_atomic_block:
        return order_number_next(channel=channel)
    table = OrderNumberSequence._meta.db_table
    with connection.cursor() as cursor:
        # Autocommit: this one statement is its own transaction.
        cursor.execute(
            f"UPDATE {table} SET last_value = last_value + 1 "  # noqa: S608 (our table name)
            "WHERE channel_id = %s RETURNING prefix, last_value",
            [channel.pk],
        )
        row = cursor.fetchone()
    if row is None:  # the channel's first order: the row is created, in a short transaction
        return order_number_next(channel=channel)
    prefix, value = row
    return f"{prefix}-{value:06d}"
