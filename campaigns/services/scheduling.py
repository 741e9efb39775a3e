"""Putting a message in the outbox: choose the channel, render, insert once, nudge a worker."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from campaigns.channels import FIXED_ORDER, channel_rankings
from campaigns.exceptions import IdempotencyKeyReused, TemplateMissing
from campaigns.models import Message, MessageTemplate
from campaigns.rendering import fold_marks, render_part
from campaigns.selectors import contact_addresses
from campaigns.services.rows import rows_update
from campaigns.services.tracking import message_links_wrap_new
from config.transports import Channel
from customers.exceptions import CustomerNotFound
from customers.models import Customer, Event
from customers.services.consent import opt_out_path

logger = logging.getLogger(__name__)

QC_PREFIX = "[QC]"
# RFC 8058: the POST body a mail client sends to unsubscribe in one click.
ONE_CLICK = "List-Unsubscribe=One-Click"


def message_idempotency_key(*, flow: str, step: str, customer: Customer, trigger_event=None) -> str:
    """The key of one flow step's message to one customer for one trigger event."""
    trigger = getattr(trigger_event, "pk", trigger_event) or "-"
    return f"{flow}:{step}:{customer.pk}:{trigger}"


def template_for(*, code: str, channel: str, language: str) -> MessageTemplate:
    """The active template in the customer's language, else in the default language."""
    template = TemplateBook.load(codes=[code]).find(code, channel, language)
    if template is None:
        raise TemplateMissing(
            _("No active template %(code)s for %(channel)s.") % {"code": code, "channel": channel}
        )
    return template


def template_channels(*, code: str) -> set[str]:
    """The channels with an active template of this code (in any language)."""
    return TemplateBook.load(codes=[code]).channels(code)


@dataclass
class TemplateBook:
    """The active templates of some codes, read in one query: a batch looks each up here."""

    templates: dict[tuple[str, str, str], MessageTemplate]

    @classmethod
    def load(cls, *, codes) -> TemplateBook:
        return cls(
            {
                (template.code, template.channel, template.language): template
                for template in MessageTemplate.objects.filter(code__in=set(codes), is_active=True)
            }
        )

    def find(self, code: str, channel: str, language: str) -> MessageTemplate | None:
        """In ``language``, else in the default language; None if neither exists."""
        return self.templates.get((code, channel, language)) or self.templates.get(
            (code, channel, settings.LANGUAGE_CODE)
        )

    def channels(self, code: str) -> set[str]:
        return {channel for each, channel, _language in self.templates if each == code}

    def default_channel(self, code: str) -> str:
        # Nobody to reach: keep the message on a channel its template exists for, so the
        # log shows it skipped for want of an address rather than nothing at all.
        existing = self.channels(code)
        return next((str(channel) for channel in FIXED_ORDER if channel in existing), Channel.EMAIL)


def _absolute(path: str) -> str:
    return f"{settings.MESSAGE_LINK_BASE_URL}{path}"


