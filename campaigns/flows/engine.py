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
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from campaigns.channels import channel_rankings
from campaigns.exceptions import TemplateMissing
from campaigns.locks import enrolment_lock_due
from campaigns.models import CallTask, ConsumerCursor, Flow, FlowEnrolment, Message
from campaigns.rendering import render_part
from campaigns.services.scheduling import (
    MessageRequest,
    TemplateBook,
    message_idempotency_key,
    message_schedule_many,
    template_for,
)
from customers.models import ContactPoint, Event
from customers.selectors import EventCursor, event_stream

logger = logging.getLogger(__name__)

CONSUMER_NAME = "campaigns.flows"
BATCH_SIZE = 500


class ExitReason:
    ORDERED = "ordered"
    CART_EMPTIED = "cart_emptied"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    ERASED = "erased"
    SUPERSEDED = "superseded"
    FLOW_DISABLED = "flow_disabled"
    TEMPLATE_MISSING = "template_missing"
    CALL_RECENT = "call_recent"


class FlowExit(Exception):
    """A step finds the enrolment has nothing left to do (the order was paid, …)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Enrol:
    """What a flow makes of a trigger event: when the first step is due, and what to keep."""

    next_at: datetime
    context: dict = field(default_factory=dict)


@dataclass
class StepPlan:
    """What one step sends."""

    context: dict
    featured_variant_ids: list[int] = field(default_factory=list)


class FlowSpec:
    """One flow's behaviour; the ``Flow`` row holds what the marketer may change."""

    code: str = ""
    triggers: tuple[str, ...] = ()
    # The purchase-, cart- and consent-exits apply (a thank-you for an order does not
    # stop because of the order).
    exit_on_order: bool = True
    exit_on_cart_emptied: bool = False
    # A newer trigger of the same kind replaces an older enrolment (the cart changed again).
    superseded_by: tuple[str, ...] = ()

    def enrol(self, *, flow: Flow, event: Event) -> Enrol | None:
        raise NotImplementedError

    def prepare(self, *, flow: Flow, enrolment: FlowEnrolment, index: int) -> StepPlan:
        raise NotImplementedError


def step_delay(step: dict) -> timedelta:
    return timedelta(minutes=int(step.get("delay_minutes") or 0))


def window_align(at: datetime, window) -> datetime:
    """``at`` if its local hour is inside ``window`` ([from, to) hours), else the next start."""
    if not window:
        return at
    start_hour, end_hour = int(window[0]), int(window[1])
    local = timezone.localtime(at)
    if start_hour <= local.hour < end_hour:
        return at
    day = local.date() if local.hour < start_hour else local.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(start_hour)), local.tzinfo)


def first_step_at(flow: Flow, occurred_at: datetime) -> datetime | None:
    steps = flow.steps or []
    if not steps:
        return None
    return window_align(occurred_at + step_delay(steps[0]), steps[0].get("window"))


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
                if (step := _step_plan(e, specs[e.flow.code], book, outcomes))
            ]
            if steps:
                _steps_send(steps, book, now, outcomes)
        for enrolment in enrolments:
            summary.add(outcomes[enrolment.pk])
        _enrolments_save(enrolments, now)
    return summary


@dataclass
class _Step:
    """An enrolment's step, prepared, on its way to the outbox."""

    enrolment: FlowEnrolment
    index: int
    step: dict
    plan: StepPlan
    channel: str | None = None


def _finish(enrolment: FlowEnrolment, state: str, reason: str = "") -> str:
    """Mark it ended in memory; :func:`flows_advance` writes the ended rows together."""
    enrolment.state, enrolment.exit_reason, enrolment.next_at = state, reason, None
    return reason or state


def _ended(enrolment, spec, facts, outcomes) -> bool:
    """Whether the enrolment ends before its next step (its outcome recorded if so)."""
    flow = enrolment.flow
    reason = facts.exit_reason(enrolment, spec) if flow.enabled else ExitReason.FLOW_DISABLED
    if reason:
        outcomes[enrolment.pk] = _finish(enrolment, FlowEnrolment.State.EXITED, reason)
        return True
    if enrolment.next_step >= len(flow.steps or []):
        outcomes[enrolment.pk] = _finish(enrolment, FlowEnrolment.State.COMPLETED)
        return True
    return False


def _step_plan(enrolment, spec, book, outcomes) -> _Step | None:
    """The enrolment's next step prepared, or None when it ends here (outcome recorded)."""
    flow, index = enrolment.flow, enrolment.next_step
    step = flow.steps[index]
    if not book.channels(step["template"]):
        # Checked before the offer is made: no voucher is issued for a message that
        # cannot be written.
        logger.warning("Flow %s step %s has no template %s", flow.code, index + 1, step)
        outcomes[enrolment.pk] = _finish(
            enrolment, FlowEnrolment.State.EXITED, ExitReason.TEMPLATE_MISSING
        )
        return None
    try:
        plan = spec.prepare(flow=flow, enrolment=enrolment, index=index)
    except FlowExit as exit_:
        outcomes[enrolment.pk] = _finish(enrolment, FlowEnrolment.State.EXITED, exit_.reason)
        return None
    return _Step(enrolment=enrolment, index=index, step=step, plan=plan)


