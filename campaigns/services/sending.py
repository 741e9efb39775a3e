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
from django.db import connection, transaction
from django.utils import timezone

from campaigns.gates import GateFacts, gate_check
from campaigns.locks import message_lock_claimed, message_lock_due
from campaigns.models import Message
from campaigns.selectors import contact_addresses
from campaigns.services.answers import (
    ProviderAnswer,
    answer_changes,
    event_payload,
    provider_call,
    verdict_changes,
)
from campaigns.services.fallback import fallback_possible, message_fallback
from campaigns.services.rows import rows_update, rows_update_jsonb
from customers.models import Event
from customers.services.events import event_insert_statement, event_record_many


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
    ``claimed_at``), as every row still is but for a worker that outlived its claim. On
    PostgreSQL the whole chunk is then one statement (:func:`_hand_off_at_once`), whose
    ``RETURNING`` names the rows still ours. Elsewhere its count says whether every row was
    still ours; if not, rolled back and done again under row locks, row by row ``lost`` or
    not; so is a chunk whose claims differ, or whose fallbacks need the transaction.
    """
    settling = previous.handed if previous else []
    tokens = {(message.claimed_by, message.claimed_at) for message in [*part, *settling]}
    if len(tokens) == 1:
        if connection.vendor == "postgresql":
            chunk = _hand_off_at_once(part, verdicts, readdressed, previous, outcomes, now)
            if chunk is not None:
                return chunk
        else:
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


@dataclass
class _Plan:
    """A chunk's writes: every row's changes, the timeline events, the fallbacks to make."""

    chunk: _Chunk
    changes: dict[int, dict] = field(default_factory=dict)
    events: list[tuple[int, object, dict]] = field(default_factory=list)  # (pk, customer, payload)
    fallbacks: list[tuple[Message, str]] = field(default_factory=list)


def _plan(part, verdicts, readdressed, previous, outcomes, now, ours) -> _Plan:
    """The previous chunk's answers, this chunk's verdicts and hand-off, as row changes.

    ``ours``: the rows this worker may write (a row the sweep took back meanwhile is
    ``lost`` to us and left alone).
    """
    plan = _Plan(chunk=_Chunk())
    if previous and previous.handed:
        _settle(previous, ours, now, outcomes, plan)
    plan.chunk = _verdicts_apply(part, verdicts, ours, readdressed, outcomes, plan)
    # Every outcome and verdict of the chunk and its hand-off marker in one UPDATE, whatever
    # their kinds.
    _mark_handed(plan.chunk, plan.changes, now)
    return plan


def _handed_over(chunk: _Chunk, now: datetime) -> None:
    for message in chunk.handed:
        message.attempts += 1
        message.handed_at = now


def _hand_off(part, verdicts, readdressed, previous, outcomes, now, ours) -> _Chunk:
    """In one transaction: the previous chunk's answers, this chunk's verdicts and hand-off.

    ``ours``: the rows locked and found still under our claim; None: all of them, which
    the conditional UPDATE verifies (``_Contended`` otherwise, before anything leaves the
    transaction).
    """
    claim = None
    if ours is None:
        claim = _claim_of(part, previous)
        ours = {message.pk for message in _rows_of(part, previous)}
    plan = _plan(part, verdicts, readdressed, previous, outcomes, now, ours)
    changes = plan.changes
    # A row the sweep marked uncertain meanwhile (handed over, answer coming) is still
    # ours; a fresh row never is uncertain under our claim (the sweep makes an unhanded row
    # pending and clears its claim), so the one condition serves both.
    where = claim and {**claim, "state": [Message.State.SENDING, Message.State.UNCERTAIN]}
    if rows_update(model=Message, changes=changes, where=where) != len(changes) and claim:
        raise _Contended()
    _handed_over(plan.chunk, now)
    if plan.events:
        event_record_many(
            kind=Event.Kind.MESSAGE_SENT,
            entries=[(customer, payload) for _pk, customer, payload in plan.events],
            occurred_at=now,
            returning=False,
        )
    # Not allowed on this channel, or refused by its provider: a flow tries the next one.
    for message, reason in plan.fallbacks:
        message_fallback(message=message, reason=reason)
    return plan.chunk


def _hand_off_at_once(part, verdicts, readdressed, previous, outcomes, now) -> _Chunk | None:
    """PostgreSQL: the chunk's transaction as ONE statement, committed when it returns.

    ``WITH upd AS (UPDATE … WHERE <our claim> RETURNING id), sent AS (INSERT INTO
    customers_event … WHERE the message is in upd) SELECT id FROM upd``: every outcome,
    verdict and hand-off marker of the chunk, and the ``message_sent`` events of exactly
    the rows it changed, together or not at all. A row no longer under our claim is not
    matched: it is ``lost`` to us, gets no event and is not handed over, as under row
    locks; the UPDATE waits for a sweep holding a row and re-checks it. Outside any atomic
    block (a worker's) the statement is its own transaction: no BEGIN and COMMIT round
    trips; inside one (a test's) it runs in a durable block like the other path, so
    nesting it in a caller's transaction is refused the same way.

    None, with nothing written, when a fallback is due: it schedules a message, which needs
    the transaction of the other path.
    """
    claim = _claim_of(part, previous)
    rows = _rows_of(part, previous)
    planned = dict(outcomes)
    plan = _plan(part, verdicts, readdressed, previous, planned, now, {m.pk for m in rows})
    if any(fallback_possible(message=m, reason=reason) for m, reason in plan.fallbacks):
        return None
    where = {**claim, "state": [Message.State.SENDING, Message.State.UNCERTAIN]}
    sql, params = rows_update_jsonb(model=Message, changes=plan.changes, where=where)
    sql = f"{sql} RETURNING t.{connection.ops.quote_name(Message._meta.pk.column)}"
    if plan.events:
        insert, more = event_insert_statement(
            kind=Event.Kind.MESSAGE_SENT,
            entries=[(customer, payload) for _pk, customer, payload in plan.events],
            refs=[pk for pk, _customer, _payload in plan.events],
            ref_filter="e.ref IN (SELECT id FROM upd)",
            occurred_at=now,
        )
        # Two statements of our own making, every value a parameter.
        sql = f"WITH upd AS ({sql}), sent AS ({insert}) SELECT id FROM upd"  # noqa: S608
        params = params + more
    if connection.get_autocommit():
        matched = _execute_ids(sql, params)
    else:
        with transaction.atomic(durable=True):
            matched = _execute_ids(sql, params)
    for message in rows:
        if message.pk not in matched:
            outcomes[message.pk] = LOST
        elif message.pk in planned:  # a handed-over row's outcome comes with its answer
            outcomes[message.pk] = planned[message.pk]
    plan.chunk.handed = [message for message in plan.chunk.handed if message.pk in matched]
    _handed_over(plan.chunk, now)
    return plan.chunk


def _execute_ids(sql: str, params: list) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def _rows_of(part, previous) -> list[Message]:
    return [*part, *(previous.handed if previous else [])]


def _claim_of(part, previous) -> dict:
    any_message = _rows_of(part, previous)[0]
    return {"claimed_by": any_message.claimed_by, "claimed_at": any_message.claimed_at}


def _verdicts_apply(part, verdicts, ours, readdressed, outcomes, plan: _Plan) -> _Chunk:
    """This chunk's gate verdicts as row changes; the messages left to hand over."""
    chunk = _Chunk()
    for message in part:
        verdict = verdicts[message.pk]
        if message.pk not in ours:
            outcomes[message.pk] = LOST
        elif verdict is not None:
            outcomes[message.pk] = verdict.state
            plan.changes[message.pk] = verdict_changes(message, verdict)
            if verdict.state == Message.State.SKIPPED:
                plan.fallbacks.append((message, verdict.reason))
        else:
            chunk.handed.append(message)
            if message.pk in readdressed:
                plan.changes[message.pk] = {"address": message.address}
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


def _settle(previous, ours, now, outcomes, plan: _Plan) -> None:
    """The providers' answers for the previous chunk: its rows' changes and events."""
    for message in previous.handed:
        # A row the sweep marked uncertain meanwhile is still ours to settle.
        if message.pk not in ours:
            outcomes[message.pk] = LOST
            continue
        outcome, fields, reason = answer_changes(message, previous.answers[message.pk], now)
        outcomes[message.pk] = outcome
        plan.changes[message.pk] = fields
        if outcome == Message.State.SENT:
            payload = event_payload(message, outcome, provider_id=message.provider_id)
            plan.events.append((message.pk, message.customer, payload))
        elif outcome == Message.State.FAILED:
            payload = event_payload(message, outcome, reason=reason)
            plan.events.append((message.pk, message.customer, payload))
            plan.fallbacks.append((message, reason))
