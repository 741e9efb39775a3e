import pytest

from customers.exceptions import MergeNotAllowed
from customers.models import (
    ContactPoint,
    CustomerMerge,
    Event,
    MergeSuggestion,
    Review,
    WishlistItem,
)
from customers.selectors import customer_get, loyalty_balance
from customers.services import (
    consent_record,
    customer_merge,
    customer_resolve,
    event_record,
    loyalty_earn,
    merge_suggestion_accept,
    review_submit,
    wishlist_add,
)
from tests.customers.merge_testapp.models import Membership, Parcel, Segment
from tests.factories import (
    CustomerFactory,
    ProductFactory,
    StaffFactory,
    VariantFactory,
    customer_with,
)

pytestmark = pytest.mark.django_db


def test_merge_moves_rows_of_apps_customers_does_not_know_and_is_audited():
    # given
    a = customer_with(email="toan@example.vn", full_name="Anh Toản")
    b = customer_with(phone="+84909908089", full_name="")
    staff = StaffFactory()
    parcel = Parcel.objects.create(customer=b, label="order WEB-000123")
    Membership.objects.create(customer=a, club="gold")
    Membership.objects.create(customer=b, club="gold")  # would collide
    Membership.objects.create(customer=b, club="silver")
    segment = Segment.objects.create(name="hanoi")
    segment.customers.add(a, b)  # the through table would collide too
    consent_record(
        customer=b, channel="sms", purpose="marketing", granted=True, source="web_form",
        actor="shopper",
    )  # fmt: skip
    event_record(customer=b, kind="checkout_started", payload={"number": "WEB-1"})
    loyalty_earn(customer=b, reference="order:WEB-1", points=30)
    loyalty_earn(customer=a, reference="order:POS-1", points=12)
    both_reviewed, only_b_reviewed = ProductFactory(), ProductFactory()
    review_submit(customer=a, product_id=both_reviewed.pk, rating=5)
    review_submit(customer=b, product_id=both_reviewed.pk, rating=2)
    review_submit(customer=b, product_id=only_b_reviewed.pk, rating=4)
    variant = VariantFactory()
    wishlist_add(customer=b, variant_id=variant.pk)

    # when
    merge = customer_merge(target=a, source=b, actor=staff)

    # then: rows in the unknown app moved
    parcel.refresh_from_db()
    assert parcel.customer == a
    assert sorted(Membership.objects.filter(customer=a).values_list("club", flat=True)) == [
        "gold",
        "silver",
    ]
    assert not Membership.objects.filter(customer=b).exists()
    assert list(segment.customers.all()) == [a]
    # and the customers' own rows
    assert set(a.contact_points.values_list("value", flat=True)) == {
        "toan@example.vn",
        "+84909908089",
    }
    assert a.consents.count() == 1
    assert a.events.filter(kind="checkout_started").exists()
    assert loyalty_balance(customer=a) == 42
    assert sorted(Review.objects.filter(customer=a).values_list("product_id", "rating")) == [
        (both_reviewed.pk, 5),
        (only_b_reviewed.pk, 4),
    ]
    assert list(a.wishlist_items.values_list("variant_id", flat=True)) == [variant.pk]
    # the audit record
    merge = CustomerMerge.objects.get(pk=merge.pk)
    assert (merge.target, merge.source, merge.merged_by) == (a, b, staff)
    assert merge.moved["moved"]["merge_testapp.Parcel.customer"] == 1
    assert merge.moved["dropped"]["merge_testapp.Membership.customer"] == 1
    assert merge.moved["dropped"]["customers.Review.customer"] == 1
    assert Event.objects.filter(customer=a, kind="profile_merged").exists()
    # B is a tombstone that resolves to A
    b.refresh_from_db()
    assert b.merged_into == a
    assert customer_get(pk=b.pk) == a
    assert not ContactPoint.objects.filter(customer=b).exists()
    # and the profile keeps A's values, filling blanks
    a.refresh_from_db()
    assert a.full_name == "Anh Toản"


def test_accepting_a_suggestion_merges_and_closes_it():
    by_email = customer_with(email="toan@example.vn")
    by_phone = customer_with(phone="+84909908089")
    customer_resolve(email="toan@example.vn", phone="0909908089")
    suggestion = MergeSuggestion.objects.get()

    merge_suggestion_accept(suggestion=suggestion, actor=None)

    suggestion.refresh_from_db()
    assert suggestion.status == "merged"
    assert customer_resolve(phone="0909 908 089") == by_email
    assert customer_get(pk=by_phone.pk) == by_email


def test_a_tombstone_of_b_points_at_a_after_b_is_merged():
    a, b, c = CustomerFactory(), CustomerFactory(), CustomerFactory()
    customer_merge(target=b, source=c)

    customer_merge(target=a, source=b)

    c.refresh_from_db()
    assert c.merged_into == a
    assert customer_get(pk=c.pk) == a


def test_merging_into_a_tombstone_or_itself_is_refused():
    a, b = CustomerFactory(), CustomerFactory()
    customer_merge(target=a, source=b)

    with pytest.raises(MergeNotAllowed):
        customer_merge(target=b, source=a)
    with pytest.raises(MergeNotAllowed):
        customer_merge(target=a, source=a)

    assert CustomerMerge.objects.count() == 1


def test_open_suggestions_about_b_follow_it_to_a():
    a, b, c = CustomerFactory(), CustomerFactory(), CustomerFactory()
    MergeSuggestion.objects.create(customer=c, other=b, reason="same phone")
    MergeSuggestion.objects.create(customer=a, other=c, reason="same email")

    customer_merge(target=a, source=b)

    open_pairs = set(MergeSuggestion.objects.filter(status="open").values_list("customer", "other"))
    assert open_pairs == {(a.pk, c.pk)}


def test_writes_to_a_tombstone_land_on_the_survivor():
    a, b = CustomerFactory(), CustomerFactory()
    customer_merge(target=a, source=b)
    b.refresh_from_db()

    variant = VariantFactory()

    wishlist_add(customer=b, variant_id=variant.pk)
    loyalty_earn(customer=b, reference="order:WEB-9", points=5)

    assert list(a.wishlist_items.values_list("variant_id", flat=True)) == [variant.pk]
    assert loyalty_balance(customer=a) == 5


def test_merge_keeps_one_wishlist_row_when_both_saved_the_same_variant():
    # given
    a, b = CustomerFactory(), CustomerFactory()
    both_saved, only_b_saved = VariantFactory(), VariantFactory()
    wishlist_add(customer=a, variant_id=both_saved.pk)
    kept = a.wishlist_items.get()
    wishlist_add(customer=b, variant_id=both_saved.pk)
    wishlist_add(customer=b, variant_id=only_b_saved.pk)

    # when
    merge = customer_merge(target=a, source=b)

    # then
    assert sorted(a.wishlist_items.values_list("variant_id", flat=True)) == sorted(
        [both_saved.pk, only_b_saved.pk]
    )
    assert a.wishlist_items.get(variant=both_saved) == kept
    assert not WishlistItem.objects.filter(customer=b).exists()
    merge.refresh_from_db()
    assert merge.moved["dropped"]["customers.WishlistItem.customer"] == 1
    assert merge.moved["moved"]["customers.WishlistItem.customer"] == 1
