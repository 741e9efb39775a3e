"""Order numbers per channel."""

from django.db import connection, transaction

from inventory.models import SalesChannel
from orders.models import Order, OrderNumberSequence


def order_number_next(*, channel: SalesChannel) -> str:
    """The next order number of ``channel``, such as ``WEB-000124``. Gap-free per channel.

    The increment is one conditional ``UPDATE … RETURNING``: the row stays locked until
    the caller's transaction ends, so two orders never get the same number and a
    rolled-back order gives its number back. The row is created on the channel's first order.
    """
    return _next(channel, with_id=False)[0]


def order_number_and_id_take(*, channel: SalesChannel) -> tuple[str, int | None]:
    """The next order number of ``channel``, taken and committed at once, and on PostgreSQL
    the new order's id, drawn from the orders' own sequence in the same statement (None
    elsewhere).

    Called outside a transaction, the counter's row is locked for one statement, not for
    the whole order: for the POS sale (orders.services.pos), where holding the row for the
    sale serialised every till of a store on it. Unique and increasing, but not gap-free: a
    sale refused after taking its number (short of stock, a duplicate) leaves that number,
    and that id, unused. An order whose id is known before it is written is written with
    its lines, payments and events in one statement (``order_write``). Inside a transaction
    the number is taken as :func:`order_number_next` takes it (the row held until the end).
    """
    if connection.in_atomic_block:
        return _next(channel, with_id=True)
    with connection.cursor() as cursor:
        # Autocommit: this one statement is its own transaction.
        row = _increment(cursor, channel, with_id=True)
    if row is None:  # the channel's first order: the row is created, in a short transaction
        return _next(channel, with_id=True)
    return row


def _next(channel: SalesChannel, *, with_id: bool) -> tuple[str, int | None]:
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        for _attempt in range(2):
            row = _increment(cursor, channel, with_id=with_id)
            if row is not None:
                return row
            OrderNumberSequence.objects.get_or_create(
                channel=channel, defaults={"prefix": channel.code.upper()}
            )
    raise AssertionError("the sequence row exists after get_or_create")


def _increment(cursor, channel: SalesChannel, *, with_id: bool) -> tuple[str, int | None] | None:
    """The channel's next number (``with_id``, on PostgreSQL, a new order id too) in one
    statement; None when the channel has no counter yet."""
    order_id = "NULL"
    if with_id and connection.vendor == "postgresql":
        order_id = f"nextval(pg_get_serial_sequence('{Order._meta.db_table}', 'id'))"
    cursor.execute(
        f"UPDATE {OrderNumberSequence._meta.db_table} SET last_value = last_value + 1 "  # noqa: S608
        f"WHERE channel_id = %s RETURNING prefix, last_value, {order_id}",  # (our names)
        [channel.pk],
    )
    row = cursor.fetchone()
    if row is None:
        return None
    prefix, value, new_id = row
    return f"{prefix}-{value:06d}", new_id
