import itertools

import pytest

from orders.exceptions import OrderTransitionInvalid
from orders.lifecycle import ALLOWED_TRANSITIONS, FINAL_STATUSES, OrderStatus, order_status_check

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
