import pytest

from campaigns.exceptions import IdempotencyKeyReused, TemplateMissing
from campaigns.models import Message
from campaigns.services import message_idempotency_key, message_schedule
from customers.models import Event
from customers.services import consent_opt_out_token_read, customer_merge
from tests.factories import (
    ContactPointFactory,
    CustomerFactory,
    MessageTemplateFactory,
    StaffFactory,
    customer_with,
)

pytestmark = pytest.mark.django_db


def schedule(customer, **overrides):
    arguments = dict(
        customer=customer,
        purpose="transactional",
        template_code="order_paid",
        context={"name": "Hoa", "number": "WEB-1"},
        idempotency_key=f"orders:paid:{customer.pk}:1",
    )
    arguments.update(overrides)
    return message_schedule(**arguments)


@pytest.fixture
def order_paid_templates():
    return [
        MessageTemplateFactory(
            code="order_paid",
            channel=channel,
            language=language,
            purpose="transactional",
            subject="{{ number }}",
            body=f"[{language}] {{{{ name }}}} đã thanh toán {{{{ number }}}} & cảm ơn",
            sample_context={"name": "Hoa", "number": "WEB-1"},
        )
        for channel in ("email", "sms")
        for language in ("vi", "en")
    ]


def test_schedule_renders_in_the_customers_language_on_the_best_channel(order_paid_templates):
    # given
    customer = customer_with(email="hoa@example.vn", phone="+84909908089", preferred_language="en")

    # when
    message = schedule(customer)

    # then: email ranks first; rendered with only the context, no HTML escaping in text
    assert message.channel == "email"
    assert message.address == "hoa@example.vn"
    assert message.language == "en"
    assert message.subject == "WEB-1"
    assert message.body == "[en] Hoa đã thanh toán WEB-1 & cảm ơn"
    assert message.state == Message.State.PENDING
    assert message.headers == {}
    assert message.due_at == message.send_at


def test_schedule_falls_back_to_vietnamese_when_the_language_has_no_template():
    # given
    MessageTemplateFactory(code="order_paid", channel="sms", language="vi", body="Xin chào")
    customer = customer_with(phone="+84909908089", preferred_language="en")

    # when
    message = schedule(customer, channel="sms")

    # then
    assert (message.channel, message.language, message.body) == ("sms", "vi", "Xin chào")


def test_same_key_twice_returns_the_first_message_and_writes_nothing(
    order_paid_templates, django_capture_on_commit_callbacks
):
    # given
    customer = customer_with(email="hoa@example.vn")
    first = schedule(customer)

    # when
    with django_capture_on_commit_callbacks() as callbacks:
        again = schedule(customer, context={"name": "Other", "number": "X"})

    # then
    assert again.pk == first.pk
    assert again.body == first.body
    assert Message.objects.count() == 1
    assert callbacks == []


def test_a_key_reused_for_another_customer_is_refused(order_paid_templates):
    # given
    customer = customer_with(email="hoa@example.vn")
    other = customer_with(email="lan@example.vn")
    schedule(customer, idempotency_key="k")

    # when / then
    with pytest.raises(IdempotencyKeyReused):
        schedule(other, idempotency_key="k")
    assert Message.objects.count() == 1


def test_merged_away_customer_is_followed_to_the_survivor(order_paid_templates):
    # given
    survivor = customer_with(email="hoa@example.vn")
    merged = customer_with(phone="+84909908089")
    customer_merge(target=survivor, source=merged, actor=StaffFactory())
    merged.refresh_from_db()

    # when
    message = schedule(merged)

    # then
    assert message.customer_id == survivor.pk
    assert message.channel == "email"


def test_missing_template_is_refused_and_nothing_is_written():
    # given
    customer = customer_with(email="hoa@example.vn")

    # when / then
    with pytest.raises(TemplateMissing):
        schedule(customer)
    assert Message.objects.count() == 0


def test_explicit_channel_without_address_is_scheduled_and_skipped_at_send_time(
    order_paid_templates,
):
    # given
    customer = customer_with(email="hoa@example.vn")

    # when
    message = schedule(customer, channel="sms")

    # then: the gate says no_contact when it is sent (see test_gates)
    assert (message.channel, message.address, message.state) == ("sms", "", "pending")


def test_erased_customer_gets_a_skipped_row_with_nothing_rendered(order_paid_templates):
    # given
    customer = CustomerFactory(erased_at="2026-01-01T00:00:00Z")

    # when
    message = schedule(customer)

    # then
    assert (message.state, message.reason, message.body, message.address) == (
        "skipped",
        "erased",
        "",
        "",
    )


def test_due_message_nudges_its_queue_after_commit(
    order_paid_templates, django_capture_on_commit_callbacks, monkeypatch
):
    # given
    from campaigns import tasks

    sent = []
    monkeypatch.setattr(tasks.send_due_transactional, "delay", lambda: sent.append("tx"))
    monkeypatch.setattr(tasks.send_due_marketing, "delay", lambda: sent.append("mkt"))
    customer = customer_with(email="hoa@example.vn")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        schedule(customer)

    # then
    assert sent == ["tx"]


