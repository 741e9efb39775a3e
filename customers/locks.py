"""The only place of this app that takes row locks: always ordered by pk, so two callers
locking the same rows queue instead of deadlocking."""

from collections.abc import Iterable

from config.compiled import CompiledQuery
from customers.models import Customer

# One customer (a till sale's milestones, a redemption): compiled once per process.
_ONE_CUSTOMER = CompiledQuery(lambda pk: Customer.objects.select_for_update().filter(pk=pk), pk=-1)
_ONE_CUSTOMER_KEY = CompiledQuery(
    lambda pk: Customer.objects.select_for_update().filter(pk=pk).only("pk"), pk=-1
)


def customers_lock(*, customer_ids: Iterable[int]) -> dict[int, Customer]:
    """Lock these customers' rows until the end of the transaction; returns them by pk.

    Loyalty redemption and merges lock the customer row: the balance is derived from the
    ledger, so the customer row is the one thing two redemptions must both wait for.
    """
    ids = set(customer_ids)
    if len(ids) == 1:
        rows = _ONE_CUSTOMER.run(pk=next(iter(ids)))
    else:
        rows = Customer.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    return {customer.pk: customer for customer in rows}


def customer_lock(*, customer_id: int) -> None:
    """Lock one customer's row until the end of the transaction, reading only its key: every
    order of a customer waits here for the one before it (``orders.services.rollups``)."""
    _ONE_CUSTOMER_KEY.run(pk=customer_id)


def customer_rows_lock(*, fields: Iterable, customer_id: int) -> None:
    """Lock every row pointing at this customer through ``fields`` (foreign keys of any
    app, in the given order), each model's rows ordered by pk.

    A merge rewrites these rows (orders, carts, voucher codes ...) after locking the
    customers; taking them first keeps the global lock order (docs/architecture.md):
    orders and vouchers before customers, so a return holding an order while it waits
    for the customer's points can never wait in a circle with a merge.
    """
    for field in fields:
        list(
            field.model._base_manager.select_for_update()
            .filter(**{field.attname: customer_id})
            .order_by("pk")
            .values_list("pk", flat=True)
        )
