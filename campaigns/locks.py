"""The only place this app takes row locks (STYLE.md).

Claims use ``FOR UPDATE SKIP LOCKED``: two workers claiming at once each get different rows
and neither waits for the other. The rows are taken in ``send_at, id`` order (the order they
are sent in, served by the partial index ``campaigns_message_due_idx``); a skip-locked claim
never waits, so it cannot take part in a deadlock whatever its order.
"""

from datetime import datetime

from django.db.models import Q

from campaigns.models import FlowEnrolment, Message


def message_lock_due(*, purpose: str, now: datetime, limit: int) -> list[int]:
    """Lock up to ``limit`` due messages of ``purpose`` nobody else holds; their ids."""
    return list(
        Message.objects.filter(purpose=purpose, state__in=Message.CLAIMABLE, send_at__lte=now)
        .order_by("send_at", "id")
        .select_for_update(skip_locked=True)
        .values_list("id", flat=True)[:limit]
    )


def message_lock_stuck(*, cutoff: datetime, limit: int) -> list[int]:
    """Lock messages left in ``sending`` since before ``cutoff`` (their worker is gone)."""
    return list(
        Message.objects.filter(state=Message.State.SENDING)
        .filter(Q(handed_at__isnull=True, claimed_at__lt=cutoff) | Q(handed_at__lt=cutoff))
        .order_by("id")
        .select_for_update(skip_locked=True)
        .values_list("id", flat=True)[:limit]
    )


def message_lock_claimed(*, ids: list[int], states) -> list[tuple]:
    """Lock these messages (by pk) if still in ``states``: (id, claimed_by, claimed_at, state).

    The worker that claimed them checks its claim under this lock before recording, so the
    sweep cannot hand the same rows to another worker in between.
    """
    return list(
        Message.objects.filter(pk__in=ids, state__in=states)
        .order_by("pk")
        .select_for_update()
        .values_list("id", "claimed_by", "claimed_at", "state")
    )


def enrolment_lock_due(*, now: datetime, limit: int) -> list[int]:
    """Lock up to ``limit`` due active flow enrolments nobody else holds; their ids.

    One pass over the partial index ``campaigns_enrolment_due_idx`` (``next_at, id`` of the
    active rows only), however many carts went idle at once.
    """
    return list(
        FlowEnrolment.objects.filter(state=FlowEnrolment.State.ACTIVE, next_at__lte=now)
        .order_by("next_at", "id")
        .select_for_update(skip_locked=True)
        .values_list("id", flat=True)[:limit]
    )
