"""Append-only records hung on the profile: consent, the timeline (events) and the loyalty
ledger.

They refuse to be changed or deleted through the ORM's ``save``/``delete``; only the merge
and erasure services rewrite them, with queryset updates, because the law and the audit
require exactly those changes.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.models.profiles import Customer
from inventory.models import Location, SalesChannel


class AppendOnlyError(Exception):
    pass


class AppendOnlyModel(models.Model):
    """Rows are written once: history that can be rewritten proves nothing."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only.")


class CurrentTransactionId(models.Func):
    """The inserting transaction's id, as the database default of ``Event.tx_id``.

    PostgreSQL: ``pg_current_xact_id()`` (64-bit, never wraps). SQLite runs one writer at a
    time (IMMEDIATE transactions), so ids are handed out in commit order and 0 will do.
    """

    output_field = models.BigIntegerField()
    arity = 0

    def as_sql(self, compiler, connection, **extra_context):
        return "0", []

    def as_postgresql(self, compiler, connection, **extra_context):
        return "(pg_current_xact_id()::text::bigint)", []

    def deconstruct(self):
        return "customers.models.CurrentTransactionId", (), {}


class ConsentRecord(AppendOnlyModel):
    """One grant or withdrawal, with its proof. The latest record per channel and purpose wins."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")
        ZALO = "zalo", _("Zalo")
        MESSENGER = "messenger", _("Messenger")

    class Purpose(models.TextChoices):
        MARKETING = "marketing", _("Marketing")
        TRANSACTIONAL = "transactional", _("Transactional / service")

    class Source(models.TextChoices):
        WEB_FORM = "web_form", _("Web form")
        POS_TERMINAL = "pos_terminal", _("POS terminal")
        MARKETPLACE_IMPORT = "marketplace_import", _("Marketplace import")
        LINK = "link", _("Opt-out link")
        STAFF = "staff", _("Staff (back office)")
        # The shopper marked a message as spam; the provider's report is the proof.
        PROVIDER_COMPLAINT = "provider_complaint", _("Complaint reported by the provider")

    class Actor(models.TextChoices):
        SHOPPER = "shopper", _("Shopper")
        STAFF = "staff", _("Staff")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="consents")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    granted = models.BooleanField(help_text=_("True: granted; false: withdrawn."))
    recorded_at = models.DateTimeField()
    source = models.CharField(max_length=30, choices=Source.choices)
    source_ref = models.CharField(
        max_length=200, blank=True, help_text=_("Which form, terminal, import or link.")
    )
    actor = models.CharField(max_length=20, choices=Actor.choices)
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    wording_version = models.CharField(
        max_length=50, blank=True, help_text=_("The version of the consent text shown.")
    )

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(
                fields=["customer", "channel", "purpose", "-recorded_at", "-id"],
                name="customers_consent_latest_idx",
            )
        ]

    def __str__(self):
        state = _("granted") if self.granted else _("withdrawn")
        return f"{self.channel}/{self.purpose} {state} @ {self.recorded_at:%Y-%m-%d %H:%M}"


class Event(AppendOnlyModel):
    """The customer timeline, which is also the outbox other apps consume (DESIGN.md).

    ``tx_id`` is the id of the transaction that inserted the row, set by the database. Ids are
    handed out at insert, not at commit, so "after id N" can skip a late commit; consumers
    instead walk ``(tx_id, id)`` and only read rows of transactions older than every
    transaction still running (see :func:`customers.selectors.event_stream`).
    """

    class Kind(models.TextChoices):
        PRODUCT_VIEWED = "product_viewed", _("Product viewed")
        CART_UPDATED = "cart_updated", _("Cart updated")
        CHECKOUT_STARTED = "checkout_started", _("Checkout started")
        ORDER_PLACED = "order_placed", _("Order placed")
        ORDER_COMPLETED = "order_completed", _("Order completed")
        ORDER_CANCELLED = "order_cancelled", _("Order cancelled")
        ORDER_RETURNED = "order_returned", _("Order returned")
        PAYMENT_FAILED = "payment_failed", _("Payment failed")
        REVIEW_SUBMITTED = "review_submitted", _("Review submitted")
        MESSAGE_SENT = "message_sent", _("Message sent")
        MESSAGE_OPENED = "message_opened", _("Message opened")
        MESSAGE_CLICKED = "message_clicked", _("Message clicked")
        CONSENT_CHANGED = "consent_changed", _("Consent changed")
        PROFILE_MERGED = "profile_merged", _("Profile merged")
        PROFILE_ERASED = "profile_erased", _("Profile erased")
        REFERRAL_RECORDED = "referral_recorded", _("Referral recorded")
        REFERRAL_REWARDED = "referral_rewarded", _("Referral rewarded")
        REFERRAL_REVERSED = "referral_reversed", _("Referral reward reversed")
        LOYALTY_CHANGED = "loyalty_changed", _("Loyalty points changed")
        QUOTE_SENT = "quote_sent", _("Quote sent")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    channel = models.ForeignKey(
        SalesChannel, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The store, for events that happened in one."),
    )
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    payload = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    tx_id = models.BigIntegerField(db_default=CurrentTransactionId(), editable=False)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["tx_id", "id"], name="customers_event_cursor_idx"),
            models.Index(fields=["customer", "-occurred_at", "-id"], name="customers_event_tl_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} @ {self.occurred_at:%Y-%m-%d %H:%M}"


class LoyaltyEntry(AppendOnlyModel):
    """One movement of points. The balance is the sum; a reference is counted once per kind."""

    class Kind(models.TextChoices):
        EARN = "earn", _("Earned")
        REDEEM = "redeem", _("Redeemed")
        EXPIRE = "expire", _("Expired")
        REVERSE = "reverse", _("Reversed")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="loyalty_entries")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    points = models.BigIntegerField(
        validators=[MinValueValidator(-(10**12)), MaxValueValidator(10**12)],
        help_text=_("Positive for earned points, negative for the others."),
    )
    reference = models.CharField(max_length=100, help_text=_('What caused it, e.g. "order:WEB-1".'))
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = _("loyalty entries")
        constraints = [
            # The idempotency of earn/redeem/expire/reverse: a retry hits this, not the balance.
            models.UniqueConstraint(
                fields=["kind", "reference"], name="customers_loyalty_reference_unique"
            ),
            models.CheckConstraint(
                condition=(models.Q(kind="earn", points__gt=0) | ~models.Q(kind="earn"))
                & (models.Q(kind="earn") | models.Q(points__lt=0)),
                name="customers_loyalty_points_sign",
            ),
        ]

    def __str__(self):
        return f"{self.points:+d} ({self.reference})"
