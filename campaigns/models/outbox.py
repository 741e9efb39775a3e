"""The message outbox: one row per message, written before any provider is called.

A row's life: ``pending`` (waiting for its ``send_at``) → ``sending`` (claimed by a worker,
``claimed_at`` set in the claim's own short transaction) → ``sent`` | ``failed`` |
``skipped`` | ``deferred`` | ``uncertain``. ``deferred`` rows come back when their
``send_at`` is due, like ``pending`` ones. ``uncertain`` is a row a worker died while
sending, on a channel whose provider does not de-duplicate on our key: staff decide.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from config.transports import Channel


class Purpose(models.TextChoices):
    MARKETING = "marketing", _("Marketing (advertising)")
    TRANSACTIONAL = "transactional", _("Transactional / service")


class Language(models.TextChoices):
    VI = "vi", "Tiếng Việt"
    EN = "en", "English"


class Message(models.Model):
    """One message to one customer on one channel, sent at most once."""

    Channel = Channel
    Purpose = Purpose

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")
        DEFERRED = "deferred", _("Deferred")
        UNCERTAIN = "uncertain", _("Uncertain (worker died while sending)")

    # States a worker may claim once ``send_at`` is due.
    CLAIMABLE = (State.PENDING, State.DEFERRED)
    FINAL = (State.SENT, State.FAILED, State.SKIPPED)

    # No index of its own: ``campaigns_message_cust_idx`` leads with it. Every index costs
    # on each of the three writes a sent message takes (claim, hand-off, outcome).
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="messages", db_index=False
    )
    channel = models.CharField(max_length=20, choices=Channel.choices)
    address = models.CharField(
        max_length=254,
        blank=True,
        help_text=_("Where it went: email, E.164 phone, Zalo or Messenger id."),
    )
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    template_code = models.CharField(max_length=100)
    language = models.CharField(max_length=10, choices=Language.choices)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    provider_template_id = models.CharField(max_length=100, blank=True)
    template_data = models.JSONField(default=dict, blank=True)
    send_at = models.DateTimeField(help_text=_("When it may go out next (moved by deferrals)."))
    due_at = models.DateTimeField(
        help_text=_("When it was first due; never moved. A message too late is dropped as stale.")
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    reason = models.CharField(
        max_length=40, blank=True, help_text=_("Why it was skipped, deferred or failed (a code).")
    )
    reason_detail = models.TextField(
        blank=True, help_text=_("The provider's own words, or what the gate saw.")
    )
    attempts = models.PositiveIntegerField(default=0)
    provider_id = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)
    handed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_(
            "When the provider was called. A row in sending without it was never handed over."
        ),
    )
    flow = models.CharField(max_length=100, blank=True)
    step = models.CharField(max_length=100, blank=True)
    trigger_event = models.ForeignKey(
        "customers.Event",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    context = models.JSONField(
        default=dict,
        blank=True,
        encoder=DjangoJSONEncoder,
        help_text=_("What it was rendered with, so a fallback can render it for another channel."),
    )
    featured_variant_ids = models.JSONField(
        default=list,
        blank=True,
        help_text=_("The products an advert features (recent-purchase suppression)."),
    )
    # Unique through ``Meta.constraints``: ``unique=True`` would add on PostgreSQL a second
    # (``varchar_pattern_ops``) index for LIKE searches, which nothing here does.
    idempotency_key = models.CharField(
        max_length=200,
        help_text=_("Flow, step, customer and trigger event: a message is never made twice."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("resolve_message", "Can settle an uncertain message (sent, send again, give up)")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"], name="campaigns_message_idempotency_key_uniq"
            ),
        ]
        indexes = [
            # The claim: due rows of one purpose (each has its own queue) in send_at order,
            # only among those still to send, so the index stays small as the log grows.
            models.Index(
                fields=["purpose", "send_at", "id"],
                condition=models.Q(state__in=["pending", "deferred"]),
                name="campaigns_message_due_idx",
            ),
            # The sweep of rows left in ``sending`` by a dead worker.
            models.Index(
                fields=["claimed_at", "id"],
                condition=models.Q(state="sending"),
                name="campaigns_message_claimed_idx",
            ),
            # The frequency cap and the customer's messages page.
            models.Index(
                fields=["customer", "channel", "sent_at"], name="campaigns_message_cust_idx"
            ),
            models.Index(fields=["flow", "step"], name="campaigns_message_flow_idx"),
        ]

    def __str__(self):
        return f"{self.channel} {self.template_code} → #{self.customer_id} ({self.state})"


class Suppression(models.Model):
    """An address never to be used again on a channel (hard bounce, complaint, staff)."""

    class Reason(models.TextChoices):
        HARD_BOUNCE = "hard_bounce", _("Hard bounce")
        COMPLAINT = "complaint", _("Complaint")
        INVALID = "invalid", _("Invalid address")
        STAFF = "staff", _("Staff")

    channel = models.CharField(max_length=20, choices=Channel.choices)
    address = models.CharField(max_length=254, help_text=_("Normalised, as in ContactPoint."))
    reason = models.CharField(max_length=20, choices=Reason.choices)
    detail = models.TextField(blank=True, help_text=_("The provider's words or the staff note."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "address"], name="campaigns_suppression_unique"
            )
        ]

    def __str__(self):
        return f"{self.channel}: {self.address} ({self.reason})"


class DoNotCall(models.Model):
    """A phone number on the Do-Not-Call list: no advertising SMS or calls to it."""

    phone = models.CharField(max_length=20, unique=True, help_text=_("E.164, e.g. +84909908089."))
    source = models.CharField(max_length=200, help_text=_("Where the entry came from."))
    listed_on = models.DateField(help_text=_("When it was put on the list."))
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["phone"]
        verbose_name = _("do-not-call number")

    def __str__(self):
        return self.phone


class MessageTemplate(models.Model):
    """What a message says, per step code, channel and language, in Django template syntax.

    Rendered with only the context the caller gives (no database access from a template);
    ``sample_context`` declares the variables it may use and feeds the admin's preview.
    """

    Channel = Channel
    Purpose = Purpose
    Language = Language

    code = models.CharField(max_length=100, help_text=_("The flow step, e.g. cart_abandoned.1."))
    channel = models.CharField(max_length=20, choices=Channel.choices)
    language = models.CharField(max_length=10, choices=Language.choices)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    subject = models.CharField(max_length=300, blank=True, help_text=_("Email only."))
    body = models.TextField(help_text=_("Plain text: the SMS, the email's text part, the chat."))
    html = models.TextField(blank=True, help_text=_("Email only, optional."))
    provider_template_id = models.CharField(
        max_length=100, blank=True, help_text=_("Zalo ZNS: the approved template's id.")
    )
    sms_without_marks = models.BooleanField(
        default=False,
        help_text=_(
            "SMS: send Vietnamese without its marks (GSM-7, 160 characters a segment instead "
            "of 70)."
        ),
    )
    sample_context = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("The variables the template may use, with sample values for the preview."),
    )
    is_active = models.BooleanField(default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code", "channel", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "channel", "language"], name="campaigns_template_unique"
            )
        ]

    def __str__(self):
        return f"{self.code} / {self.channel} / {self.language}"

    def clean(self):
        from campaigns.rendering import template_validate

        template_validate(template=self)
