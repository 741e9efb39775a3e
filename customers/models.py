"""The unified customer profile and everything hung on it.

Append-only records (consent, the timeline, the loyalty ledger) refuse to be changed or
deleted through the ORM's ``save``/``delete``; only the merge and erasure services rewrite
them, with queryset updates, because the law and the audit require exactly those changes.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from inventory.models import Location, Product, SalesChannel, Variant
from inventory.search import search_fold


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


def default_language() -> str:
    return settings.LANGUAGE_CODE


class Customer(models.Model):
    """One person across every channel. A merged profile stays as a tombstone (``merged_into``)."""

    full_name = models.CharField(_("name"), max_length=200, blank=True)
    # The name without its accents, for the admin's search ("tran thi mai" finds "Trần Thị
    # Mai"): neither database folds accents portably, so it is folded when the row is saved.
    search_name = models.CharField(max_length=200, blank=True, default="", editable=False)
    preferred_language = models.CharField(
        max_length=10, choices=settings.LANGUAGES, default=default_language
    )
    born_on = models.DateField(_("birthday"), null=True, blank=True)
    addresses = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)
    tags = models.JSONField(default=list, blank=True)
    staff_notes = models.TextField(blank=True)
    first_channel = models.ForeignKey(
        SalesChannel, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customer",
        help_text=_("The shopper's login, when they have an account."),
    )
    referral_code = models.CharField(max_length=16, unique=True, null=True, blank=True)
    referred_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="referrals"
    )
    referred_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="tombstones"
    )
    merged_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(merged_into=models.F("id")),
                name="customers_customer_not_merged_into_itself",
            ),
        ]
        # Named permissions for what "change" does not say; granted per role in config.roles.
        permissions = [
            ("merge_customer", "Can merge customer profiles"),
            ("export_customer", "Can export a customer's personal data"),
            ("erase_customer", "Can erase a customer's personal data"),
            ("unmask_customer", "Can see customers' phone numbers and emails in full"),
        ]

    def __str__(self):
        if self.merged_into_id:
            return _("#%(id)s (merged into #%(target)s)") % {
                "id": self.pk,
                "target": self.merged_into_id,
            }
        return self.full_name or _("Customer #%(id)s") % {"id": self.pk}

    def save(self, *args, **kwargs):
        self.search_name = search_fold(self.full_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "full_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)

    @property
    def is_tombstone(self) -> bool:
        return self.merged_into_id is not None


class ContactPoint(models.Model):
    """A way to reach (and recognise) a customer, stored normalised and unique per kind."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")
        ZALO = "zalo", _("Zalo user id")
        MESSENGER = "messenger", _("Messenger PSID")
        MARKETPLACE = "marketplace", _("Marketplace buyer id")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contact_points")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    value = models.CharField(
        max_length=254, help_text=_("Normalised: emails lower-cased, phones in E.164.")
    )
    channel = models.ForeignKey(
        SalesChannel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Where it was first seen; for a marketplace buyer id, its marketplace."),
    )
    is_verified = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "value"],
                condition=~models.Q(kind="marketplace"),
                name="customers_contact_point_unique",
            ),
            # A buyer id only means something inside its marketplace.
            models.UniqueConstraint(
                fields=["kind", "channel", "value"],
                condition=models.Q(kind="marketplace"),
                name="customers_marketplace_buyer_unique_per_channel",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="marketplace") | models.Q(channel__isnull=False),
                name="customers_marketplace_buyer_has_channel",
            ),
        ]
        indexes = [models.Index(fields=["value"], name="customers_contact_value_idx")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.value}"


class MergeSuggestion(models.Model):
    """Two profiles that look like one person; staff decide. Resolution never merges by itself."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        MERGED = "merged", _("Merged")
        DISMISSED = "dismissed", _("Dismissed")

    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="merge_suggestions",
        help_text=_("The profile to keep."),
    )
    other = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="merge_suggestions_as_other",
        help_text=_("The profile to merge into it."),
    )
    reason = models.CharField(max_length=300)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "other"],
                condition=models.Q(status="open"),
                name="customers_merge_suggestion_open_unique",
            ),
            models.CheckConstraint(
                condition=~models.Q(customer=models.F("other")),
                name="customers_merge_suggestion_two_profiles",
            ),
        ]

    def __str__(self):
        return f"#{self.other_id} → #{self.customer_id} ({self.get_status_display()})"


class CustomerMerge(models.Model):
    """The audit record of a merge: who merged which profile into which, and what moved."""

    target = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merges_in")
    source = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merges_out")
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    merged_at = models.DateTimeField(auto_now_add=True)
    moved = models.JSONField(
        default=dict, help_text=_("Rows moved per model and field, and rows dropped as duplicates.")
    )

    class Meta:
        ordering = ["-merged_at", "-id"]

    def __str__(self):
        return f"#{self.source_id} → #{self.target_id}"


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


class WishlistItem(models.Model):
    """A variant the shopper saved."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="wishlist_items")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="wishlisted_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "variant"], name="customers_wishlist_unique"
            ),
        ]

    def __str__(self):
        return f"#{self.customer_id} ♡ variant {self.variant_id}"


class Review(models.Model):
    """A shopper's review of a product, moderated by staff before it is shown."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending moderation")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="reviews")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    text = models.TextField(blank=True)
    is_verified_purchase = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "product"], name="customers_review_one_per_product"
            ),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5),
                name="customers_review_rating_1_to_5",
            ),
        ]

    def __str__(self):
        return f"{self.rating}★ product {self.product_id} by #{self.customer_id}"


class OneTimeCode(models.Model):
    """A 6-digit code sent to a phone or email, proving its holder has it (DESIGN.md inv. 10).

    ``customer`` is the profile that asked: for a contact it claims at sign-up, the login's
    own (fresh) profile; for points at the till, the shopper spending them. Only a keyed
    hash of the code is kept. Each send writes a new row; the newest one for a
    (customer, purpose, kind, value) is the one that counts.
    """

    class Purpose(models.TextChoices):
        CONTACT = "contact", _("Prove a contact detail")
        POINTS = "points", _("Spend loyalty points at the till")

    class Kind(models.TextChoices):
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="one_time_codes")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    value = models.CharField(max_length=254, help_text=_("Normalised email or E.164 phone."))
    salt = models.CharField(max_length=32, editable=False)
    code_hash = models.CharField(max_length=128, editable=False)
    attempt_count = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["customer", "purpose", "kind", "value", "-id"],
                name="customers_otc_latest_idx",
            ),
            models.Index(fields=["kind", "value"], name="customers_otc_value_idx"),
        ]

    def __str__(self):
        return f"{self.get_purpose_display()}: {self.get_kind_display()} #{self.customer_id}"