def _marketing_dressing(
    *, channel: str, customer: Customer, language: str, body: str, html: str
) -> tuple[str, str, dict]:
    """What the law asks of an advert on this channel, added to the rendered parts."""
    headers = {}
    if channel == Channel.SMS:
        # Decree 91/2020: an advertising SMS starts with [QC] and ends with how to refuse.
        body = body.strip()
        if not body.startswith(QC_PREFIX):
            body = f"{QC_PREFIX} {body}"
        opt_out = settings.MESSAGE_SMS_OPT_OUT_TEXT
        if not body.endswith(opt_out):
            body = f"{body} {opt_out}"
    elif channel == Channel.EMAIL:
        url = _absolute(opt_out_path(customer=customer, channel=channel))
        # RFC 8058 one-click unsubscribe, and a link a person can see and click.
        headers = {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": ONE_CLICK}
        with override(language):
            label = _("Unsubscribe from these emails")
        body = f"{body.rstrip()}\n\n{label}: {url}\n"
        if html:
            link = f'<p><a href="{url}">{label}</a></p>'
            html = html.replace("</body>", f"{link}</body>") if "</body>" in html else html + link
    return body, html, headers


def _send_task_nudge(purpose: str) -> None:
    from campaigns.tasks import send_due_marketing, send_due_transactional

    transactional = purpose == Message.Purpose.TRANSACTIONAL
    task = send_due_transactional if transactional else send_due_marketing
    try:
        task.delay()
    except Exception:  # the broker is down: beat sends it when it is back
        logger.warning("Could not nudge %s; beat will send the message.", task.name, exc_info=True)


@dataclass
class MessageRequest:
    """One message to put in the outbox (the arguments of :func:`message_schedule`)."""

    customer: Customer
    purpose: str
    template_code: str
    context: dict
    idempotency_key: str
    send_at: datetime | None = None
    channel: str | None = None
    flow: str = ""
    step: str = ""
    trigger_event: Event | None = None
    featured_variant_ids: Sequence[int] = ()


def message_schedule(
    *,
    customer: Customer,
    purpose: str,
    template_code: str,
    context: dict,
    idempotency_key: str,
    send_at: datetime | None = None,
    channel: str | None = None,
    flow: str = "",
    step: str = "",
    trigger_event: Event | None = None,
    featured_variant_ids: list[int] | tuple = (),
) -> Message:
    """Put one message in the outbox, once: a second call with the same key returns the first.

    A merged-away customer's message goes to the surviving profile; the channel is
    ``channel`` or the customer's best (``channel_ranking``); the template is rendered now,
    in the customer's language, with only ``context``. The gates are checked when it is
    sent, not here. Raises ``TemplateMissing`` (nothing written) when no template exists.
    A worker is nudged after commit when the message is already due. ``context`` is kept
    on the row so a fallback can render it for another channel; ``featured_variant_ids``
    name the products an advert shows (the recent-purchase gate reads them).

    The batch :func:`message_schedule_many` of one request: one implementation.
    """
    request = MessageRequest(
        customer=customer,
        purpose=purpose,
        template_code=template_code,
        context=context,
        idempotency_key=idempotency_key,
        send_at=send_at,
        channel=channel,
        flow=flow,
        step=step,
        trigger_event=trigger_event,
        featured_variant_ids=featured_variant_ids,
    )
    [message] = message_schedule_many(requests=[request])
    if message is None:
        channel_name = channel or "-"
        raise TemplateMissing(
            _("No active template %(code)s for %(channel)s.")
            % {"code": template_code, "channel": channel_name}
        )
    return message


@transaction.atomic
def message_schedule_many(*, requests: list[MessageRequest]) -> list[Message | None]:
    """``message_schedule`` for many messages at once, in a fixed number of queries.

    The existing keys in one query; the customers (merged-away ones followed to the
    survivor) in one; the channel ranking of those without a channel in five
    (``channel_rankings``); the templates of every code in one; the addresses in one; the
    new rows in one ``INSERT … ON CONFLICT DO NOTHING`` on the idempotency key (a row
    another writer inserted first is returned as it is), read back in one; their tracked
    links in one INSERT and one UPDATE; one nudge per queue after commit. Returns each
    request's message in order, or None where no template exists (nothing written for it).
    """
    keys = [request.idempotency_key for request in requests]
    existing = {
        message.idempotency_key: message
        for message in Message.objects.filter(idempotency_key__in=keys)
    }
    survivor = _survivors({request.customer.pk for request in requests})
    now = timezone.now()
    todo: dict[str, MessageRequest] = {}
    for request in requests:
        if request.idempotency_key not in existing:
            todo.setdefault(request.idempotency_key, request)
    rows = _rows_for(list(todo.values()), survivor, now) if todo else {}
    if rows:
        Message.objects.bulk_create(rows.values(), ignore_conflicts=True)
        created, written_keys = _read_back(rows)
        existing.update(created)
        written = [
            message
            for key, message in created.items()
            if key in written_keys and message.state == Message.State.PENDING
        ]
        _wrap_links(written)
        due = {message.purpose for message in written if message.send_at <= now}
        for purpose in sorted(due):
            transaction.on_commit(partial(_send_task_nudge, purpose))
    results = []
    for request in requests:
        message = existing.get(request.idempotency_key)
        if message is not None:
            _same_customer(message, request.customer, survivor)
        results.append(message)
    return results


def _survivors(customer_ids: set[int]) -> dict[int, Customer]:
    """Each customer id → the live profile (a merged-away one's survivor), one query."""
    customers = Customer.objects.select_related("merged_into").filter(pk__in=customer_ids)
    # Merges re-point older tombstones at the survivor, so one hop is enough.
    survivor = {customer.pk: customer.merged_into or customer for customer in customers}
    if len(survivor) != len(customer_ids):
        raise CustomerNotFound()
    return survivor


def _rows_for(
    requests: list[MessageRequest], survivor: dict[int, Customer], now: datetime
) -> dict[str, Message]:
    """The unsaved rows of the requests that have a template, by key (rendered now)."""
    book = TemplateBook.load(codes={request.template_code for request in requests})
    live = [survivor[request.customer.pk] for request in requests]
    rank = {
        customer.pk
        for request, customer in zip(requests, live, strict=True)
        if not request.channel and not customer.erased_at
    }
    # Receipts and codes go to the best channel every day; only adverts explore.
    explore = {
        customer.pk
        for request, customer in zip(requests, live, strict=True)
        if request.purpose == Message.Purpose.MARKETING
    }
    rankings = channel_rankings(customer_ids=rank, explore=explore) if rank else {}
    chosen = []
    for request, customer in zip(requests, live, strict=True):
        if request.channel:
            channel = Channel(request.channel)
        elif customer.erased_at:
            channel = Channel.EMAIL
        else:
            ranking = rankings.get(customer.pk) or [book.default_channel(request.template_code)]
            channel = ranking[0]
        chosen.append(channel)
    addresses = contact_addresses(
        pairs={
            (customer.pk, channel)
            for customer, channel in zip(live, chosen, strict=True)
            if not customer.erased_at
        }
    )
    rows = {}
    for request, customer, channel in zip(requests, live, chosen, strict=True):
        send_at = request.send_at or now
        common = dict(
            idempotency_key=request.idempotency_key,
            customer=customer,
            channel=channel,
            purpose=Message.Purpose(request.purpose),
            template_code=request.template_code,
            send_at=send_at,
            due_at=send_at,
            flow=request.flow,
            step=request.step,
            trigger_event=request.trigger_event,
        )
        if customer.erased_at:
            # Nothing personal is rendered or kept for an erased profile.
            rows[request.idempotency_key] = Message(
                **common,
                language=settings.LANGUAGE_CODE,
                state=Message.State.SKIPPED,
                reason="erased",
            )
            continue
        template = book.find(request.template_code, channel, customer.preferred_language)
        if template is None:
            continue
        rows[request.idempotency_key] = Message(
            **common,
            **_rendered(request, customer, channel, template),
            address=addresses.get((customer.pk, channel), ""),
        )
    return rows


def _rendered(request: MessageRequest, customer: Customer, channel: str, template) -> dict:
    """The rendered parts of one message (with what the law asks of an advert)."""
    context = request.context
    subject = render_part(template.subject, context)
    body = render_part(template.body, context)
    html = render_part(template.html, context, html=True)
    if channel == Channel.SMS and template.sms_without_marks:
        body = fold_marks(body)
    headers = {}
    if request.purpose == Message.Purpose.MARKETING:
        body, html, headers = _marketing_dressing(
            channel=channel, customer=customer, language=template.language, body=body, html=html
        )
    template_data = (
        {key: str(value) for key, value in context.items()} if channel == Channel.ZALO else {}
    )
    return dict(
        language=template.language,
        subject=" ".join(subject.split()),
        body=body,
        html=html,
        headers=headers,
        provider_template_id=template.provider_template_id,
        template_data=template_data,
        context=context,
        featured_variant_ids=sorted(set(request.featured_variant_ids)),
    )


def _read_back(rows: dict[str, Message]) -> tuple[dict[str, Message], set[str]]:
    """The rows of these keys as stored, and the keys whose row this call wrote.

    ``ON CONFLICT DO NOTHING`` gives no ids back: read them. A row another writer
    inserted first keeps its content (ours was not written); only rows whose content is
    the one rendered here get their links wrapped (``_wrap_links``).
    """
    stored = {
        message.idempotency_key: message
        for message in Message.objects.filter(idempotency_key__in=list(rows)).select_related(
            "customer"
        )
    }
    written = {
        key
        for key, message in stored.items()
        if (message.customer_id, message.body, message.html)
        == (rows[key].customer_id, rows[key].body, rows[key].html)
    }
    return stored, written


def _wrap_links(messages: list[Message]) -> None:
    """Links become tracked redirects (and email gets the open pixel) once the rows have
    their ids; the opt-out link is left as it is. One INSERT of links, one UPDATE."""
    wrapped = message_links_wrap_new(messages=messages)
    by_pk = {message.pk: message for message in messages}
    for pk, content in wrapped.items():
        by_pk[pk].html, by_pk[pk].body = content.html, content.text
    rows_update(
        model=Message,
        changes={
            pk: {"html": content.html, "body": content.text, "updated_at": timezone.now()}
            for pk, content in wrapped.items()
        },
    )


def _same_customer(message: Message, customer: Customer, survivor: dict[int, Customer]) -> None:
    # A key names one customer's message; the same key for someone else is a caller bug.
    live = survivor.get(customer.pk)
    if message.customer_id not in (customer.pk, customer.merged_into_id) and (
        live is None or live.pk != message.customer_id
    ):
        raise IdempotencyKeyReused()