def test_marketing_sms_begins_with_qc_and_ends_with_the_opt_out_instruction(settings):
    # given
    settings.MESSAGE_SMS_OPT_OUT_TEXT = "Tu choi QC: soan TC gui 8079"
    MessageTemplateFactory(code="promo", channel="sms", body="Giảm 10% cho {{ name }}")
    customer = customer_with(phone="+84909908089")

    # when
    message = schedule(customer, purpose="marketing", template_code="promo", channel="sms")

    # then
    assert message.body == "[QC] Giảm 10% cho Hoa Tu choi QC: soan TC gui 8079"


def test_marketing_sms_already_marked_is_not_marked_twice(settings):
    # given
    settings.MESSAGE_SMS_OPT_OUT_TEXT = "TC gui 8079"
    MessageTemplateFactory(code="promo", channel="sms", body="[QC] Giảm giá. TC gui 8079")
    customer = customer_with(phone="+84909908089")

    # when
    message = schedule(customer, purpose="marketing", template_code="promo", channel="sms")

    # then
    assert message.body == "[QC] Giảm giá. TC gui 8079"


def test_marketing_email_has_one_click_unsubscribe_headers_and_a_visible_link(settings):
    # given
    settings.MESSAGE_LINK_BASE_URL = "https://shop.example.vn"
    MessageTemplateFactory(
        code="promo", channel="email", language="en", body="Hi {{ name }}", html="<p>Hi</p>"
    )
    customer = customer_with(email="hoa@example.vn", preferred_language="en")

    # when
    message = schedule(customer, purpose="marketing", template_code="promo")

    # then
    url = message.headers["List-Unsubscribe"].strip("<>")
    assert url.startswith("https://shop.example.vn/opt-out/")
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.body == f"Hi Hoa\n\nUnsubscribe from these emails: {url}\n"
    # the opt-out link is never wrapped; the open pixel follows the content
    visible, pixel = message.html.split("<img ", 1)
    assert visible == f'<p>Hi</p><p><a href="{url}">Unsubscribe from these emails</a></p>'
    assert pixel.startswith('src="https://shop.example.vn/m/o/')
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert consent_opt_out_token_read(token=token) == (customer.pk, "email")


def test_idempotency_key_names_flow_step_customer_and_trigger_event():
    # given
    customer = CustomerFactory()
    event = Event.objects.create(
        customer=customer, kind="order_placed", occurred_at="2026-01-01T00:00:00Z"
    )

    # when
    key = message_idempotency_key(
        flow="cart_abandoned", step="1", customer=customer, trigger_event=event
    )

    # then
    assert key == f"cart_abandoned:1:{customer.pk}:{event.pk}"


def test_html_part_is_escaped(settings):
    # given
    MessageTemplateFactory(
        code="t", channel="email", purpose="transactional", body="{{ name }}", html="{{ name }}"
    )
    customer = customer_with(email="hoa@example.vn")

    # when
    message = schedule(customer, template_code="t", context={"name": "<b>Hoa</b>"})

    # then
    assert message.body == "<b>Hoa</b>"
    assert message.html.split("<img ", 1)[0] == "&lt;b&gt;Hoa&lt;/b&gt;"  # then the pixel


def test_channel_ranking_lists_reachable_channels_in_fixed_order():
    from campaigns.channels import channel_ranking

    # given
    customer = customer_with(phone="+84909908089")
    ContactPointFactory(customer=customer, kind="messenger", value="psid-1")

    # when / then
    assert channel_ranking(customer=customer) == ["zalo", "sms", "messenger"]


def test_sms_template_sent_without_marks_is_folded_before_the_qc_dressing(settings):
    # given
    settings.MESSAGE_SMS_OPT_OUT_TEXT = "TC gui 8079"
    MessageTemplateFactory(
        code="promo", channel="sms", body="Giảm giá cho {{ name }}", sms_without_marks=True
    )
    customer = customer_with(phone="+84909908089")

    # when
    message = schedule(
        customer,
        purpose="marketing",
        template_code="promo",
        channel="sms",
        context={"name": "Hoà Đặng"},
    )

    # then
    assert message.body == "[QC] Giam gia cho Hoa Dang TC gui 8079"


def test_a_scheduled_message_carries_tracked_links_that_lead_to_the_original(client, settings):
    # given: a marketing SMS whose template links to the shop
    settings.MESSAGE_LINK_BASE_URL = "https://shop.example.vn"
    MessageTemplateFactory(
        code="promo", channel="sms", language="vi", subject="", body="Xem: https://tiem.vn/combo"
    )
    customer = customer_with(phone="0909908089", preferred_language="vi")

    # when
    message = schedule(customer, purpose="marketing", template_code="promo", channel="sms")

    # then: the body carries our redirect, which leads to the link the template had
    assert "https://tiem.vn/combo" not in message.body
    tracked = next(word for word in message.body.split() if "/m/c/" in word)
    response = client.get(tracked.removeprefix("https://shop.example.vn"))
    assert response.status_code == 302
    assert response["Location"] == "https://tiem.vn/combo"
