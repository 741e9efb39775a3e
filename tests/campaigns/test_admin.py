import datetime

import pytest
import tablib

from campaigns.admin import DoNotCallResource
from campaigns.models import DoNotCall, MessageTemplate
from config.roles import CASHIER, MARKETER, STORE_MANAGER
from tests.factories import MessageFactory, MessageTemplateFactory, StaffFactory, customer_with

pytestmark = pytest.mark.django_db


def template_form(**overrides):
    data = {
        "code": "promo",
        "channel": "sms",
        "language": "vi",
        "purpose": "marketing",
        "is_active": "on",
        "subject": "",
        "body": "Chào {{ name }}",
        "html": "",
        "provider_template_id": "",
        "sample_context": '{"name": "Hoa"}',
    }
    data.update(overrides)
    return data


# --- templates ------------------------------------------------------------------------------


def test_marketer_saves_a_valid_template_and_is_recorded_as_its_editor(client):
    # given
    marketer = StaffFactory(role=MARKETER, is_staff=True)
    client.force_login(marketer)

    # when
    response = client.post("/admin/campaigns/messagetemplate/add/", template_form())

    # then
    assert response.status_code == 302
    template = MessageTemplate.objects.get()
    assert (template.code, template.updated_by) == ("promo", marketer)


def test_a_template_syntax_error_is_refused_naming_the_line_and_nothing_is_saved(owner_client):
    # when
    response = owner_client.post(
        "/admin/campaigns/messagetemplate/add/",
        template_form(body="Chào\n{% if name %}\nbạn"),
    )

    # then
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["body"] == [
        "Syntax error on line 2: Unclosed tag on line 2: 'if'. "
        "Looking for one of: elif, else, endif."
    ]
    assert MessageTemplate.objects.count() == 0


def test_an_undeclared_variable_is_refused_and_nothing_is_saved(owner_client):
    # when
    response = owner_client.post(
        "/admin/campaigns/messagetemplate/add/",
        template_form(body="Chào {{ name }}, mã {{ voucher.code }}"),
    )

    # then
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["body"] == [
        "Unknown variable(s) voucher: declare them in the sample context."
    ]
    assert MessageTemplate.objects.count() == 0


def test_includes_and_loads_are_not_allowed_in_templates(owner_client):
    # when
    response = owner_client.post(
        "/admin/campaigns/messagetemplate/add/",
        template_form(body='{% load static %}{% static "x" %}'),
    )

    # then
    assert response.status_code == 200
    assert "body" in response.context["adminform"].form.errors
    assert MessageTemplate.objects.count() == 0


def test_sms_preview_shows_length_segments_and_the_text_without_marks(owner_client):
    # given: 27 characters; Vietnamese marks make it UCS-2
    template = MessageTemplateFactory(
        channel="sms", body="Chào {{ name }}, đơn hàng đã giao.", sample_context={"name": "Hoa"}
    )

    # when
    response = owner_client.get(f"/admin/campaigns/messagetemplate/{template.pk}/change/")

    # then
    page = response.content.decode()
    assert "Chào Hoa, đơn hàng đã giao." in page
    assert "27 characters, UCS-2, 1 segment(s)" in page
    assert "Chao Hoa, don hang da giao. (27 characters, 1 segment(s))" in page


def test_template_pages_answer(owner_client):
    template = MessageTemplateFactory(html="<p>{{ name }}</p>")

    for url in [
        "/admin/campaigns/messagetemplate/",
        "/admin/campaigns/messagetemplate/add/",
        f"/admin/campaigns/messagetemplate/{template.pk}/change/",
    ]:
        assert owner_client.get(url).status_code == 200, url


# --- the message log ---------------------------------------------------------------------------


def test_message_log_is_read_only_even_for_the_owner(owner_client):
    # given
    message = MessageFactory(state="sent", body="Đã gửi")

    # when
    detail = owner_client.get(f"/admin/campaigns/message/{message.pk}/change/")
    edit = owner_client.post(f"/admin/campaigns/message/{message.pk}/change/", {"body": "x"})
    add = owner_client.get("/admin/campaigns/message/add/")

    # then
    assert detail.status_code == 200
    assert "Đã gửi" in detail.content.decode()
    assert edit.status_code == 403
    assert add.status_code == 403
    message.refresh_from_db()
    assert message.body == "Đã gửi"


def test_store_manager_reads_the_log_marketer_cannot_change_messages(client):
    # given
    manager = StaffFactory(role=STORE_MANAGER, is_staff=True)
    marketer = StaffFactory(role=MARKETER, is_staff=True)

    # then
    assert manager.has_perm("campaigns.view_message")
    assert not manager.has_perm("campaigns.change_messagetemplate")
    assert marketer.has_perm("campaigns.change_messagetemplate")
    assert marketer.has_perm("campaigns.view_message")
    assert not marketer.has_perm("campaigns.change_message")
    assert not marketer.has_perm("campaigns.delete_message")


@pytest.mark.parametrize("term", ["0909 908 089", "+84909908089", "hoa@example.vn"])
def test_message_log_search_by_customer_phone_or_email(owner_client, term):
    # given
    customer = customer_with(email="hoa@example.vn", phone="+84909908089")
    mine = MessageFactory(customer=customer, address="hoa@example.vn")
    MessageFactory(customer=customer_with(email="lan@example.vn"))

    # when
    response = owner_client.get("/admin/campaigns/message/", {"q": term})

    # then
    assert [m.pk for m in response.context["cl"].result_list] == [mine.pk]


