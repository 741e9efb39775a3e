"""The flows in the admin: the marketer turns them on, edits steps, reads the report."""

import json

import pytest

from campaigns.flows.seeds import seed
from campaigns.models import CallTask, Flow, MessageTemplate
from config.roles import MARKETER
from tests.factories import MessageFactory, StaffFactory, customer_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketer_client(client):
    seed(Flow, MessageTemplate)
    client.force_login(StaffFactory(role=MARKETER, is_staff=True))
    return client


def flow_form(flow, **overrides):
    data = {
        "code": flow.code,
        "enabled": "on",
        "purpose": flow.purpose,
        "steps": json.dumps(flow.steps),
        "voucher": "",
        "store_delay_days": "2",
        "web_delay_days": "7",
        "referral_offer": "",
    }
    data.update(overrides)
    return data


def test_the_marketer_turns_a_flow_on_with_a_shorter_delay(marketer_client):
    flow = Flow.objects.get(code="unpaid_order")
    steps = [{"template": "unpaid_order.1", "delay_minutes": 120}]

    response = marketer_client.post(
        f"/admin/campaigns/flow/{flow.pk}/change/", flow_form(flow, steps=json.dumps(steps))
    )

    assert response.status_code == 302
    flow.refresh_from_db()
    assert (flow.enabled, flow.steps) == (True, steps)


@pytest.mark.parametrize(
    "steps",
    [
        '[{"delay_minutes": 5}]',
        '[{"template": "unpaid_order.1", "delay_minutes": -5}]',
        '[{"template": "unpaid_order.1", "window": [21, 19]}]',
    ],
)
def test_a_step_that_cannot_run_is_refused_and_nothing_is_saved(marketer_client, steps):
    flow = Flow.objects.get(code="unpaid_order")
    before = flow.steps

    response = marketer_client.post(
        f"/admin/campaigns/flow/{flow.pk}/change/", flow_form(flow, steps=steps)
    )

    assert response.status_code == 200
    flow.refresh_from_db()
    assert (flow.enabled, flow.steps) == (False, before)


def test_the_flow_page_shows_its_report_and_template_gaps_in_few_queries(
    marketer_client, django_assert_max_num_queries
):
    flow = Flow.objects.get(code="cart_abandoned")
    customer = customer_with(email="hoa@example.vn")
    for _ in range(5):
        MessageFactory(customer=customer, flow="cart_abandoned", state="sent", channel="email")
    MessageTemplate.objects.filter(code="cart_abandoned.2", channel="sms", language="en").delete()

    with django_assert_max_num_queries(20):
        response = marketer_client.get(f"/admin/campaigns/flow/{flow.pk}/change/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "email: 5" in page
    assert "cart_abandoned.2 / sms: no en template, sent in Vietnamese" in page


def test_staff_mark_a_call_done(marketer_client):
    customer = customer_with(phone="+84912345678")
    task = CallTask.objects.create(
        customer=customer, phone="+84912345678", script="Chào Lan", due_at="2026-12-01T01:00Z"
    )

    response = marketer_client.post(
        "/admin/campaigns/calltask/",
        {"action": "mark_done", "_selected_action": [task.pk]},
    )

    assert response.status_code == 302
    task.refresh_from_db()
    assert task.state == "done"
