"""The outbox's send path in one worker process, beside raw SQL claiming the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tiem \
        .venv/bin/python bench/messages.py [--quick]

On a throwaway database (``harness.bench_database``):

1. *schedule*: ``message_schedule`` (channel ranking, template lookup, render, insert once)
   for SCHEDULE/10 messages one by one, then ``message_schedule_many`` for SCHEDULE messages
   in batches of BATCH: messages/s each.
2. *send*: MESSAGES due transactional emails, sent by ``message_send_due`` in batches of
   BATCH (claim with SKIP LOCKED, gates, hand-off, null transport, outcome and timeline
   event) until none is left; then the same rows, reset, claimed by a raw SQL loop
   (``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n) RETURNING id`` then one
   ``UPDATE … SET state = 'sent'`` per batch): messages/s each and the ratio.
3. *claim vs outbox size*: the median time of one claim of BATCH due rows among PENDING due
   rows, with the outbox holding SMALL rows and then LARGE rows (the rest already sent):
   the partial index keeps the claim flat.

``--quick``: 10k messages and 10k → 100k rows (a couple of minutes on a shared laptop);
the full run is 100k messages and 100k → 1M rows. ``SCHEDULE=0`` or ``MESSAGES=0`` skip
those phases (``SCHEDULE=0 MESSAGES=0``: the claim at 1M rows only); ``GROWTH=0`` skips
the third.
"""

import os
import statistics
import sys
import time
from datetime import UTC, datetime

from harness import CORES, bench_database, close_connections, postgres_url

QUICK = "--quick" in sys.argv
MESSAGES = int(os.environ.get("MESSAGES", 10_000 if QUICK else 100_000))
SCHEDULE = int(os.environ.get("SCHEDULE", 2_000 if QUICK else 10_000))
BATCH = int(os.environ.get("BATCH", 500))
CUSTOMERS = 1_000
PENDING = 10_000 if QUICK else 50_000
SMALL, LARGE = (10_000, 100_000) if QUICK else (100_000, 1_000_000)
CLAIMS = 15
# ``GROWTH=0`` skips the claim-vs-outbox-size phase (measured on its own before).
GROWTH = os.environ.get("GROWTH", "1") != "0"


INSERT_MESSAGES = """
INSERT INTO campaigns_message (
    customer_id, channel, address, purpose, template_code, language, subject, body, html,
    headers, provider_template_id, template_data, send_at, due_at, state, reason,
    reason_detail, attempts, provider_id, claimed_by, flow, step, idempotency_key,
    created_at, updated_at, sent_at, context, featured_variant_ids
)
SELECT
    (SELECT min(id) FROM customers_customer) + (n %% %(customers)s),
    'email', 'khach' || n || '@example.vn', 'transactional', 'order_paid', 'vi',
    'Đơn hàng ' || n, 'Cảm ơn bạn đã mua hàng, đơn ' || n, '', '{}', '', '{}',
    now() - interval '1 minute', now() - interval '1 minute', %(state)s, '', '', 0, '', '',
    'bench', 'send', %(prefix)s || n, now(), now(),
    CASE WHEN %(state)s = 'sent' THEN now() - interval '2 days' END, '{}', '[]'
FROM generate_series(1, %(count)s) AS n
"""

RAW_CLAIM = """
UPDATE campaigns_message SET state = 'sending', claimed_at = now(), claimed_by = 'raw'
WHERE id IN (
    SELECT id FROM campaigns_message
    WHERE purpose = 'transactional' AND state IN ('pending', 'deferred') AND send_at <= now()
    ORDER BY send_at, id
    FOR UPDATE SKIP LOCKED
    LIMIT %s
)
RETURNING id
"""


def insert(cursor, *, count: int, state: str, prefix: str) -> None:
    cursor.execute(
        INSERT_MESSAGES,
        {"customers": CUSTOMERS, "state": state, "prefix": prefix, "count": count},
    )


def reset_to_pending(cursor) -> None:
    cursor.execute(
        "UPDATE campaigns_message SET state = 'pending', sent_at = NULL, claimed_at = NULL, "
        "claimed_by = '', handed_at = NULL, provider_id = '', attempts = 0 "
        "WHERE flow = 'bench' AND step = 'send'"
    )


