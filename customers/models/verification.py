"""One-time codes that prove a phone or an email."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.models.profiles import Customer


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
