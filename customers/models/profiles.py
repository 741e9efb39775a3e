"""The unified customer profile, its contact points, and the merges of profiles (suggested
and done).
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from inventory.models import SalesChannel
from inventory.search import search_fold


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
