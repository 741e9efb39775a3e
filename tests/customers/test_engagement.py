import pytest
from django.contrib.auth import authenticate

from customers.exceptions import (
    AccountExists,
    CatalogItemNotFound,
    ReferralNotAllowed,
    ReviewAlreadyExists,
)
from customers.models import Event, Review, WishlistItem
from customers.selectors import wishlist_list
from customers.services import (
    event_record,
    referral_code_ensure,
    referral_record,
    review_moderate,
    review_submit,
    shopper_signup,
    wishlist_add,
    wishlist_remove,
)
from tests.factories import (
    CustomerFactory,
    ProductFactory,
    StaffFactory,
    VariantFactory,
    customer_with,
)

pytestmark = pytest.mark.django_db


def test_review_is_verified_when_a_completed_order_on_any_channel_had_the_product():
    # given
    customer = CustomerFactory()
    other, bought, not_bought = ProductFactory(), ProductFactory(), ProductFactory()
    event_record(
        customer=customer,
        kind="order_completed",
        payload={"number": "POS-7", "product_ids": [other.pk, bought.pk]},
    )

    # when
    verified = review_submit(customer=customer, product_id=bought.pk, rating=5, text="Ngon")
    unverified = review_submit(customer=customer, product_id=not_bought.pk, rating=3)

    # then
    assert verified.is_verified_purchase is True
    assert unverified.is_verified_purchase is False
    assert verified.status == "pending"
    assert Event.objects.filter(kind="review_submitted").count() == 2


def test_an_order_placed_but_not_completed_does_not_verify():
    customer, product = CustomerFactory(), ProductFactory()
    event_record(customer=customer, kind="order_placed", payload={"product_ids": [product.pk]})

    review = review_submit(customer=customer, product_id=product.pk, rating=4)

    assert review.is_verified_purchase is False


def test_one_review_per_customer_and_product():
    customer, product = CustomerFactory(), ProductFactory()
    review_submit(customer=customer, product_id=product.pk, rating=5)

    with pytest.raises(ReviewAlreadyExists):
        review_submit(customer=customer, product_id=product.pk, rating=1)

    assert Review.objects.get().rating == 5
    assert Event.objects.filter(kind="review_submitted").count() == 1


def test_staff_moderate_reviews():
    staff = StaffFactory()
    review = review_submit(customer=CustomerFactory(), product_id=ProductFactory().pk, rating=5)

    review_moderate(review=review, status="approved", actor=staff)

    review.refresh_from_db()
    assert (review.status, review.moderated_by) == ("approved", staff)


def test_wishlist_keeps_one_row_per_variant():
    customer = CustomerFactory()
    kept, removed = VariantFactory(), VariantFactory()

    wishlist_add(customer=customer, variant_id=kept.pk)
    wishlist_add(customer=customer, variant_id=kept.pk)
    wishlist_add(customer=customer, variant_id=removed.pk)
    wishlist_remove(customer=customer, variant_id=removed.pk)

    assert list(wishlist_list(customer=customer).values_list("variant_id", flat=True)) == [kept.pk]
    assert WishlistItem.objects.count() == 1


def test_wishlist_refuses_an_unknown_variant():
    # given
    customer = CustomerFactory()
    unknown_id = VariantFactory().pk + 1

    # when
    with pytest.raises(CatalogItemNotFound) as refused:
        wishlist_add(customer=customer, variant_id=unknown_id)

    # then
    assert refused.value.code == "catalog_item_not_found"
    assert refused.value.status_code == 404
    assert list(refused.value.fields) == ["variant_id"]
    assert not WishlistItem.objects.exists()


@pytest.mark.parametrize(
    "variant_fields",
    [{"is_active": False}, {"product__is_active": False}],
    ids=["variant_inactive", "product_inactive"],
)
def test_wishlist_refuses_a_variant_no_longer_sold(variant_fields):
    # given
    customer = CustomerFactory()
    variant = VariantFactory(**variant_fields)

    # when
    with pytest.raises(CatalogItemNotFound):
        wishlist_add(customer=customer, variant_id=variant.pk)

    # then
    assert not WishlistItem.objects.exists()


@pytest.mark.parametrize("inactive", [False, True], ids=["unknown", "inactive"])
def test_review_refuses_an_unknown_or_inactive_product(inactive):
    # given
    customer = CustomerFactory()
    product = ProductFactory(is_active=not inactive)
    product_id = product.pk if inactive else product.pk + 1
    event_record(customer=customer, kind="order_completed", payload={"product_ids": [product_id]})

    # when
    with pytest.raises(CatalogItemNotFound) as refused:
        review_submit(customer=customer, product_id=product_id, rating=5, text="Ngon")

    # then
    assert refused.value.code == "catalog_item_not_found"
    assert refused.value.status_code == 404
    assert list(refused.value.fields) == ["product_id"]
    assert not Review.objects.exists()
    assert not Event.objects.filter(kind="review_submitted").exists()


def test_referral_code_is_short_unique_and_stable():
    first, second = CustomerFactory(), CustomerFactory()

    code = referral_code_ensure(customer=first)

    assert len(code) == 7
    assert referral_code_ensure(customer=first) == code
    assert referral_code_ensure(customer=second) != code


def test_recording_a_referral():
    referrer, friend = CustomerFactory(), CustomerFactory()
    code = referral_code_ensure(customer=referrer)

    assert referral_record(customer=friend, code=code.lower()) == referrer
    assert referral_record(customer=friend, code=code) == referrer  # idempotent

    friend.refresh_from_db()
    assert friend.referred_by == referrer
    assert Event.objects.filter(kind="referral_recorded", customer=friend).count() == 1


def test_self_and_unknown_referrals_are_refused():
    customer = CustomerFactory()
    code = referral_code_ensure(customer=customer)

    with pytest.raises(ReferralNotAllowed):
        referral_record(customer=customer, code=code)
    with pytest.raises(ReferralNotAllowed):
        referral_record(customer=customer, code="NOPE123")

    customer.refresh_from_db()
    assert customer.referred_by is None


@pytest.mark.parametrize(
    "login", ["0909 908 089", "+84909908089", "84909908089", "Toan@Example.vn"]
)
def test_shoppers_log_in_with_email_or_phone_in_any_format(login):
    # given
    shopper_signup(
        password="bánh-cuốn-2026", email="toan@example.vn", phone="0909908089", full_name="Toản"
    )

    # when
    user = authenticate(username=login, password="bánh-cuốn-2026")

    # then
    assert user is not None
    assert user.customer.full_name == "Toản"
    assert authenticate(username=login, password="wrong-password") is None


def test_signup_on_a_known_profile_does_not_reach_it_and_a_signup_on_an_account_is_refused():
    # Changed with verified contacts (DESIGN.md invariant 10): sign-up used to attach the
    # login to the profile holding the phone; now it gets a fresh profile until the code.
    existing = customer_with(phone="+84909908089")

    customer = shopper_signup(password="bánh-cuốn-2026", phone="0909 908 089")

    assert customer != existing
    existing.refresh_from_db()
    assert existing.user is None
    account = shopper_signup(password="bánh-cuốn-2026", email="lan@example.vn")
    with pytest.raises(AccountExists):
        shopper_signup(password="another-pass-77", email="LAN@example.vn", phone="0912345678")
    assert account.contact_points.count() == 1
