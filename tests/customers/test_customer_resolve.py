import pytest

from customers.exceptions import InvalidContactPoint
from customers.models import ContactPoint, Customer, MergeSuggestion
from customers.services import customer_resolve
from tests.factories import MarketplaceChannelFactory, SalesChannelFactory, customer_with

pytestmark = pytest.mark.django_db


def test_new_identifiers_create_one_profile_with_normalised_contacts():
    # given
    web = SalesChannelFactory(kind="web")

    # when
    customer = customer_resolve(
        email=" Toan@Example.VN ", phone="0909 908 089", channel=web, full_name="Anh Toản"
    )

    # then
    assert Customer.objects.count() == 1
    assert customer.full_name == "Anh Toản"
    assert customer.first_channel == web
    assert set(customer.contact_points.values_list("kind", "value")) == {
        ("email", "toan@example.vn"),
        ("phone", "+84909908089"),
    }


def test_matching_by_email_returns_the_profile_and_attaches_the_new_phone():
    # given
    existing = customer_with(email="toan@example.vn")

    # when
    customer = customer_resolve(email="TOAN@example.vn", phone="+84 909 908 089")

    # then
    assert customer == existing
    assert Customer.objects.count() == 1
    assert existing.contact_points.filter(kind="phone", value="+84909908089").exists()


@pytest.mark.parametrize(
    "written", ["0909908089", "0909 908 089", "84909908089", "+84 909 908 089"]
)
def test_matching_by_phone_in_any_format(written):
    # given
    existing = customer_with(phone="+84909908089")

    # when
    customer = customer_resolve(phone=written)

    # then
    assert customer == existing
    assert Customer.objects.count() == 1
    assert ContactPoint.objects.count() == 1


def test_conflict_returns_one_profile_steals_nothing_and_records_a_suggestion():
    # given: the email belongs to one profile, the phone to another
    by_email = customer_with(email="toan@example.vn")
    by_phone = customer_with(phone="+84909908089")

    # when
    customer = customer_resolve(email="toan@example.vn", phone="0909908089")

    # then: the email's profile, and the phone stays where it was
    assert customer == by_email
    assert list(by_phone.contact_points.values_list("value", flat=True)) == ["+84909908089"]
    assert list(by_email.contact_points.values_list("value", flat=True)) == ["toan@example.vn"]
    suggestion = MergeSuggestion.objects.get()
    assert (suggestion.customer, suggestion.other, suggestion.status) == (
        by_email,
        by_phone,
        "open",
    )
    assert "phone" in suggestion.reason
    # and resolving again does not pile up suggestions
    customer_resolve(email="toan@example.vn", phone="0909908089")
    assert MergeSuggestion.objects.count() == 1
    assert Customer.objects.count() == 2


def test_conflict_attaches_only_the_unclaimed_identifiers():
    by_email = customer_with(email="toan@example.vn")
    by_phone = customer_with(phone="+84909908089")

    customer = customer_resolve(email="toan@example.vn", phone="0909908089", zalo_id="zalo-42")

    assert customer == by_email
    assert by_email.contact_points.filter(kind="zalo", value="zalo-42").exists()
    assert by_phone.contact_points.count() == 1


def test_marketplace_buyer_ids_are_per_channel():
    # given
    shopee = MarketplaceChannelFactory(code="shopee")
    lazada = MarketplaceChannelFactory(code="lazada")
    on_shopee = customer_resolve(marketplace_buyer_id="buyer-123", channel=shopee)

    # when
    again = customer_resolve(marketplace_buyer_id="buyer-123", channel=shopee)
    on_lazada = customer_resolve(marketplace_buyer_id="buyer-123", channel=lazada)

    # then: the same id on another marketplace is another account
    assert again == on_shopee
    assert on_lazada != on_shopee
    assert ContactPoint.objects.filter(kind="marketplace").count() == 2


def test_a_marketplace_order_with_a_known_phone_lands_on_the_same_profile():
    # given: the shopper abandoned a web cart with this phone
    web_profile = customer_with(phone="+84909908089")
    shopee = MarketplaceChannelFactory(code="shopee")

    # when
    customer = customer_resolve(
        marketplace_buyer_id="sp-778", phone="+84 909 908 089", channel=shopee
    )

    # then
    assert customer == web_profile
    assert web_profile.contact_points.filter(kind="marketplace", channel=shopee).exists()


def test_a_marketplace_buyer_id_needs_its_marketplace():
    with pytest.raises(InvalidContactPoint):
        customer_resolve(marketplace_buyer_id="sp-778")

    assert not Customer.objects.exists()


def test_invalid_phone_is_refused_and_nothing_is_written():
    with pytest.raises(InvalidContactPoint) as error:
        customer_resolve(email="toan@example.vn", phone="0909")

    assert "too short" in error.value.detail
    assert not Customer.objects.exists()
    assert not ContactPoint.objects.exists()


def test_no_identifier_is_refused():
    with pytest.raises(InvalidContactPoint):
        customer_resolve(full_name="Không ai")

    assert not Customer.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_resolutions_of_a_new_phone_create_one_profile():
    import threading

    from django.db import connection

    barrier = threading.Barrier(4)
    results, errors = [], []

    def resolve(written):
        try:
            barrier.wait()
            results.append(customer_resolve(phone=written).pk)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    writings = ["0909908089", "0909 908 089", "84909908089", "+84 909 908 089"]
    threads = [threading.Thread(target=resolve, args=(w,)) for w in writings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(set(results)) == 1
    assert ContactPoint.objects.filter(kind="phone").count() == 1
