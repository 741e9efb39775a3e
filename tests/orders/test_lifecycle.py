import itertools

import pytest
from django.utils import timezone

from orders.exceptions import OrderTransitionInvalid
from orders.models import Order
from orders.services.lifecycle import order_returned_mark
from orders.statuses import ALLOWED_TRANSITIONS, FINAL_STATUSES, OrderStatus, order_status_check
from tests.factories import LocationFactory, channel_selling_from

S = OrderStatus
EXPECTED_ALLOWED = {
    (S.PENDING_PAYMENT, S.CONFIRMED),
    (S.PENDING_PAYMENT, S.CANCELLED),
    (S.CONFIRMED, S.READY_FOR_PICKUP),
    (S.CONFIRMED, S.SHIPPED),
    (S.CONFIRMED, S.COMPLETED),
    (S.CONFIRMED, S.CANCELLED),
    (S.READY_FOR_PICKUP, S.COMPLETED),
    (S.READY_FOR_PICKUP, S.CANCELLED),
    (S.SHIPPED, S.COMPLETED),
    (S.SHIPPED, S.RETURNED),
    (S.COMPLETED, S.PARTIALLY_RETURNED),
    (S.COMPLETED, S.RETURNED),
    (S.PARTIALLY_RETURNED, S.PARTIALLY_RETURNED),
    (S.PARTIALLY_RETURNED, S.RETURNED),
}
ALL_PAIRS = list(itertools.product(OrderStatus, repeat=2))


def test_the_table_is_exactly_the_documented_one():
    table = {(current, new) for current, moves in ALLOWED_TRANSITIONS.items() for new in moves}

    assert table == EXPECTED_ALLOWED
    assert set(ALLOWED_TRANSITIONS) == set(OrderStatus)
    assert {S.CANCELLED, S.RETURNED} == FINAL_STATUSES


@pytest.mark.parametrize(("current", "new"), sorted(EXPECTED_ALLOWED))
def test_every_allowed_transition_passes(current, new):
    order_status_check(current=current, new=new)


@pytest.mark.parametrize(
    ("current", "new"), [pair for pair in ALL_PAIRS if pair not in EXPECTED_ALLOWED]
)
def test_every_other_transition_is_refused_with_a_clear_message(current, new):
    with pytest.raises(OrderTransitionInvalid) as error:
        order_status_check(current=current, new=new)

    assert error.value.status_code == 409
    assert str(OrderStatus(current).label) in error.value.detail
    assert str(OrderStatus(new).label) in error.value.detail


def _order(status):
    """A bare order row in ``status`` (placed orders come from the placing service)."""
    return Order.objects.create(
        number=f"TEST-{status.upper()}",
        channel=channel_selling_from(LocationFactory()),
        status=status,
        fulfilment="ship",
        subtotal_amount=100000,
        total_amount=100000,
        placed_at=timezone.now(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("current", "fully_returned", "new"),
    [
        (S.COMPLETED, False, S.PARTIALLY_RETURNED),
        (S.COMPLETED, True, S.RETURNED),
        (S.PARTIALLY_RETURNED, False, S.PARTIALLY_RETURNED),
        (S.PARTIALLY_RETURNED, True, S.RETURNED),
    ],
)
def test_a_return_moves_the_order_through_the_table(current, fully_returned, new):
    # given
    order = _order(current)

    # when
    order_returned_mark(locked_order=order, fully_returned=fully_returned)

    # then
    order.refresh_from_db()
    assert order.status == new


@pytest.mark.django_db
def test_a_return_move_the_table_forbids_is_refused_and_nothing_is_saved():
    # given: a confirmed order (not yet in the shopper's hands)
    order = _order(S.CONFIRMED)

    # when
    with pytest.raises(OrderTransitionInvalid):
        order_returned_mark(locked_order=order, fully_returned=True)

    # then
    order.refresh_from_db()
    assert order.status == S.CONFIRMED
