"""Messages as the outbox leaves them once sent, for the tracking and attribution tests."""

import factory
from django.utils import timezone

from campaigns.models import Message
from tests.factories import CustomerFactory


class SentMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "campaigns.Message"

    customer = factory.SubFactory(CustomerFactory)
    channel = Message.Channel.EMAIL
    address = factory.Sequence(lambda n: f"khach{n}@example.vn")
    purpose = Message.Purpose.MARKETING
    template_code = "cart_abandoned.1"
    language = "vi"
    subject = "Giỏ hàng của bạn"
    body = "Xem lại giỏ hàng: https://tiem.example/cart/"
    send_at = factory.LazyFunction(timezone.now)
    due_at = factory.SelfAttribute("send_at")
    sent_at = factory.LazyFunction(timezone.now)
    state = Message.State.SENT
    provider_id = factory.Sequence(lambda n: f"provider-{n}")
    flow = "cart_abandoned"
    step = "1"
    idempotency_key = factory.Sequence(lambda n: f"cart_abandoned:1:test:{n}")
