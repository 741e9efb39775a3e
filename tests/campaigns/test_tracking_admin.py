from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns.models import Attribution, DoNotCall, MessageActivity, MessageLink, Suppression
from config.roles import MARKETER, OWNER, STORE_MANAGER
from tests.campaigns.tracking_factories import SentMessageFactory
from tests.factories import StaffFactory, channel_selling_from, customer_with, order_minimal

pytestmark = pytest.mark.django_db


def unreachable(phone, name):
    """A landline customer: SMS and Zalo to the number failed for good, no email."""
    customer = customer_with(phone=phone, full_name=name)
    for channel in ("sms", "zalo"):
        Suppression.objects.create(channel=channel, address=phone, reason="invalid")
    return customer


def tracked(n):
    """n sent emails, each with a link clicked once and an attributed order."""
    web = channel_selling_from()
    for _ in range(n):
        message = SentMessageFactory(sent_at=timezone.now() - timedelta(hours=1))
        link = MessageLink.objects.create(message=message, position=0, url="https://tiem.example/")
        click = MessageActivity.objects.create(
            message=message, kind="clicked", link=link, occurred_at=timezone.now(), source="test"
        )
        Attribution.objects.create(
            order=order_minimal(channel=web, customer=message.customer),
            message=message,
            click=click,
            channel="email",
            clicked_at=click.occurred_at,
            placed_at=click.occurred_at,
            total_amount=Decimal(500000),
            currency="VND",
            order_channel=web.code,
        )


def test_the_call_list_shows_the_customers_no_message_can_reach(owner_client):
    # given
    lan = unreachable("+842438251234", "Bà Lan")
    DoNotCall.objects.create(phone="+842438250000", source="test", listed_on=date(2026, 1, 1))
    unreachable("+842438250000", "Ông Không Gọi")
    customer_with(phone="+84909908089", full_name="Chị Hoa")

    # when
    response = owner_client.get("/admin/campaigns/calllistcustomer/")

    # then
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [lan]
    content = response.content.decode()
    assert "024 3825 1234" in content  # the phone as Vietnamese people write it
    assert f"/admin/customers/customer/{lan.pk}/change/" in content


def test_the_call_list_page_does_not_query_per_row(owner_client, django_assert_max_num_queries):
    for n in range(20):
        unreachable(f"+8424382{n:05d}", f"Khách {n}")

    with django_assert_max_num_queries(12):
        response = owner_client.get("/admin/campaigns/calllistcustomer/")

    assert len(response.context["cl"].result_list) == 20


@pytest.mark.parametrize(
    "page",
    [
        "/admin/campaigns/messageactivity/",
        "/admin/campaigns/messagelink/",
        "/admin/campaigns/attribution/",
        "/admin/campaigns/consumercursor/",
    ],
)
def test_tracking_pages_list_without_a_query_per_row(
    owner_client, page, django_assert_max_num_queries
):
    tracked(15)

    with django_assert_max_num_queries(12):
        response = owner_client.get(page)

    assert response.status_code == 200


@pytest.mark.parametrize("role", [OWNER, MARKETER, STORE_MANAGER])
def test_tracking_rows_are_read_only_for_everyone(client, role):
    tracked(1)
    client.force_login(StaffFactory(role=role))
    activity = MessageActivity.objects.get()

    listing = client.get("/admin/campaigns/messageactivity/")
    detail = client.get(f"/admin/campaigns/messageactivity/{activity.pk}/change/")
    add = client.get("/admin/campaigns/attribution/add/")
    delete = client.post(f"/admin/campaigns/messageactivity/{activity.pk}/delete/", {"post": "yes"})

    assert (listing.status_code, detail.status_code, add.status_code) == (200, 200, 403)
    assert delete.status_code == 403
    assert MessageActivity.objects.count() == 1
    assert b'name="_save"' not in detail.content


def test_the_link_list_counts_only_clicks_that_count(owner_client):
    # given: one link clicked by a scanner and twice by the shopper
    message = SentMessageFactory()
    link = MessageLink.objects.create(message=message, position=0, url="https://tiem.example/")
    for is_scanner in (True, False, False):
        MessageActivity.objects.create(
            message=message,
            kind="clicked",
            link=link,
            occurred_at=timezone.now(),
            is_scanner=is_scanner,
            source="test",
        )

    response = owner_client.get("/admin/campaigns/messagelink/")

    assert [row.counted_clicks for row in response.context["cl"].result_list] == [2]
