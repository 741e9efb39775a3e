import threading
from decimal import Decimal

import pytest
from django.db import connection

from customers.exceptions import InsufficientPoints, LoyaltyReferenceConflict
from customers.models import LoyaltyEntry
from customers.selectors import loyalty_balance
from customers.services import (
    loyalty_earn,
    loyalty_expire,
    loyalty_points_for_amount,
    loyalty_redeem,
    loyalty_reverse,
)
from tests.factories import CustomerFactory


@pytest.mark.django_db
def test_earn_rule_is_one_point_per_10000_dong_by_default():
    assert loyalty_points_for_amount(amount=Decimal("259000")) == 25
    assert loyalty_points_for_amount(amount=Decimal("9999")) == 0


@pytest.mark.django_db
def test_earn_rule_follows_the_setting(settings):
    settings.LOYALTY_VND_PER_POINT = 1000

    assert loyalty_points_for_amount(amount=Decimal("259000")) == 259


@pytest.mark.django_db
def test_same_reference_twice_is_counted_once():
    # given
    customer = CustomerFactory()

    # when
    first = loyalty_earn(customer=customer, reference="order:WEB-000123", amount=Decimal("500000"))
    second = loyalty_earn(customer=customer, reference="order:WEB-000123", amount=Decimal("500000"))
    loyalty_redeem(customer=customer, reference="order:POS-1", points=20)
    loyalty_redeem(customer=customer, reference="order:POS-1", points=20)

    # then
    assert first == second
    assert LoyaltyEntry.objects.count() == 2
    assert loyalty_balance(customer=customer) == 30


@pytest.mark.django_db
def test_same_reference_with_other_points_is_a_conflict():
    customer = CustomerFactory()
    loyalty_earn(customer=customer, reference="order:WEB-1", points=10)

    with pytest.raises(LoyaltyReferenceConflict):
        loyalty_earn(customer=customer, reference="order:WEB-1", points=99)

    assert LoyaltyEntry.objects.count() == 1


@pytest.mark.django_db
def test_redeeming_more_than_the_balance_is_refused_and_nothing_written():
    customer = CustomerFactory()
    loyalty_earn(customer=customer, reference="order:WEB-1", points=10)

    with pytest.raises(InsufficientPoints):
        loyalty_redeem(customer=customer, reference="order:WEB-2", points=11)

    assert loyalty_balance(customer=customer) == 10
    assert LoyaltyEntry.objects.count() == 1


@pytest.mark.django_db
def test_expire_never_goes_below_zero_and_reverse_takes_back_earned_points():
    customer = CustomerFactory()
    loyalty_earn(customer=customer, reference="order:WEB-1", points=50)

    loyalty_reverse(customer=customer, reference="return:RET-1", points=20)
    loyalty_expire(customer=customer, reference="expiry:2026", points=100)

    assert loyalty_balance(customer=customer) == 0
    assert list(customer.loyalty_entries.order_by("id").values_list("kind", "points")) == [
        ("earn", 50),
        ("reverse", -20),
        ("expire", -30),
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_redemptions_of_the_full_balance_one_succeeds():
    # given
    customer = CustomerFactory()
    loyalty_earn(customer=customer, reference="order:WEB-1", points=100)
    barrier = threading.Barrier(2)
    outcomes = []

    def redeem(reference):
        try:
            barrier.wait()
            loyalty_redeem(customer=customer, reference=reference, points=100)
            outcomes.append("ok")
        except InsufficientPoints:
            outcomes.append("refused")
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=redeem, args=(f"order:POS-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then
    assert sorted(outcomes) == ["ok", "refused"]
    assert loyalty_balance(customer=customer) == 0
    assert LoyaltyEntry.objects.filter(kind="redeem").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_earns_with_one_reference_are_counted_once():
    customer = CustomerFactory()
    barrier = threading.Barrier(3)

    def earn():
        try:
            barrier.wait()
            loyalty_earn(customer=customer, reference="order:POS-9", points=40)
        finally:
            connection.close()

    threads = [threading.Thread(target=earn) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert loyalty_balance(customer=customer) == 40
    assert LoyaltyEntry.objects.count() == 1


@pytest.mark.django_db
def test_points_of_an_erased_customer_can_still_be_reversed():
    from customers.services import customer_erase

    customer = CustomerFactory()
    loyalty_earn(customer=customer, reference="order:WEB-1", points=50)
    customer_erase(customer=customer)

    loyalty_reverse(customer=customer, reference="return:RET-1", points=50)

    assert loyalty_balance(customer=customer) == 0
