"""A sweep's prepared steps into the outbox together, or onto the staff call list.

:func:`campaigns.flows.engine.flows_advance` decides which enrolments take a step; this
module sends every step of the batch at once (``message_schedule_many``: the customers'
channel ranking in a few grouped queries, the templates once, one INSERT) and moves the
enrolments on in one UPDATE per outcome.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from campaigns.channels import channel_rankings
from campaigns.exceptions import TemplateMissing
from campaigns.flows.spec import ExitReason, FlowExit, StepPlan, step_delay, window_align
from campaigns.models import CallTask, FlowEnrolment, Message
from campaigns.rendering import render_part
from campaigns.services.scheduling import (
    MessageRequest,
    TemplateBook,
    message_idempotency_key,
    message_schedule_many,
    template_for,
)
from customers.models import ContactPoint

logger = logging.getLogger(__name__)


@dataclass
class PreparedStep:
    """An enrolment's step, prepared, on its way to the outbox."""

    enrolment: FlowEnrolment
    index: int
    step: dict
    plan: StepPlan
    channel: str | None = None


def enrolment_finish(enrolment: FlowEnrolment, state: str, reason: str = "") -> str:
    """Mark it ended in memory; :func:`flows_advance` writes the ended rows together."""
    enrolment.state, enrolment.exit_reason, enrolment.next_at = state, reason, None
    return reason or state


def step_prepare(enrolment, spec, book, outcomes) -> PreparedStep | None:
    """The enrolment's next step prepared, or None when it ends here (outcome recorded)."""
    flow, index = enrolment.flow, enrolment.next_step
    step = flow.steps[index]
    if not book.channels(step["template"]):
        # Checked before the offer is made: no voucher is issued for a message that
        # cannot be written.
        logger.warning("Flow %s step %s has no template %s", flow.code, index + 1, step)
        outcomes[enrolment.pk] = enrolment_finish(
            enrolment, FlowEnrolment.State.EXITED, ExitReason.TEMPLATE_MISSING
        )
        return None
    try:
        plan = spec.prepare(flow=flow, enrolment=enrolment, index=index)
    except FlowExit as exit_:
        outcomes[enrolment.pk] = enrolment_finish(
            enrolment, FlowEnrolment.State.EXITED, exit_.reason
        )
        return None
    return PreparedStep(enrolment=enrolment, index=index, step=step, plan=plan)


def steps_send(steps: list[PreparedStep], book: TemplateBook, now, outcomes) -> None:
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
            outcomes[s.enrolment.pk] = enrolment_finish(
                s.enrolment, FlowEnrolment.State.EXITED, ExitReason.TEMPLATE_MISSING
            )
        else:
            outcomes[s.enrolment.pk] = _step_done(s.enrolment, s.index, now)


def _request(s: PreparedStep, now) -> MessageRequest:
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


def _calls_create(unreachable: list[PreparedStep], now, outcomes) -> set[int]:
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
            outcomes[enrolment.pk] = enrolment_finish(
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
        enrolment_finish(enrolment, FlowEnrolment.State.COMPLETED)
        return "sent"
    following = steps[enrolment.next_step]
    enrolment.next_at = window_align(now + step_delay(following), following.get("window"))
    return "sent"


def enrolments_save(enrolments: list[FlowEnrolment], now) -> None:
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
