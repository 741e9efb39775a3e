import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone, translation

from orders.exceptions import (
    VoucherChannelInvalid,
    VoucherCodesRequestInvalid,
    VoucherCodeUsed,
    VoucherCustomerLimitReached,
    VoucherExpired,
    VoucherInactive,
    VoucherInvalid,
    VoucherMinimumNotMet,
    VoucherNotStarted,
    VoucherUnknown,
    VoucherUsedUp,
)
from orders.models import Order, Voucher, VoucherCode, VoucherRedemption
from orders.services import (
    voucher_codes_generate,
    voucher_quote,
    voucher_redeem,
    voucher_release,
)
from orders.services import vouchers as voucher_services
from tests.factories import CustomerFactory, SalesChannelFactory, VoucherFactory, order_minimal


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield


@pytest.fixture
def web(db):
    return SalesChannelFactory(code="web", name="Web store")


def quote(voucher_or_code, channel, *, customer=None, subtotal="500000", now=None):
    code = voucher_or_code if isinstance(voucher_or_code, str) else voucher_or_code.code
    return voucher_quote(
        code=code,
        channel=channel,
        customer=customer,
        subtotal_amount=Decimal(subtotal),
        now=now,
    )


def checkout(code, channel, *, customer=None, subtotal="500000"):
    """What a checkout does with a voucher: quote, place the order, redeem in one transaction."""
    with transaction.atomic():
        voucher_quoted = quote(code, channel, customer=customer, subtotal=subtotal)
        order = order_minimal(channel=channel, customer=customer, subtotal_amount=Decimal(subtotal))
        return voucher_redeem(quote=voucher_quoted, order=order, customer=customer)


def assert_nothing_redeemed(voucher, used_count=0, redemptions=None):
    """The voucher's usage is exactly what it was: no use taken, no redemption written."""
    voucher.refresh_from_db()
    assert voucher.used_count == used_count
    expected = used_count if redemptions is None else redemptions
    assert VoucherRedemption.objects.filter(voucher=voucher).count() == expected


# --- quote: the discount -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_percentage_is_taken_off_the_subtotal_and_rounded_to_whole_dong(web):
    # given
    voucher = VoucherFactory(code="TET10", kind="percentage", value=Decimal("10"))

    # when
    quoted = quote(voucher, web, subtotal="1234567")

    # then
    assert quoted.voucher == voucher
    assert quoted.voucher_code is None
    assert quoted.discount_amount == Decimal("123457")
    assert quoted.code == "TET10"


@pytest.mark.django_db
def test_a_percentage_is_capped_by_the_maximum_discount(web):
    voucher = VoucherFactory(
        kind="percentage", value=Decimal("20"), max_discount_amount=Decimal("100000")
    )

    assert quote(voucher, web, subtotal="2000000").discount_amount == Decimal("100000")
    assert quote(voucher, web, subtotal="300000").discount_amount == Decimal("60000")


@pytest.mark.django_db
def test_a_fixed_discount_never_exceeds_the_subtotal(web):
    voucher = VoucherFactory(kind="fixed", value=Decimal("200000"))

    assert quote(voucher, web, subtotal="150000").discount_amount == Decimal("150000")
    assert quote(voucher, web, subtotal="350000").discount_amount == Decimal("200000")


@pytest.mark.django_db
def test_the_discount_is_rounded_to_the_channel_currency():
    channel = SalesChannelFactory(code="intl", currency="USD")
    voucher = VoucherFactory(kind="percentage", value=Decimal("12.5"))

    assert quote(voucher, channel, subtotal="10.01").discount_amount == Decimal("1.25")


@pytest.mark.django_db
def test_codes_match_whatever_the_case_and_surrounding_spaces(web):
    voucher = VoucherFactory(code="TET2026")

    assert quote("  tet2026 ", web).voucher == voucher


@pytest.mark.django_db
def test_a_single_use_code_quotes_its_voucher(web):
    # given
    voucher = VoucherFactory(code=None, kind="fixed", value=Decimal("30000"))
    code = VoucherCode.objects.create(voucher=voucher, code="QUA7HKX2MB")

    # when
    quoted = quote("qua7hkx2mb", web)

    # then
    assert (quoted.voucher, quoted.voucher_code) == (voucher, code)
    assert quoted.discount_amount == Decimal("30000")
    assert quoted.code == "QUA7HKX2MB"


@pytest.mark.django_db
def test_a_voucher_limited_to_channels_works_on_those(web):
    pos = SalesChannelFactory(code="pos", kind="pos")
    voucher = VoucherFactory(channels=[web, pos])

    assert quote(voucher, web).voucher == voucher
    assert quote(voucher, pos).voucher == voucher


