"""The only place of this app that takes row locks: always ordered by pk, so two callers
locking the same rows queue instead of deadlocking."""

from collections.abc import Iterable

from customers.models import Customer


def customers_lock(*, customer_ids: Iterable[int]) -> dict[int, Customer]:
    """Lock these customers' rows until the end of the transaction; returns them by pk.

    Loyalty redemption and merges lock the customer row: the balance is derived from the
    ledger, so the customer row is the one thing two redemptions must both wait for.
    """
    rows = Customer.objects.select_for_update().filter(pk__in=set(customer_ids)).order_by("pk")
    return {customer.pk: customer for customer in rows}
