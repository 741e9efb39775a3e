"""Putting a message in the outbox: choose the channel, render, insert once, nudge a worker."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from campaigns.channels import FIXED_ORDER, channel_next, channel_ranking
from campaigns.exceptions import IdempotencyKeyReused, TemplateMissing
from campaigns.models import Message, MessageTemplate
from campaigns.rendering import fold_marks, render_part
from campaigns.selectors import contact_address
from campaigns.services.tracking import message_links_wrap
from config.transports import Channel
from customers.models import Customer, Event
from customers.selectors import customer_get
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
    templates = {
        template.language: template
        for template in MessageTemplate.objects.filter(code=code, channel=channel, is_active=True)
    }
    template = templates.get(language) or templates.get(settings.LANGUAGE_CODE)
    if template is None:
        raise TemplateMissing(
            _("No active template %(code)s for %(channel)s.") % {"code": code, "channel": channel}
        )
    return template


def template_channels(*, code: str) -> set[str]:
    """The channels with an active template of this code (in any language)."""
    return set(
        MessageTemplate.objects.filter(code=code, is_active=True).values_list("channel", flat=True)
    )


def _default_channel(*, customer: Customer, template_code: str, explore: bool) -> str:
    ranking = channel_ranking(customer=customer, explore=explore)
    if ranking:
        return ranking[0]
    # Nobody to reach: keep the message on a channel its template exists for, so the log
    # shows it skipped for want of an address rather than nothing at all.
    existing = set(
        MessageTemplate.objects.filter(code=template_code, is_active=True).values_list(
            "channel", flat=True
        )
    )
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


@transaction.atomic
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
    """
    existing = Message.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return _same_message(existing, customer)
    purpose = Message.Purpose(purpose)
    customer = customer_get(pk=customer.pk)
    now = timezone.now()
    send_at = send_at or now
    if customer.erased_at:
        # Nothing personal is rendered or kept for an erased profile.
        message, _created = Message.objects.get_or_create(
            idempotency_key=idempotency_key,
            defaults=dict(
                customer=customer,
                channel=channel or Channel.EMAIL,
                purpose=purpose,
                template_code=template_code,
                language=settings.LANGUAGE_CODE,
                send_at=send_at,
                due_at=send_at,
                state=Message.State.SKIPPED,
                reason="erased",
                flow=flow,
                step=step,
                trigger_event=trigger_event,
            ),
        )
        return _same_message(message, customer)

    channel = (
        Channel(channel)
        if channel
        else _default_channel(
            customer=customer,
            template_code=template_code,
            # Receipts and codes go to the best channel every day; only adverts explore.
            explore=purpose == Message.Purpose.MARKETING,
        )
    )
    template = template_for(
        code=template_code, channel=channel, language=customer.preferred_language
    )
    subject = render_part(template.subject, context)
    body = render_part(template.body, context)
    html = render_part(template.html, context, html=True)
    if channel == Channel.SMS and template.sms_without_marks:
        body = fold_marks(body)
    headers = {}
    if purpose == Message.Purpose.MARKETING:
        body, html, headers = _marketing_dressing(
            channel=channel, customer=customer, language=template.language, body=body, html=html
        )
    template_data = (
        {key: str(value) for key, value in context.items()} if channel == Channel.ZALO else {}
    )
    message, created = Message.objects.get_or_create(
        idempotency_key=idempotency_key,
        defaults=dict(
            customer=customer,
            channel=channel,
            address=contact_address(customer=customer, channel=channel),
            purpose=purpose,
            template_code=template_code,
            language=template.language,
            subject=" ".join(subject.split()),
            body=body,
            html=html,
            headers=headers,
            provider_template_id=template.provider_template_id,
            template_data=template_data,
            send_at=send_at,
            due_at=send_at,
            flow=flow,
            step=step,
            trigger_event=trigger_event,
            context=context,
            featured_variant_ids=sorted(set(featured_variant_ids)),
        ),
    )
    if created:
        # Links become tracked redirects (and email gets the open pixel) once the row has
        # its id; the opt-out link is left as it is.
        wrapped = message_links_wrap(message=message, html=message.html, text=message.body)
        if (wrapped.html, wrapped.text) != (message.html, message.body):
            message.html, message.body = wrapped.html, wrapped.text
            message.save(update_fields=["html", "body", "updated_at"])
    if created and send_at <= now:
        transaction.on_commit(lambda: _send_task_nudge(purpose))
    return _same_message(message, customer)


def _same_message(message: Message, customer: Customer) -> Message:
    # A key names one customer's message; the same key for someone else is a caller bug.
    if message.customer_id not in (customer.pk, customer.merged_into_id) and (
        customer_get(pk=customer.pk).pk != message.customer_id
    ):
        raise IdempotencyKeyReused()
    return message


# The reasons a message may try the customer's next channel: this channel is not allowed
# or cannot carry it; time-based verdicts (quiet hours, caps, staleness) are not among them.
FALLBACK_REASONS = frozenset(
    {
        "no_contact",
        "suppressed",
        "no_consent",
        "consent_withdrawn",
        "do_not_call",
        "zns_needs_purchase",
        "messenger_window",
        "provider_rejected",
    }
)
FALLBACK_SEPARATOR = ">"


def message_fallback(*, message: Message, reason: str) -> Message | None:
    """A flow's message refused on its channel, scheduled again on the next one down.

    Rendered anew from the context kept on the row; keyed ``<key>><channel>`` so each
    fallback happens once, and the chain walks down the ranking only (``channel_next``).
    None when the reason does not allow it, no channel is left, or the next channel has
    no template.
    """
    if reason not in FALLBACK_REASONS or not message.flow:
        return None
    tried = message.idempotency_key.split(FALLBACK_SEPARATOR)[1:]
    explore = message.purpose == Message.Purpose.MARKETING
    usable = template_channels(code=message.template_code)
    while True:
        channel = channel_next(
            customer=message.customer, after=message.channel, tried=tried, explore=explore
        )
        if channel is None:
            return None
        if channel in usable:
            break
        tried.append(channel)
    try:
        return message_schedule(
            customer=message.customer,
            purpose=message.purpose,
            template_code=message.template_code,
            context=message.context or {},
            idempotency_key=f"{message.idempotency_key}{FALLBACK_SEPARATOR}{channel}",
            channel=channel,
            flow=message.flow,
            step=message.step,
            trigger_event=message.trigger_event,
            featured_variant_ids=message.featured_variant_ids or [],
        )
    except TemplateMissing:
        return None