def _steps_send(steps: list[_Step], book: TemplateBook, now, outcomes) -> None:
    """Every prepared step's message into the outbox in one go (or a call for staff)."""
    marketing = {
        s.enrolment.customer_id
        for s in steps
        if s.enrolment.flow.purpose == Message.Purpose.MARKETING
    }
    rankings = channel_rankings(
        customer_ids={s.enrolment.customer_id for s in steps}, explore=marketing
    )
    unreachable = []
    for s in steps:
        # Only the channels this step has a template for (Zalo ZNS needs an approved one).
        usable = book.channels(s.step["template"])
        ranking = [c for c in rankings.get(s.enrolment.customer_id, []) if c in usable]
        wanted = s.step.get("channels") or []
        s.channel = next((c for c in ranking if c in wanted), None) or (
            ranking[0] if ranking else None
        )
        if s.channel is None:
            unreachable.append(s)
    calls = _calls_create(unreachable, now, outcomes)
    sending = [s for s in steps if s.enrolment.pk not in calls]
    for s in sending:
        s.channel = s.channel or book.default_channel(s.step["template"])
    messages = message_schedule_many(requests=[_request(s, now) for s in sending])
    for s, message in zip(sending, messages, strict=True):
        if message is None:
            logger.warning(
                "Flow %s step %s has no template %s", s.enrolment.flow.code, s.index + 1, s.step
            )
            outcomes[s.enrolment.pk] = _finish(
                s.enrolment, FlowEnrolment.State.EXITED, ExitReason.TEMPLATE_MISSING
            )
        else:
            outcomes[s.enrolment.pk] = _step_done(s.enrolment, s.index, now)


def _request(s: _Step, now) -> MessageRequest:
    flow, enrolment = s.enrolment.flow, s.enrolment
    return MessageRequest(
        customer=enrolment.customer,
        purpose=flow.purpose,
        template_code=s.step["template"],
        context=s.plan.context,
        idempotency_key=message_idempotency_key(
            flow=flow.code,
            step=str(s.index + 1),
            customer=enrolment.customer,
            trigger_event=enrolment.trigger_event,
        ),
        send_at=now,
        channel=s.channel,
        flow=flow.code,
        step=str(s.index + 1),
        trigger_event=enrolment.trigger_event,
        featured_variant_ids=s.plan.featured_variant_ids,
    )


def _calls_create(unreachable: list[_Step], now, outcomes) -> set[int]:
    """Phone-only customers: the step becomes a call on the staff call list. The
    enrolments handled so (a call, or none within 24 h of the last: exited)."""
    if not unreachable:
        return set()
    phones = {}
    for customer_id, value in (
        ContactPoint.objects.filter(
            customer_id__in={s.enrolment.customer_id for s in unreachable},
            kind=ContactPoint.Kind.PHONE,
        )
        .order_by("customer_id", "id")
        .values_list("customer_id", "value")
    ):
        phones.setdefault(customer_id, value)
    handled = set()
    for s in unreachable:
        phone = phones.get(s.enrolment.customer_id)
        if not phone:
            continue
        enrolment = s.enrolment
        handled.add(enrolment.pk)
        task = call_task_create(
            customer=enrolment.customer,
            phone=phone,
            flow=enrolment.flow.code,
            step=str(s.index + 1),
            template_code=s.step["template"],
            context=s.plan.context,
            now=now,
        )
        if task is None:
            outcomes[enrolment.pk] = _finish(
                enrolment, FlowEnrolment.State.EXITED, ExitReason.CALL_RECENT
            )
        else:
            outcomes[enrolment.pk] = _step_done(enrolment, s.index, now)
    return handled


def _step_done(enrolment: FlowEnrolment, index: int, now) -> str:
    """Move the enrolment past the step it just took, in memory."""
    steps = enrolment.flow.steps or []
    enrolment.next_step = index + 1
    if enrolment.next_step >= len(steps):
        _finish(enrolment, FlowEnrolment.State.COMPLETED)
        return "sent"
    following = steps[enrolment.next_step]
    enrolment.next_at = window_align(now + step_delay(following), following.get("window"))
    return "sent"


def _enrolments_save(enrolments: list[FlowEnrolment], now) -> None:
    """The batch's enrolments in one UPDATE per outcome: a burst of carts costs the same
    few queries as one cart (those still active share the step and the time they are next
    due when they share the flow)."""
    groups: dict[tuple, list[int]] = {}
    for enrolment in enrolments:
        key = (enrolment.state, enrolment.exit_reason, enrolment.next_step, enrolment.next_at)
        groups.setdefault(key, []).append(enrolment.pk)
    for (state, reason, next_step, next_at), pks in groups.items():
        FlowEnrolment.objects.filter(pk__in=pks).update(
            state=state, exit_reason=reason, next_at=next_at, next_step=next_step, updated_at=now
        )


def call_hours_align(at: datetime) -> datetime:
    return window_align(at, settings.CALL_HOURS)


def call_task_create(
    *, customer, phone: str, flow: str, step: str, template_code: str, context: dict, now=None
) -> CallTask | None:
    """A call for staff inside the calling hours; None when the customer had one within 24 h.

    The script is the step's SMS (else email) text in the customer's language.
    """
    now = now or timezone.now()
    if CallTask.objects.filter(
        customer=customer, created_at__gt=now - timedelta(hours=24)
    ).exists():
        return None
    script = ""
    for channel in ("sms", "email"):
        try:
            template = template_for(
                code=template_code, channel=channel, language=customer.preferred_language
            )
        except TemplateMissing:
            continue
        script = render_part(template.body, context)
        break
    return CallTask.objects.create(
        customer=customer,
        phone=phone,
        flow=flow,
        step=step,
        script=script,
        due_at=call_hours_align(now),
    )
