"""What every flow is made of: its spec, the plan of a step, and how steps are timed.

Re-exported by :mod:`campaigns.flows.engine`, where the flows import them from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.utils import timezone

from campaigns.models import Flow, FlowEnrolment
from customers.models import Event


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