@pytest.mark.django_db
def test_the_validity_window_includes_its_start_and_excludes_its_end(web):
    now = timezone.now()
    voucher = VoucherFactory(starts_at=now, ends_at=now + timedelta(days=1))

    assert quote(voucher, web, now=now).voucher == voucher
    with pytest.raises(VoucherExpired):
        quote(voucher, web, now=now + timedelta(days=1))


# --- quote: the refusals -------------------------------------------------------------------


def _refusal_cases():
    now = timezone.now()
    return [
        ("unknown", {}, VoucherUnknown, "voucher_unknown"),
        ("inactive", {"is_active": False}, VoucherInactive, "voucher_inactive"),
        (
            "not started",
            {"starts_at": now + timedelta(hours=1)},
            VoucherNotStarted,
            "voucher_not_started",
        ),
        ("expired", {"ends_at": now - timedelta(seconds=1)}, VoucherExpired, "voucher_expired"),
        ("used up", {"usage_limit": 3, "used_count": 3}, VoucherUsedUp, "voucher_used_up"),
        (
            "below minimum",
            {"min_order_amount": Decimal("500000")},
            VoucherMinimumNotMet,
            "voucher_minimum_not_met",
        ),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "fields", "error", "code"), _refusal_cases(), ids=[c[0] for c in _refusal_cases()]
)
def test_a_voucher_that_does_not_apply_is_refused_with_its_reason(web, case, fields, error, code):
    # given
    voucher = VoucherFactory(code="GIAM50K", **fields)
    typed = "NOPE" if case == "unknown" else "giam50k"

    # when
    with pytest.raises(error) as raised:
        quote(typed, web, subtotal="499999")

    # then
    assert isinstance(raised.value, VoucherInvalid)
    assert raised.value.code == code
    assert raised.value.status_code == 400
    assert raised.value.fields == {"voucher_code": [raised.value.detail]}
    assert_nothing_redeemed(voucher, used_count=fields.get("used_count", 0), redemptions=0)


@pytest.mark.django_db
def test_the_minimum_is_named_in_the_message(web):
    VoucherFactory(code="GIAM50K", min_order_amount=Decimal("500000"))

    with pytest.raises(VoucherMinimumNotMet) as raised:
        quote("GIAM50K", web, subtotal="499999")

    assert raised.value.detail == (
        "This voucher needs an order of at least 500.000 ₫ (this one is 499.999 ₫)."
    )


@pytest.mark.django_db
def test_an_unknown_code_is_named_in_the_message(web):
    with pytest.raises(VoucherUnknown) as raised:
        quote(" giam ", web)

    assert raised.value.detail == "There is no voucher “GIAM”; check how it is spelt."


@pytest.mark.django_db
def test_an_empty_code_is_unknown(web):
    with pytest.raises(VoucherUnknown):
        quote("   ", web)


@pytest.mark.django_db
def test_a_voucher_for_other_channels_is_refused_here(web):
    pos = SalesChannelFactory(code="pos", name="Cửa hàng", kind="pos")
    VoucherFactory(code="TAIQUAY", channels=[pos])

    with pytest.raises(VoucherChannelInvalid) as raised:
        quote("TAIQUAY", web)

    assert raised.value.code == "voucher_channel_invalid"
    assert raised.value.detail == "This voucher cannot be used on Web store."


@pytest.mark.django_db
def test_a_customer_over_their_limit_is_refused(web):
    # given
    customer, other = CustomerFactory(), CustomerFactory()
    voucher = VoucherFactory(code="MOTLAN", per_customer_limit=1)
    checkout("MOTLAN", web, customer=customer)

    # when
    with pytest.raises(VoucherCustomerLimitReached) as raised:
        quote("MOTLAN", web, customer=customer)

    # then
    assert raised.value.code == "voucher_customer_limit_reached"
    assert quote("MOTLAN", web, customer=other).voucher == voucher
    assert_nothing_redeemed(voucher, used_count=1)


@pytest.mark.django_db
def test_a_used_single_use_code_is_refused(web):
    voucher = VoucherFactory(code=None)
    VoucherCode.objects.create(voucher=voucher, code="K7M2XQ", used_at=timezone.now())

    with pytest.raises(VoucherCodeUsed) as raised:
        quote("K7M2XQ", web)

    assert raised.value.code == "voucher_code_used"


