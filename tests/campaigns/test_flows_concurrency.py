"""Two flow workers at once on real PostgreSQL: every due step runs exactly once."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from campaigns.flows.engine import flows_advance
from campaigns.flows.seeds import seed
from campaigns.models import Flow, FlowEnrolment, Message, MessageTemplate
from customers.models import Event
from tests.factories import customer_with


@pytest.mark.postgres
def test_two_workers_advancing_at_once_run_each_step_exactly_once(transactional_db):
    # given: 60 customers whose store thank-you is due
    seed(Flow, MessageTemplate)
    flow = Flow.objects.get(code="store_thank_you")
    Flow.objects.filter(pk=flow.pk).update(enabled=True)
    past = timezone.now() - timedelta(minutes=1)
    for n in range(60):
        customer = customer_with(email=f"k{n}@example.vn", full_name=f"Khách {n}")
        event = Event.objects.create(
            customer=customer, kind="order_placed", occurred_at=past, payload={}
        )
        FlowEnrolment.objects.create(
            flow=flow, customer=customer, trigger_event=event, next_at=past, context={}
        )
    start = threading.Barrier(2)
    errors, claimed = [], Counter()

    def work(name):
        try:
            start.wait()
            while summary := flows_advance(batch_size=7):
                if not summary.claimed:
                    break
                claimed[name] += summary.claimed
        except Exception as error:  # reported below, never swallowed
            errors.append(error)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then: 60 steps, 60 messages, each enrolment done once; both workers took part
    assert errors == []
    assert sum(claimed.values()) == 60
    assert set(claimed) == {"w0", "w1"}
    assert Message.objects.filter(flow="store_thank_you").count() == 60
    assert FlowEnrolment.objects.filter(state="completed").count() == 60
