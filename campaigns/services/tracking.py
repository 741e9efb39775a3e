"""The feedback side of a message: tracked links, opens, clicks, and provider reports.

- ``message_links_wrap`` runs when a message is rendered: every http(s) link becomes a
  signed redirect (``/m/c/<token>/``), and an email's HTML gets the open pixel.
- ``message_open_record`` / ``message_click_record`` run when the shopper opens or clicks:
  a ``MessageActivity`` row and a timeline event (``message_opened`` / ``message_clicked``).
- ``message_feedback_record`` runs for a provider's report (delivered, bounced, complained,
  replied …): a hard bounce or a complaint suppresses the address on that channel, and a
  complaint withdraws marketing consent on it with the provider's report as proof.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from campaigns import links as tracked
from campaigns.models import Message, MessageActivity, MessageLink, Suppression
from customers.models import ConsentRecord, Event
from customers.selectors import consent_current
from customers.services import consent_record, event_record

USER_AGENT_LENGTH = 300


@dataclass(frozen=True)
class WrappedContent:
    html: str
    text: str


@transaction.atomic
def message_links_wrap(*, message: Message, html: str = "", text: str = "") -> WrappedContent:
    """Rewrite every http(s) link of the rendered content into its signed, tracked form.

    Call it with the message row already saved (its id goes into the tokens), once the
    template has been rendered: ``html`` (email) and ``text`` (the email's text part, the
    SMS, the chat message). Each distinct URL becomes one ``MessageLink`` (position 0, 1,
    … in order of first appearance, HTML first); the same URL in both parts shares one.
    Wrapping again (a re-render) reuses the rows. Links that must stay as they are (the
    opt-out link, links already tracked, ``mailto:``, ``tel:``, relative links) are left
    alone. An email with HTML also gets the open pixel before ``</body>``.
    """
    if message.pk is None:
        raise ValueError("Save the message before wrapping its links: the tokens carry its id.")
    positions = dict(MessageLink.objects.filter(message=message).values_list("url", "position"))
    new_links, wrapped = _wrap(message, html, text, positions)
    MessageLink.objects.bulk_create(new_links)
    return wrapped


def message_links_wrap_new(*, messages: list[Message]) -> dict[int, WrappedContent]:
    """``message_links_wrap`` for rows just created (no links yet), in one INSERT.

    The wrapped content of each message whose content changed, by pk; the caller writes it.
    """
    new_links, changed = [], {}
    for message in messages:
        links, wrapped = _wrap(message, message.html, message.body, {})
        new_links.extend(links)
        if (wrapped.html, wrapped.text) != (message.html, message.body):
            changed[message.pk] = wrapped
    MessageLink.objects.bulk_create(new_links)
    return changed


def _wrap(message: Message, html: str, text: str, positions: dict[str, int]):
    """(the MessageLink rows to add, the wrapped content); ``positions`` is updated."""
    html_found = tracked.html_links(html) if html else []
    text_found = list(tracked.text_links(text)) if text else []
    next_position = max(positions.values(), default=-1) + 1
    new_links = []
    for link in [*html_found, *text_found]:
        if link.url in positions or not tracked.is_trackable(link.url):
            continue
        positions[link.url] = next_position
        new_links.append(MessageLink(message=message, position=next_position, url=link.url))
        next_position += 1

    urls = {
        url: tracked.click_url(message_id=message.pk, position=position)
        for url, position in positions.items()
    }
    wrapped_html = tracked.replace_links(
        html, html_found, {url: tracked.quoted_href(new) for url, new in urls.items()}
    )
    if wrapped_html and message.channel == Message.Channel.EMAIL:
        wrapped_html = tracked.html_with_pixel(
            wrapped_html, tracked.open_url(message_id=message.pk)
        )
    return new_links, WrappedContent(
        html=wrapped_html, text=tracked.replace_links(text, text_found, urls)
    )


def _is_scanner(message: Message, at: datetime) -> bool:
    """Too soon after sending (or before it) to be the shopper: a scanner or a preview."""
    if message.sent_at is None:
        return True
    return at - message.sent_at < timedelta(seconds=settings.MESSAGE_SCANNER_SECONDS)


def _event_payload(message: Message, activity: MessageActivity) -> dict:
    # No address, URL or content: the timeline keeps ids, and erasure has nothing to blank.
    return {
        "message_id": message.pk,
        "activity_id": activity.pk,
        "channel": message.channel,
        "purpose": message.purpose,
        "flow": message.flow,
        "step": message.step,
        "template_code": message.template_code,
        "is_scanner": activity.is_scanner,
    }


def message_open_record(*, message: Message, user_agent: str = "") -> MessageActivity | None:
    """Record that the email was opened (its pixel was fetched); ``None`` if not recorded.

    Every fetch is a row; the timeline gets ``message_opened`` once, for the first open
    that counts. Opens within ``MESSAGE_SCANNER_SECONDS`` of sending are flagged
    ``is_scanner`` (privacy proxies fetch images on arrival) and put on no timeline. An
    erased customer's messages are no longer tracked.
    """
    with transaction.atomic(durable=True):
        message = Message.objects.select_related("customer").get(pk=message.pk)
        if message.customer.erased_at:
            return None
        now = timezone.now()
        already_opened = MessageActivity.objects.filter(
            message=message, kind=MessageActivity.Kind.OPENED, is_scanner=False
        ).exists()
        activity = MessageActivity.objects.create(
            message=message,
            kind=MessageActivity.Kind.OPENED,
            occurred_at=now,
            is_scanner=_is_scanner(message, now),
            source="pixel",
            user_agent=user_agent[:USER_AGENT_LENGTH],
        )
        if not activity.is_scanner and not already_opened:
            event_record(
                customer=message.customer,
                kind=Event.Kind.MESSAGE_OPENED,
                occurred_at=now,
                payload=_event_payload(message, activity),
            )
        return activity


def message_click_record(*, link: MessageLink, user_agent: str = "") -> MessageActivity | None:
    """Record a click on a tracked link; ``None`` if not recorded (erased customer).

    Every click is a row and a ``message_clicked`` event; one within
    ``MESSAGE_SCANNER_SECONDS`` of sending (or before it) is flagged ``is_scanner`` in
    both, and neither the channel ranking nor attribution counts it.
    """
    with transaction.atomic(durable=True):
        message = Message.objects.select_related("customer").get(pk=link.message_id)
        if message.customer.erased_at:
            return None
        now = timezone.now()
        activity = MessageActivity.objects.create(
            message=message,
            kind=MessageActivity.Kind.CLICKED,
            link=link,
            occurred_at=now,
            is_scanner=_is_scanner(message, now),
            source="redirect",
            user_agent=user_agent[:USER_AGENT_LENGTH],
        )
        event_record(
            customer=message.customer,
            kind=Event.Kind.MESSAGE_CLICKED,
            occurred_at=now,
            payload={**_event_payload(message, activity), "link_position": link.position},
        )
        return activity


FEEDBACK_KINDS = (
    MessageActivity.Kind.DELIVERED,
    MessageActivity.Kind.DEFERRED,
    MessageActivity.Kind.BOUNCED,
    MessageActivity.Kind.COMPLAINED,
    MessageActivity.Kind.REPLIED,
)


@transaction.atomic
def message_feedback_record(
    *,
    channel: str,
    provider_id: str,
    kind: str,
    source: str,
    occurred_at: datetime | None = None,
    provider_event_id: str = "",
    detail: str = "",
) -> MessageActivity | None:
    """Record a provider's report about the message it knows as ``provider_id``.

    Returns the activity row, or ``None`` when no message of ours has that provider id on
    that channel (nothing is written). A report the provider sends again (same message,
    same ``delivered``/``bounced``/``complained``) returns the first row and changes nothing.

    - ``bounced`` (a permanent failure): the message's address is suppressed on its channel.
    - ``complained``: suppressed too, and marketing consent on the channel is withdrawn
      (``ConsentRecord.Source.PROVIDER_COMPLAINT``, the report as ``source_ref``) if it
      was granted.

    Atomic, and callable inside the webhook's transaction so a batch of reports is
    recorded whole or not at all.
    """
    kind = MessageActivity.Kind(kind)
    if kind not in FEEDBACK_KINDS:
        raise ValueError(f"{kind!r} is not a provider report.")
    if not provider_id:
        return None
    message = (
        Message.objects.select_related("customer")
        .filter(channel=channel, provider_id=provider_id)
        .order_by("pk")
        .first()
    )
    if message is None:
        return None
    if kind in MessageActivity.ONCE_PER_MESSAGE:
        first = MessageActivity.objects.filter(message=message, kind=kind).first()
        if first is not None:
            return first
    try:
        with transaction.atomic():
            activity = MessageActivity.objects.create(
                message=message,
                kind=kind,
                occurred_at=occurred_at or timezone.now(),
                source=source[:60],
                provider_event_id=provider_event_id[:200],
                detail=detail,
            )
    except IntegrityError:
        # The same report, delivered twice at once: the other request recorded it.
        return MessageActivity.objects.get(message=message, kind=kind)

    if kind in (MessageActivity.Kind.BOUNCED, MessageActivity.Kind.COMPLAINED) and message.address:
        reason = (
            Suppression.Reason.HARD_BOUNCE
            if kind == MessageActivity.Kind.BOUNCED
            else Suppression.Reason.COMPLAINT
        )
        Suppression.objects.get_or_create(
            channel=message.channel,
            address=message.address,
            defaults={"reason": reason, "detail": f"{source}: {detail}".strip(": ")[:2000]},
        )
    if kind == MessageActivity.Kind.COMPLAINED:
        _complaint_consent_withdraw(message=message, source=source, provider_id=provider_id)
    return activity


def _complaint_consent_withdraw(*, message: Message, source: str, provider_id: str) -> None:
    customer = message.customer.merged_into or message.customer
    if customer.erased_at:
        return
    if message.channel not in ConsentRecord.Channel.values:
        return
    if not consent_current(
        customer=customer, channel=message.channel, purpose=ConsentRecord.Purpose.MARKETING
    ):
        return
    consent_record(
        customer=customer,
        channel=message.channel,
        purpose=ConsentRecord.Purpose.MARKETING,
        granted=False,
        source=ConsentRecord.Source.PROVIDER_COMPLAINT,
        source_ref=f"{source} complaint about message #{message.pk} ({provider_id})"[:200],
        actor=ConsentRecord.Actor.SHOPPER,
    )