def test_message_log_filters_answer(owner_client, django_assert_max_num_queries):
    # given
    for _ in range(5):
        MessageFactory(state="skipped", reason="no_consent", flow="cart")

    # when
    with django_assert_max_num_queries(15):
        response = owner_client.get(
            "/admin/campaigns/message/",
            {"state": "skipped", "reason": "no_consent", "flow": "cart", "channel": "email"},
        )

    # then
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 5


# --- Do-Not-Call import ----------------------------------------------------------------------


def dnc(*rows):
    return tablib.Dataset(*rows, headers=["phone", "source", "listed_on"])


def test_dnc_import_normalises_phones():
    # when
    result = DoNotCallResource().import_data(
        dnc(["0909 908 089", "VNTA", "2026-05-01"], ["+84 912 345 678", "staff", "2026-05-02"]),
        dry_run=False,
    )

    # then
    assert not result.has_errors() and not result.has_validation_errors()
    assert list(DoNotCall.objects.values_list("phone", "source", "listed_on")) == [
        ("+84909908089", "VNTA", datetime.date(2026, 5, 1)),
        ("+84912345678", "staff", datetime.date(2026, 5, 2)),
    ]


def test_dnc_import_with_a_bad_row_lists_it_and_writes_nothing():
    # when
    result = DoNotCallResource().import_data(
        dnc(
            ["0909 908 089", "VNTA", "2026-05-01"],
            ["call me", "VNTA", "2026-05-01"],
            ["0912345678", "", "2026-05-01"],
        ),
        dry_run=False,
    )

    # then
    assert result.has_validation_errors()
    assert [row.number for row in result.invalid_rows] == [2, 3]
    assert DoNotCall.objects.count() == 0


def test_dnc_import_page_answers(owner_client):
    assert owner_client.get("/admin/campaigns/donotcall/import/").status_code == 200
    assert owner_client.get("/admin/campaigns/donotcall/").status_code == 200
    assert owner_client.get("/admin/campaigns/suppression/").status_code == 200


# --- settling uncertain messages ----------------------------------------------------------


def test_marketer_settles_an_uncertain_message_as_sent_and_it_reaches_the_timeline(client):
    # given
    from customers.models import Event

    client.force_login(StaffFactory(role=MARKETER, is_staff=True))
    handed_at = datetime.datetime(2026, 6, 1, 5, tzinfo=datetime.UTC)
    uncertain = MessageFactory(state="uncertain", reason="worker_lost", handed_at=handed_at)
    sent = MessageFactory(state="sent", body="Đã gửi")

    # when
    response = client.post(
        "/admin/campaigns/message/",
        {"action": "uncertain_was_sent", "_selected_action": [uncertain.pk, sent.pk]},
    )

    # then: only the uncertain one changed
    assert response.status_code == 302
    uncertain.refresh_from_db()
    assert (uncertain.state, uncertain.sent_at, uncertain.reason) == ("sent", handed_at, "")
    assert uncertain.reason_detail.startswith("Settled by ")
    assert Event.objects.get().payload["message_id"] == uncertain.pk
    sent.refresh_from_db()
    assert (sent.state, sent.body) == ("sent", "Đã gửi")


@pytest.mark.parametrize(
    ("action", "state", "reason"),
    [
        ("uncertain_send_again", "pending", "staff_resend"),
        ("uncertain_give_up", "failed", "staff_gave_up"),
    ],
)
def test_settling_an_uncertain_message_as_not_sent(owner_client, action, state, reason):
    # given
    message = MessageFactory(
        state="uncertain",
        claimed_by="dead",
        handed_at=datetime.datetime(2026, 6, 1, 5, tzinfo=datetime.UTC),
    )

    # when
    owner_client.post(
        "/admin/campaigns/message/", {"action": action, "_selected_action": [message.pk]}
    )

    # then
    message.refresh_from_db()
    assert (message.state, message.reason) == (state, reason)


def test_store_manager_cannot_settle_uncertain_messages(client):
    # given
    client.force_login(StaffFactory(role=STORE_MANAGER, is_staff=True))
    message = MessageFactory(state="uncertain")

    # when
    response = client.post(
        "/admin/campaigns/message/",
        {"action": "uncertain_give_up", "_selected_action": [message.pk]},
    )

    # then: the action is not offered; nothing changed
    assert response.status_code == 200
    message.refresh_from_db()
    assert message.state == "uncertain"


# --- the customer page's messages ------------------------------------------------------------


def test_the_customer_page_links_to_that_customers_messages_in_the_log(owner_client):
    # given
    hoa = customer_with(email="hoa@example.vn")
    hers = [MessageFactory(customer=hoa), MessageFactory(customer=hoa, channel="sms")]
    MessageFactory(customer=customer_with(email="lan@example.vn"))

    # when
    page = owner_client.get(f"/admin/customers/customer/{hoa.pk}/change/")
    link = f"/admin/campaigns/message/?customer__id__exact={hoa.pk}"
    log = owner_client.get(link)

    # then
    assert page.status_code == 200
    assert f'<a class="customer-messages" href="{link}">' in page.content.decode()
    assert sorted(m.pk for m in log.context["cl"].result_list) == sorted(m.pk for m in hers)


def test_staff_who_may_not_read_the_log_get_no_link_on_the_customer_page(client):
    # given: cashiers read customers but not the message log
    cashier = StaffFactory(role=CASHIER, is_staff=True)
    assert cashier.has_perm("customers.view_customer")
    assert not cashier.has_perm("campaigns.view_message")
    client.force_login(cashier)
    hoa = customer_with(email="hoa@example.vn")

    # when
    page = client.get(f"/admin/customers/customer/{hoa.pk}/change/")

    # then
    assert page.status_code == 200
    assert "/admin/campaigns/message/" not in page.content.decode()