# --- redeem --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_redeeming_takes_one_use_and_records_the_discount(web):
    # given
    customer = CustomerFactory()
    voucher = VoucherFactory(code="GIAM50K", usage_limit=10)
    quoted = quote("GIAM50K", web, customer=customer)
    order = order_minimal(channel=web, customer=customer)

    # when
    redemption = voucher_redeem(quote=quoted, order=order, customer=customer)

    # then
    voucher.refresh_from_db()
    assert voucher.used_count == 1
    assert (redemption.voucher, redemption.order, redemption.customer) == (voucher, order, customer)
    assert redemption.voucher_code is None
    assert redemption.discount_amount == Decimal("50000")


@pytest.mark.django_db
def test_redeeming_a_single_use_code_marks_it_used(web):
    # given
    voucher = VoucherFactory(code=None)
    code = VoucherCode.objects.create(voucher=voucher, code="K7M2XQ")

    # when
    redemption = checkout("k7m2xq", web)

    # then
    code.refresh_from_db()
    assert code.used_at is not None
    assert redemption.voucher_code == code
    with pytest.raises(VoucherCodeUsed):
        quote("K7M2XQ", web)


@pytest.mark.django_db
def test_the_last_use_taken_between_quote_and_redeem_is_refused_at_redeem(web):
    # given: two carts were quoted while one use was left; the first order takes it
    voucher = VoucherFactory(code="CUOI", usage_limit=1)
    late_quote = quote("CUOI", web)
    checkout("CUOI", web)
    late_order = order_minimal(channel=web)

    # when
    with pytest.raises(VoucherUsedUp):
        voucher_redeem(quote=late_quote, order=late_order, customer=None)

    # then
    assert_nothing_redeemed(voucher, used_count=1)
    assert not VoucherRedemption.objects.filter(order=late_order).exists()


@pytest.mark.django_db
def test_a_single_use_code_spent_between_quote_and_redeem_is_refused_at_redeem(web):
    # given
    voucher = VoucherFactory(code=None)
    code = VoucherCode.objects.create(voucher=voucher, code="K7M2XQ")
    late_quote = quote("K7M2XQ", web)
    first = checkout("K7M2XQ", web)
    late_order = order_minimal(channel=web)

    # when
    with pytest.raises(VoucherCodeUsed):
        voucher_redeem(quote=late_quote, order=late_order, customer=None)

    # then
    code.refresh_from_db()
    assert code.used_at is not None
    assert first.voucher_code == code
    assert_nothing_redeemed(voucher, used_count=1)


@pytest.mark.django_db
def test_the_per_customer_limit_is_checked_again_at_redeem(web):
    # given
    customer = CustomerFactory()
    voucher = VoucherFactory(code="MOTLAN", per_customer_limit=1)
    late_quote = quote("MOTLAN", web, customer=customer)
    checkout("MOTLAN", web, customer=customer)
    late_order = order_minimal(channel=web, customer=customer)

    # when
    with pytest.raises(VoucherCustomerLimitReached):
        voucher_redeem(quote=late_quote, order=late_order, customer=customer)

    # then
    assert_nothing_redeemed(voucher, used_count=1)


@pytest.mark.django_db
def test_a_voucher_withdrawn_between_quote_and_redeem_is_refused_at_redeem(web):
    voucher = VoucherFactory(code="RUTLAI")
    quoted = quote("RUTLAI", web)
    Voucher.objects.filter(pk=voucher.pk).update(is_active=False)

    with pytest.raises(VoucherInactive):
        voucher_redeem(quote=quoted, order=order_minimal(channel=web), customer=None)

    assert_nothing_redeemed(voucher)


@pytest.mark.django_db
def test_a_redemption_rolls_back_with_the_order_that_failed(web):
    # given
    voucher = VoucherFactory(code=None)
    code = VoucherCode.objects.create(voucher=voucher, code="K7M2XQ")

    # when: the checkout fails after the voucher was redeemed (payment refused, say)
    with pytest.raises(RuntimeError), transaction.atomic():
        checkout("K7M2XQ", web)
        raise RuntimeError("payment refused")

    # then
    code.refresh_from_db()
    assert code.used_at is None
    assert_nothing_redeemed(voucher)
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_quoting_and_redeeming_take_a_few_queries_for_the_checkout_budget(
    web, django_assert_max_num_queries
):
    # given: the costliest case, a single-use code of a voucher with channels and limits
    customer = CustomerFactory()
    voucher = VoucherFactory(code=None, channels=[web], usage_limit=10, per_customer_limit=1)
    VoucherCode.objects.create(voucher=voucher, code="K7M2XQ")
    order = order_minimal(channel=web, customer=customer)

    # when / then
    with django_assert_max_num_queries(4):
        quoted = quote("K7M2XQ", web, customer=customer)
    with django_assert_max_num_queries(8):
        voucher_redeem(quote=quoted, order=order, customer=customer)


