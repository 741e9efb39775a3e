"""Sending due messages: claim, re-check the gates, hand over, record — never twice.

The steps and why they are separate:

1. *Claim* (one short transaction): lock due rows with ``SKIP LOCKED`` and mark them
   ``sending`` with ``claimed_at``/``claimed_by``. Other workers skip them at once.
2. *Gates*, just before sending, on facts read once for the batch (consents,
   suppressions, Do-Not-Call, the frequency cap's counts, recent purchases: a few grouped
   queries, read again if a chunk starts more than ``GATE_FACTS_MAX_AGE`` later): a
   ``skipped``/``deferred`` verdict is recorded with its reason and the provider is never
   called.
3. *Hand-off* (per chunk of ``MESSAGE_HANDOFF_CHUNK`` messages): ``handed_at`` and
   ``attempts`` are committed **before** the provider is called, for rows whose claim is
   still ours. A row in ``sending`` without ``handed_at`` was certainly never given to a
   provider.
4. *Provider calls*, outside any transaction (a slow provider holds no lock).
5. *Outcomes*: each row's state and its timeline event commit together, in the next
   chunk's hand-off transaction (or a last one): one transaction per chunk in all, one
   UPDATE for every outcome and verdict (``rows_update``), one INSERT of events.

A worker killed between 3 and 5 leaves rows ``sending`` with ``handed_at``: the sweep
(:func:`campaigns.services.recovery.message_recover_stuck`) resends them only if the
transport de-duplicates on our idempotency key, otherwise marks them ``uncertain`` for
staff. Killed before 3: back to ``pending``, since nothing was sent. Chunks trade commits
(one per chunk instead of two per message) against how many rows a crash can leave
``uncertain``: at most one chunk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from campaigns.gates import GateFacts, gate_check
from campaigns.locks import message_lock_claimed, message_lock_due
from campaigns.models import Message
from campaigns.selectors import contact_addresses
from campaigns.services.answers import ProviderAnswer, answer_changes, provider_call
from campaigns.services.fallback import message_fallback
from campaigns.services.rows import rows_update
from customers.models import Event
from customers.services.events import event_record_many


@dataclass
class SendSummary:
    claimed: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: str) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + 1


def message_claim_due(*, batch_size: int, worker: str, purpose: str, now=None) -> list[Message]:
    """Claim up to ``batch_size`` due messages of ``purpose`` for ``worker`` (own transaction)."""
    now = now or timezone.now()
    # Durable: the claim must be committed before any provider is called, or another
    # worker could not see that these rows are taken once our locks are released.
    with transaction.atomic(durable=True):
        ids = message_lock_due(purpose=purpose, now=now, limit=batch_size)
        if not ids:
            return []
        Message.objects.filter(pk__in=ids).update(
            state=Message.State.SENDING, claimed_at=now, claimed_by=worker, handed_at=None
        )
    return list(
        Message.objects.filter(pk__in=ids).select_related("customer").order_by("send_at", "id")
    )


def message_send_due(*, batch_size: int, worker: str, purpose: str | None = None) -> SendSummary:
    """Claim a batch of due messages and send each; transactional ones first.

    ``purpose`` limits the claim to one purpose (each has its own Celery queue). Returns
    how many were claimed and how each ended (sent, failed, skipped, deferred, pending,
    uncertain, lost: taken back from this worker after its claim expired).
    """
    purposes = [purpose] if purpose else [Message.Purpose.TRANSACTIONAL, Message.Purpose.MARKETING]
    summary = SendSummary()
    remaining = batch_size
    for each in purposes:
        if remaining <= 0:
            break
        messages = message_claim_due(batch_size=remaining, worker=worker, purpose=each)
        remaining -= len(messages)
        summary.claimed += len(messages)
        for outcome in message_send_claimed(messages=messages):
            summary.add(outcome)
    return summary


LOST = "lost"
# Gate facts older than this are read again before the next chunk: a slow provider must
# not let a consent withdrawn meanwhile go unseen for a whole batch.
GATE_FACTS_MAX_AGE = timedelta(seconds=5)


@dataclass
class _Chunk:
    """One chunk on its way: what was handed over, and later the providers' answers."""

    handed: list[Message] = field(default_factory=list)
    answers: dict[int, ProviderAnswer] = field(default_factory=dict)