def prepare_customers():
    from customers.models import ContactPoint, Customer

    customers = Customer.objects.bulk_create(
        [Customer(full_name=f"Khách {n}", preferred_language="vi") for n in range(CUSTOMERS)]
    )
    ContactPoint.objects.bulk_create(
        [
            ContactPoint(customer=customer, kind="email", value=f"bench{customer.pk}@example.vn")
            for customer in customers
        ]
    )
    return customers


def bench_schedule(customers) -> tuple[float, float]:
    """(one by one with ``message_schedule``, in batches with ``message_schedule_many``)."""
    from campaigns.models import MessageTemplate
    from campaigns.services import MessageRequest, message_schedule, message_schedule_many

    MessageTemplate.objects.create(
        code="bench_paid",
        channel="email",
        language="vi",
        purpose="transactional",
        subject="Đơn {{ number }}",
        body="Chào {{ name }}, đơn {{ number }} đã thanh toán {{ total }} đ.",
        html="<p>Chào {{ name }}, đơn <b>{{ number }}</b>.</p>",
        sample_context={"name": "Hoa", "number": "WEB-1", "total": "1.350.000"},
    )
    # Not due: the send phase below starts from its own rows.
    send_at = datetime.fromtimestamp(time.time() + 86_400, tz=UTC)

    def request(n: int, prefix: str) -> dict:
        return dict(
            customer=customers[n % CUSTOMERS],
            purpose="transactional",
            template_code="bench_paid",
            context={"name": "Hoa", "number": f"WEB-{n}", "total": "1.350.000"},
            idempotency_key=f"{prefix}:{n}",
            send_at=send_at,
        )

    one_by_one = max(SCHEDULE // 10, 1)
    started = time.perf_counter()
    for n in range(one_by_one):
        message_schedule(**request(n, "bench-schedule"))
    single = one_by_one / (time.perf_counter() - started)
    started = time.perf_counter()
    for start in range(0, SCHEDULE, BATCH):
        message_schedule_many(
            requests=[
                MessageRequest(**request(n, "bench-many"))
                for n in range(start, min(start + BATCH, SCHEDULE))
            ]
        )
    many = SCHEDULE / (time.perf_counter() - started)
    return single, many


def bench_send(cursor) -> tuple[float, float]:
    from campaigns.services import message_send_due

    started = time.perf_counter()
    sent = 0
    while True:
        summary = message_send_due(batch_size=BATCH, worker="bench", purpose="transactional")
        if not summary.claimed:
            break
        sent += summary.counts.get("sent", 0)
    service_seconds = time.perf_counter() - started
    assert sent == MESSAGES, f"sent {sent} of {MESSAGES}"

    reset_to_pending(cursor)
    # The same table state for both sides: the service's row versions cleaned up first.
    cursor.execute("VACUUM ANALYZE campaigns_message")
    started = time.perf_counter()
    claimed = 0
    while True:
        cursor.execute("BEGIN")
        cursor.execute(RAW_CLAIM, [BATCH])
        ids = [row[0] for row in cursor.fetchall()]
        cursor.execute("COMMIT")
        if not ids:
            break
        cursor.execute(
            "UPDATE campaigns_message SET state = 'sent', sent_at = now(), provider_id = 'null' "
            "WHERE id = ANY(%s)",
            [ids],
        )
        claimed += len(ids)
    raw_seconds = time.perf_counter() - started
    assert claimed == MESSAGES, f"raw claimed {claimed} of {MESSAGES}"
    return MESSAGES / service_seconds, MESSAGES / raw_seconds


def median_claim_ms(cursor) -> tuple[float, float]:
    """(the whole claim, its SKIP LOCKED pass over the partial index alone), medians in ms.

    The claim also rewrites its 500 rows (state, claimed_at) and reads them back: that part
    grows with the table's other indexes once they outgrow the cache, not with the
    outbox's due rows. The index pass is what must stay flat.
    """
    from django.db import transaction
    from django.utils import timezone

    from campaigns.locks import message_lock_due
    from campaigns.services import message_claim_due

    times, passes = [], []
    for _ in range(CLAIMS):
        started = time.perf_counter()
        claimed = message_claim_due(batch_size=BATCH, worker="bench", purpose="transactional")
        times.append((time.perf_counter() - started) * 1000)
        assert len(claimed) == BATCH
        cursor.execute(
            "UPDATE campaigns_message SET state = 'pending', claimed_at = NULL, claimed_by = '' "
            "WHERE id = ANY(%s)",
            [[message.pk for message in claimed]],
        )
        with transaction.atomic():
            started = time.perf_counter()
            locked = message_lock_due(purpose="transactional", now=timezone.now(), limit=BATCH)
            passes.append((time.perf_counter() - started) * 1000)
            assert len(locked) == BATCH
            transaction.set_rollback(True)
    return statistics.median(times), statistics.median(passes)


def bench_claim_growth(cursor) -> tuple[tuple[float, float], tuple[float, float]]:
    cursor.execute("DELETE FROM campaigns_message")
    insert(cursor, count=PENDING, state="pending", prefix="due:")
    insert(cursor, count=SMALL - PENDING, state="sent", prefix="old-a:")
    cursor.execute("VACUUM ANALYZE campaigns_message")
    small = median_claim_ms(cursor)
    insert(cursor, count=LARGE - SMALL, state="sent", prefix="old-b:")
    cursor.execute("VACUUM ANALYZE campaigns_message")
    large = median_claim_ms(cursor)
    return small, large


def bench_send_phase(cursor) -> None:
    cursor.execute("DELETE FROM campaigns_message")
    insert(cursor, count=MESSAGES, state="pending", prefix="send:")
    # The DELETE's dead rows are the bench's own artefact: a live outbox is vacuumed.
    cursor.execute("VACUUM ANALYZE campaigns_message")
    service, raw = bench_send(cursor)
    print(
        f"send {MESSAGES:,} due messages, one process: service {service:,.0f} msg/s "
        f"(claim, gates, hand-off, null transport, outcome + timeline event); "
        f"raw SQL claim + mark sent {raw:,.0f} msg/s; "
        f"ratio raw/service {raw / service:.1f}x"
    )


def main() -> int:
    database_url = postgres_url("bench/messages.py")
    if database_url is None:
        return 0
    with bench_database(database_url, f"tiem_bench_messages_{os.getpid()}") as _database:
        from django.conf import settings
        from django.db import connection

        from config.transports.base import _transport

        settings.MESSAGE_TRANSPORTS = {
            # Takes every message and answers at once: what remains is our own cost.
            channel: "tests.campaigns.transports.NullTransport"
            for channel in ("email", "sms", "zalo", "messenger")
        }
        _transport.cache_clear()
        print(f"machine: {CORES} cores; PostgreSQL at {connection.settings_dict['HOST']}")
        print(f"mode: {'quick' if QUICK else 'full'}; batch {BATCH}")

        customers = prepare_customers()
        if SCHEDULE:
            single, many = bench_schedule(customers)
            print(
                f"schedule (channel ranking, render, insert once): one by one "
                f"{max(SCHEDULE // 10, 1):,} messages {single:,.0f} msg/s; "
                f"message_schedule_many in batches of {BATCH}: {SCHEDULE:,} messages "
                f"{many:,.0f} msg/s ({many / single:.1f}x)"
            )

        with connection.cursor() as cursor:
            if MESSAGES:
                bench_send_phase(cursor)
            if not GROWTH:
                close_connections()
                return 0
            small, large = bench_claim_growth(cursor)
            print(
                f"claim of {BATCH} among {PENDING:,} due: outbox {SMALL:,} rows "
                f"{small[0]:.1f} ms, {LARGE:,} rows {large[0]:.1f} ms "
                f"(ratio {large[0] / small[0]:.2f}); its SKIP LOCKED pass over the partial "
                f"index alone: {small[1]:.1f} ms, {large[1]:.1f} ms "
                f"(ratio {large[1] / small[1]:.2f})"
            )
        close_connections()
    return 0


if __name__ == "__main__":
    sys.exit(main())