# --- release -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_releasing_gives_the_use_and_the_code_back(web):
    # given
    voucher = VoucherFactory(code=None, usage_limit=1)
    code = VoucherCode.objects.create(voucher=voucher, code="K7M2XQ")
    redemption = checkout("K7M2XQ", web)

    # when
    released = voucher_release(order=redemption.order)

    # then
    assert (released.order_id, released.voucher_code_id) == (redemption.order_id, code.pk)
    code.refresh_from_db()
    assert code.used_at is None
    assert_nothing_redeemed(voucher)
    assert quote("K7M2XQ", web).voucher_code == code


@pytest.mark.django_db
def test_releasing_twice_gives_back_once(web):
    # given
    voucher = VoucherFactory(code="GIAM50K")
    checkout("GIAM50K", web)
    redemption = checkout("GIAM50K", web)

    # when
    first = voucher_release(order=redemption.order)
    second = voucher_release(order=redemption.order)

    # then
    assert first is not None
    assert second is None
    assert_nothing_redeemed(voucher, used_count=1)


@pytest.mark.django_db
def test_releasing_an_order_without_a_voucher_does_nothing(web):
    voucher = VoucherFactory(code="GIAM50K")
    checkout("GIAM50K", web)

    assert voucher_release(order=order_minimal(channel=web)) is None

    assert_nothing_redeemed(voucher, used_count=1)


# --- generating single-use codes ------------------------------------------------------------


@pytest.mark.django_db
def test_generated_codes_are_unique_unambiguous_and_prefixed():
    # given
    voucher = VoucherFactory(code=None)

    # when
    codes = voucher_codes_generate(voucher=voucher, count=2500, prefix=" tet- ")

    # then
    values = [code.code for code in codes]
    assert len(values) == len(set(values)) == 2500
    assert VoucherCode.objects.filter(voucher=voucher).count() == 2500
    assert all(code.pk is not None for code in codes)
    assert all(value.startswith("TET-") and len(value) == 14 for value in values)
    random_parts = "".join(value[4:] for value in values)
    assert not set(random_parts) & set("0O1IL")
    assert set(random_parts) <= set(voucher_services.CODE_ALPHABET)


@pytest.mark.django_db
def test_generation_draws_again_when_a_code_exists(monkeypatch):
    # given: the first draws hit a single-use code and a shared code already in use
    voucher = VoucherFactory(code=None)
    VoucherCode.objects.create(voucher=VoucherFactory(code=None), code="TAKEN1")
    VoucherFactory(code="TAKEN2")
    draws = iter(["TAKEN1", "TAKEN2", "FRESH1", "TAKEN1", "FRESH2"])
    monkeypatch.setattr(voucher_services, "_code_random", lambda prefix: next(draws))

    # when
    codes = voucher_codes_generate(voucher=voucher, count=2)

    # then
    assert sorted(code.code for code in codes) == ["FRESH1", "FRESH2"]
    assert VoucherCode.objects.filter(voucher=voucher).count() == 2


@pytest.mark.django_db
def test_generation_retries_a_batch_that_collides_on_insert(monkeypatch):
    # given: a code inserted by a concurrent batch after this one checked its candidates
    voucher = VoucherFactory(code=None)
    VoucherCode.objects.create(voucher=VoucherFactory(code=None), code="RACED1")
    batches = iter([["RACED1", "FRESH1"], ["FRESH2", "FRESH3"]])
    monkeypatch.setattr(voucher_services, "_codes_draw", lambda size, prefix: next(batches))

    # when
    codes = voucher_codes_generate(voucher=voucher, count=2)

    # then
    assert sorted(code.code for code in codes) == ["FRESH2", "FRESH3"]
    assert sorted(voucher.codes.values_list("code", flat=True)) == ["FRESH2", "FRESH3"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("count", "prefix", "fields"),
    [
        (0, "", ["count"]),
        (100_001, "", ["count"]),
        (True, "", ["count"]),
        ("10", "", ["count"]),
        (10, "TẾT", ["prefix"]),
        (10, "A" * 21, ["prefix"]),
        (10, "TET 2026", ["prefix"]),
        (-1, "?", ["count", "prefix"]),
    ],
)
def test_generation_refuses_bad_requests_and_writes_nothing(count, prefix, fields):
    voucher = VoucherFactory(code=None)

    with pytest.raises(VoucherCodesRequestInvalid) as raised:
        voucher_codes_generate(voucher=voucher, count=count, prefix=prefix)

    assert sorted(raised.value.fields) == fields
    assert VoucherCode.objects.count() == 0


