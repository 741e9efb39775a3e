"""The flow engine: enrol customers from the timeline, then walk their steps when due.

Two jobs, both safe to run twice and to overlap:

* :func:`flows_consume` walks ``customers.selectors.event_stream`` from its own durable
  ``ConsumerCursor`` (the pattern of ``services/attribution.py``): the enrolments a batch of
  events starts are written in the transaction that moves the cursor, with a conditional
  UPDATE, so a restarted worker resumes where it stopped and no event is skipped or
  enrolled twice (``FlowEnrolment`` is unique per flow, customer and trigger event too).
* :func:`flows_advance` takes the due enrolments in one pass over the partial index
  ``campaigns_enrolment_due_idx`` (``SKIP LOCKED``, so two workers share a burst), reads
  what could end them in one query per batch, re-checks the exit conditions, and hands
  the batch's steps to the outbox together through ``message_schedule_many``.

Exits, checked before every step: the customer placed an order in any channel since the
trigger (``order_placed``: web, POS by phone or email, marketplace), emptied the cart,
withdrew marketing consent (marketing flows), was erased; or a newer trigger replaced it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from campaigns.flows.spec import (  # the flows import these from here
    Enrol,
    ExitReason,
    FlowExit,
    FlowSpec,
    StepPlan,
    first_step_at,
    step_delay,
    window_align,
)
from campaigns.flows.steps import (
    call_hours_align,
    call_task_create,
    enrolment_finish,
    enrolments_save,
    step_prepare,
    steps_send,
)
from campaigns.locks import enrolment_lock_due
from campaigns.models import ConsumerCursor, Flow, FlowEnrolment, Message
from campaigns.services.scheduling import TemplateBook
from customers.models import Event
from customers.selectors import EventCursor, event_stream

logger = logging.getLogger(__name__)

CONSUMER_NAME = "campaigns.flows"
BATCH_SIZE = 500

__all__ = [
    "Enrol",
    "ExitReason",
    "FlowExit",
    "FlowSpec",
    "StepPlan",
    "call_hours_align",
    "call_task_create",
    "first_step_at",
    "flows_advance",
    "flows_consume",
    "flows_consume_all",
    "step_delay",
    "window_align",
]


# --- consuming the timeline --------------------------------------------------------------


def _specs() -> dict[str, FlowSpec]:
    from campaigns.flows import FLOW_SPECS

    return FLOW_SPECS


def flows_consume(*, batch_size: int = BATCH_SIZE) -> int:
    """Read the next batch of timeline events and enrol customers in the enabled flows.

    Returns how many events were read (0: nothing new, or another run holds the cursor).
    """
    with transaction.atomic(durable=True):
        cursor, _created = ConsumerCursor.objects.get_or_create(name=CONSUMER_NAME)
        events = list(event_stream(after=EventCursor.parse(cursor.position))[:batch_size])
        if not events:
            return 0
        # Move the cursor first, conditionally: a second run started at the same time waits
        # on the row lock, then matches no row and writes nothing.
        moved = ConsumerCursor.objects.filter(pk=cursor.pk, position=cursor.position).update(
            position=str(EventCursor.after(events[-1])), updated_at=timezone.now()
        )
        if not moved:
            return 0
        flows = {flow.code: flow for flow in Flow.objects.filter(enabled=True)}
        by_kind: dict[str, list[FlowSpec]] = {}
        for code, spec in _specs().items():
            if code in flows:
                for kind in spec.triggers:
                    by_kind.setdefault(kind, []).append(spec)
        rows = []
        for event in events:
            for spec in by_kind.get(event.kind, ()):
                flow = flows[spec.code]
                plan = spec.enrol(flow=flow, event=event)
                if plan is None:
                    continue
                rows.append(
                    FlowEnrolment(
                        flow=flow,
                        customer_id=event.customer_id,
                        trigger_event=event,
                        next_at=plan.next_at,
                        context=plan.context,
                    )
                )
        # One INSERT per batch, however many carts went idle; a replay inserts nothing.
        FlowEnrolment.objects.bulk_create(rows, ignore_conflicts=True)
        return len(events)


def flows_consume_all(*, batch_size: int = BATCH_SIZE) -> int:
    """Consume until the stream is drained; returns how many events were read."""
    total = 0
    while True:
        read = flows_consume(batch_size=batch_size)
        total += read
        if read < batch_size:
            return total


# --- advancing due enrolments ------------------------------------------------------------


@dataclass
class ExitFacts:
    """The events that may end a batch of enrolments, read in one query."""

    events: dict[int, list[tuple]]  # customer id → [(occurred_at, id, kind, payload)]

    @classmethod
    def load(cls, enrolments: list[FlowEnrolment]) -> ExitFacts:
        events: dict[int, list[tuple]] = {}
        if not enrolments:
            return cls(events)
        since = min(e.trigger_event.occurred_at for e in enrolments)
        for row in (
            Event.objects.filter(
                customer_id__in={e.customer_id for e in enrolments},
                kind__in=[
                    Event.Kind.ORDER_PLACED,
                    Event.Kind.CART_UPDATED,
                    Event.Kind.CHECKOUT_STARTED,
                    Event.Kind.CONSENT_CHANGED,
                ],
                occurred_at__gte=since,
            )
            .order_by("occurred_at", "id")
            .values_list("customer_id", "occurred_at", "id", "kind", "payload")
        ):
            events.setdefault(row[0], []).append(row[1:])
        return cls(events)

    def exit_reason(self, enrolment: FlowEnrolment, spec: FlowSpec) -> str | None:
        if enrolment.customer.erased_at:
            return ExitReason.ERASED
        trigger = enrolment.trigger_event
        marketing = enrolment.flow.purpose == Message.Purpose.MARKETING
        for occurred_at, event_id, kind, payload in self.events.get(enrolment.customer_id, []):
            if event_id == trigger.pk or (occurred_at, event_id) <= (
                trigger.occurred_at,
                trigger.pk,
            ):
                continue
            payload = payload or {}
            if spec.exit_on_order and kind == Event.Kind.ORDER_PLACED:
                return ExitReason.ORDERED
            emptied = kind == Event.Kind.CART_UPDATED and not payload.get("lines")
            if spec.exit_on_cart_emptied and emptied:
                return ExitReason.CART_EMPTIED
            if (
                marketing
                and kind == Event.Kind.CONSENT_CHANGED
                and payload.get("purpose") == "marketing"
                and payload.get("granted") is False
            ):
                return ExitReason.CONSENT_WITHDRAWN
            if kind in spec.superseded_by and (
                kind != Event.Kind.CART_UPDATED or payload.get("lines")
            ):
                return ExitReason.SUPERSEDED
        return None


@dataclass
class AdvanceSummary:
    claimed: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: str) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + 1


def flows_advance(*, batch_size: int = BATCH_SIZE, now: datetime | None = None) -> AdvanceSummary:
    """Take up to ``batch_size`` due enrolments and run each one's next step (or exit it).

    One transaction per batch, in a number of queries that does not grow with the batch:
    the lock (``SKIP LOCKED``: another worker takes other rows), the exit facts in one
    query, each step's offer (``FlowSpec.prepare``), then every message of the batch
    through the outbox at once (``message_schedule_many``: channel ranking for all the
    customers in a few grouped queries, the templates once, one INSERT), and the
    enrolments moved on in one UPDATE per outcome. A step whose template is missing exits
    its enrolment with the reason, not the batch.
    """
    now = now or timezone.now()
    summary = AdvanceSummary()
    specs = _specs()
    with transaction.atomic(durable=True):
        ids = enrolment_lock_due(now=now, limit=batch_size)
        if not ids:
            return summary
        enrolments = list(
            FlowEnrolment.objects.filter(pk__in=ids)
            .select_related("flow", "customer", "trigger_event")
            .order_by("next_at", "id")
        )
        summary.claimed = len(enrolments)
        facts = ExitFacts.load(enrolments)
        outcomes: dict[int, str] = {}
        going_on = [
            enrolment
            for enrolment in enrolments
            if not _ended(enrolment, specs[enrolment.flow.code], facts, outcomes)
        ]
        if going_on:
            book = TemplateBook.load(
                codes={e.flow.steps[e.next_step]["template"] for e in going_on}
            )
            steps = [
                step
                for e in going_on
                if (step := step_prepare(e, specs[e.flow.code], book, outcomes))
            ]
            if steps:
                steps_send(steps, book, now, outcomes)
        for enrolment in enrolments:
            summary.add(outcomes[enrolment.pk])
        enrolments_save(enrolments, now)
    return summary


def _ended(enrolment, spec, facts, outcomes) -> bool:
    """Whether the enrolment ends before its next step (its outcome recorded if so)."""
    flow = enrolment.flow
    reason = facts.exit_reason(enrolment, spec) if flow.enabled else ExitReason.FLOW_DISABLED
    if reason:
        outcomes[enrolment.pk] = enrolment_finish(enrolment, FlowEnrolment.State.EXITED, reason)
        return True
    if enrolment.next_step >= len(flow.steps or []):
        outcomes[enrolment.pk] = enrolment_finish(enrolment, FlowEnrolment.State.COMPLETED)
        return True
    return False