def message_send_claimed(*, messages: list[Message]) -> list[str]:
    """Gate, hand over and record messages this worker has claimed; each one's outcome.

    Batch-shaped: the gates' facts are read once for the batch (again only if a chunk
    starts more than ``GATE_FACTS_MAX_AGE`` later), and each chunk of
    ``MESSAGE_HANDOFF_CHUNK`` messages costs one transaction, whatever its size: it records
    the previous chunk's answers (one UPDATE for every outcome, one INSERT of timeline
    events), the chunk's gate verdicts, and marks the rest of the chunk handed over, all
    committed before any of its providers is called. A crash leaves at most one chunk
    ``uncertain`` (handed over, answer unrecorded), never sent twice.
    """
    outcomes: dict[int, str] = {}
    if not messages:
        return []
    readdressed = _readdress(messages)
    size = settings.MESSAGE_HANDOFF_CHUNK
    facts, facts_at, previous = None, None, None
    for start in range(0, len(messages), size):
        part = messages[start : start + size]
        now = timezone.now()
        if facts is None or now - facts_at > GATE_FACTS_MAX_AGE:
            facts, facts_at = GateFacts.load(messages[start:], now), now
        verdicts = {
            message.pk: gate_check(message=message, now=now, facts=facts) for message in part
        }
        chunk = _chunk_commit(part, verdicts, readdressed, previous, outcomes, now)
        chunk.answers = {message.pk: provider_call(message, now) for message in chunk.handed}
        previous = chunk
    if previous.handed:
        _chunk_commit([], {}, readdressed, previous, outcomes, timezone.now())
    return [outcomes[message.pk] for message in messages]


class _Contended(Exception):
    """A conditional UPDATE matched fewer rows than ours: some claim was taken back."""


def _chunk_commit(part, verdicts, readdressed, previous, outcomes, now) -> _Chunk:
    """The chunk's transaction (durable: the hand-off marker must be committed before any
    provider is called).

    First without locks: every UPDATE is conditional on the claim (``claimed_by``,
    ``claimed_at``) and its count says whether every row was still ours, as it is but for
    a worker that outlived its claim. If not, rolled back and done again under row locks,
    row by row ``lost`` or not.
    """
    settling = previous.handed if previous else []
    tokens = {(message.claimed_by, message.claimed_at) for message in [*part, *settling]}
    if len(tokens) == 1:
        try:
            with transaction.atomic(durable=True):
                return _hand_off(part, verdicts, readdressed, previous, outcomes, now, None)
        except _Contended:
            pass
    with transaction.atomic(durable=True):
        ours = _still_ours(fresh=part, settling=settling)
        return _hand_off(part, verdicts, readdressed, previous, outcomes, now, ours)


def _still_ours(*, fresh: list[Message], settling: list[Message]) -> set[int]:
    """Lock the rows (one query) and keep those still under the claim each message carries.

    ``fresh`` rows must still be ``sending``; ``settling`` ones (handed over, answer
    coming) may also have been marked ``uncertain`` by the sweep meanwhile: still ours.
    """
    tokens = {message.pk: (message.claimed_by, message.claimed_at) for message in fresh}
    tokens |= {message.pk: (message.claimed_by, message.claimed_at) for message in settling}
    if not tokens:
        return set()
    settling_ids = {message.pk for message in settling}
    return {
        pk
        for pk, claimed_by, claimed_at, state in message_lock_claimed(
            ids=list(tokens), states=(Message.State.SENDING, Message.State.UNCERTAIN)
        )
        if tokens[pk] == (claimed_by, claimed_at)
        and (state == Message.State.SENDING or pk in settling_ids)
    }


def _readdress(messages: list[Message]) -> set[int]:
    """Fill in the address of messages scheduled without one (the customer may have given
    one since): one query for all of them. The pks of those that got one."""
    missing = [message for message in messages if not message.address]
    if not missing:
        return set()
    found = contact_addresses(pairs={(message.customer_id, message.channel) for message in missing})
    readdressed = set()
    for message in missing:
        message.address = found.get((message.customer_id, message.channel), "")
        if message.address:
            readdressed.add(message.pk)
    return readdressed