@pytest.mark.django_db
def test_generation_gives_up_after_repeated_collisions_and_writes_nothing(monkeypatch):
    voucher = VoucherFactory(code=None)
    VoucherCode.objects.create(voucher=VoucherFactory(code=None), code="RACED1")
    monkeypatch.setattr(voucher_services, "_codes_draw", lambda size, prefix: ["RACED1"])

    with pytest.raises(VoucherCodesRequestInvalid):
        voucher_codes_generate(voucher=voucher, count=1)

    assert not voucher.codes.exists()


# --- concurrency (PostgreSQL) ----------------------------------------------------------------


def _race(count, attempt):
    """Run ``attempt`` in ``count`` threads released together; return their outcomes."""
    barrier, outcomes, lock = threading.Barrier(count), [], threading.Lock()

    def run():
        try:
            outcome = attempt(barrier)
        except VoucherInvalid as error:
            outcome = error.code
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _checkout_after(barrier, code, channel, customer=None):
    with transaction.atomic():
        voucher_quoted = quote(code, channel, customer=customer)
        order = order_minimal(channel=channel, customer=customer)
        barrier.wait()  # every checkout has quoted successfully; now they all redeem at once
        voucher_redeem(quote=voucher_quoted, order=order, customer=customer)
        return "redeemed"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_single_use_code_spent_by_two_concurrent_checkouts_succeeds_once():
    # given
    web = SalesChannelFactory(code="web")
    voucher = VoucherFactory(code=None)
    code = VoucherCode.objects.create(voucher=voucher, code="K7M2XQ")

    # when
    outcomes = _race(2, lambda barrier: _checkout_after(barrier, "K7M2XQ", web))

    # then
    assert sorted(outcomes) == ["redeemed", "voucher_code_used"]
    code.refresh_from_db()
    assert code.used_at is not None
    assert_nothing_redeemed(voucher, used_count=1)
    assert Order.objects.count() == 1  # the refused checkout rolled its order back


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_voucher_for_five_uses_raced_by_twenty_checkouts_is_used_five_times():
    # given
    web = SalesChannelFactory(code="web")
    voucher = VoucherFactory(code="NAMLAN", usage_limit=5)

    # when
    outcomes = _race(20, lambda barrier: _checkout_after(barrier, "NAMLAN", web))

    # then
    assert outcomes.count("redeemed") == 5
    assert outcomes.count("voucher_used_up") == 15
    assert_nothing_redeemed(voucher, used_count=5)
    assert Order.objects.count() == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_customer_racing_themself_gets_their_limit_only():
    # given
    web = SalesChannelFactory(code="web")
    customer = CustomerFactory()
    voucher = VoucherFactory(code="MOTLAN", per_customer_limit=1)

    # when
    outcomes = _race(8, lambda barrier: _checkout_after(barrier, "MOTLAN", web, customer))

    # then
    assert sorted(outcomes) == ["redeemed"] + ["voucher_customer_limit_reached"] * 7
    assert_nothing_redeemed(voucher, used_count=1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_releases_of_one_order_give_back_once():
    # given
    web = SalesChannelFactory(code="web")
    voucher = VoucherFactory(code="GIAM50K")
    checkout("GIAM50K", web)
    redemption = checkout("GIAM50K", web)

    # when
    def release(barrier):
        barrier.wait()
        return voucher_release(order=redemption.order) is not None

    outcomes = _race(6, release)

    # then
    assert sorted(outcomes) == [False] * 5 + [True]
    assert_nothing_redeemed(voucher, used_count=1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_new_customer_racing_two_first_orders_gets_the_first_order_voucher_once():
    # given: a first-order voucher with no other limit
    web = SalesChannelFactory(code="web")
    customer = CustomerFactory()
    voucher = VoucherFactory(code="CHAOBAN", first_order_only=True)

    # when: four first orders of the same customer redeem it at once
    outcomes = _race(4, lambda barrier: _checkout_after(barrier, "CHAOBAN", web, customer))

    # then: the voucher lock lets one through; the others then see that order
    assert sorted(outcomes) == ["redeemed"] + ["voucher_first_order_only"] * 3
    assert_nothing_redeemed(voucher, used_count=1)
    assert Order.objects.count() == 1