def _hand_off(part, verdicts, readdressed, previous, outcomes, now, ours) -> _Chunk:
    """In one transaction: the previous chunk's answers, this chunk's verdicts and hand-off.

    ``ours``: the rows locked and found still under our claim (a row the sweep took back
    meanwhile is ``lost`` to us and left alone); None: all of them, which the conditional
    UPDATEs verify (``_Contended`` otherwise, before anything leaves the transaction).
    """
    settling = previous.handed if previous else []
    if ours is None:
        ours = {message.pk for message in [*part, *settling]}
        any_message = (part or settling)[0]
        claim = {"claimed_by": any_message.claimed_by, "claimed_at": any_message.claimed_at}
    else:
        claim = None
    changes: dict[int, dict] = {}
    events: list[tuple] = []
    fallbacks: list[tuple[Message, str]] = []
    if settling:
        _settle(previous, ours, now, outcomes, changes, events, fallbacks)
    chunk = _verdicts_apply(part, verdicts, ours, readdressed, outcomes, changes, fallbacks)
    # Every outcome and verdict of the chunk and its hand-off marker in one UPDATE, whatever
    # their kinds. A row the sweep marked uncertain meanwhile (handed over, answer coming)
    # is still ours; a fresh row never is uncertain under our claim (the sweep makes an
    # unhanded row pending and clears its claim), so the one condition serves both.
    _mark_handed(chunk, changes, now)
    where = claim and {**claim, "state": [Message.State.SENDING, Message.State.UNCERTAIN]}
    if rows_update(model=Message, changes=changes, where=where) != len(changes) and claim:
        raise _Contended()
    for message in chunk.handed:
        message.attempts += 1
        message.handed_at = now
    if events:
        event_record_many(
            kind=Event.Kind.MESSAGE_SENT, entries=events, occurred_at=now, returning=False
        )
    # Not allowed on this channel, or refused by its provider: a flow tries the next one.
    for message, reason in fallbacks:
        message_fallback(message=message, reason=reason)
    return chunk


def _verdicts_apply(part, verdicts, ours, readdressed, outcomes, changes, fallbacks) -> _Chunk:
    """This chunk's gate verdicts as row changes; the messages left to hand over."""
    chunk = _Chunk()
    for message in part:
        verdict = verdicts[message.pk]
        if message.pk not in ours:
            outcomes[message.pk] = LOST
        elif verdict is not None:
            outcomes[message.pk] = verdict.state
            changes[message.pk] = _verdict_changes(message, verdict)
            if verdict.state == Message.State.SKIPPED:
                fallbacks.append((message, verdict.reason))
        else:
            chunk.handed.append(message)
            if message.pk in readdressed:
                changes[message.pk] = {"address": message.address}
    return chunk


def _mark_handed(chunk: _Chunk, changes: dict[int, dict], now: datetime) -> None:
    """The hand-off marker among the chunk's row changes: ``handed_at`` and one more attempt.

    It commits before any provider is called: from here on the provider may have the
    message, and the sweep will never blindly resend it. ``attempts`` is written as a value,
    not ``F()``: the row is ours (the UPDATE is conditional on our claim, or the rows are
    locked and checked), so nobody else moved it since the claim read it.
    """
    for message in chunk.handed:
        changes.setdefault(message.pk, {}).update(handed_at=now, attempts=message.attempts + 1)


def _settle(previous, ours, now, outcomes, changes, events, fallbacks) -> None:
    """The providers' answers for the previous chunk: its rows' changes and events."""
    for message in previous.handed:
        # A row the sweep marked uncertain meanwhile is still ours to settle.
        if message.pk not in ours:
            outcomes[message.pk] = LOST
            continue
        outcome, fields, reason = answer_changes(message, previous.answers[message.pk], now)
        outcomes[message.pk] = outcome
        changes[message.pk] = fields
        if outcome == Message.State.SENT:
            payload = _event_payload(message, outcome, provider_id=message.provider_id)
            events.append((message.customer, payload))
        elif outcome == Message.State.FAILED:
            events.append((message.customer, _event_payload(message, outcome, reason=reason)))
            fallbacks.append((message, reason))


def _verdict_changes(message: Message, verdict) -> dict:
    fields = dict(
        state=verdict.state,
        reason=verdict.reason,
        reason_detail=verdict.detail,
        address=message.address,
    )
    if verdict.state == Message.State.DEFERRED:
        fields.update(send_at=verdict.send_at, claimed_at=None, claimed_by="", handed_at=None)
    return fields


def _event_payload(message: Message, state: str, **extra) -> dict:
    return {
        "message_id": message.pk,
        "state": state,
        "channel": message.channel,
        "purpose": message.purpose,
        "template_code": message.template_code,
        "flow": message.flow,
        "step": message.step,
        **extra,
    }
