"""Automated flows: what each journey does (``Flow``, edited by the marketer) and who is
in it (``FlowEnrolment``, one per flow, customer and trigger event), plus the staff call
list's tasks for customers no message can reach (``CallTask``)."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigns.models.outbox import Purpose


class Flow(models.Model):
    """One automated journey, on or off, with its steps (delay, window, channels, template).

    ``steps`` is a list of ``{"template": code, "delay_minutes": n, "window": [from_hour,
    to_hour] | null, "channels": [...]}``; a step's delay counts from the previous step
    (the first one's from the trigger event). ``channels`` empty: the customer's best.
    """

    class Code(models.TextChoices):
        CART_ABANDONED = "cart_abandoned", _("Cart abandoned")
        CHECKOUT_ABANDONED = "checkout_abandoned", _("Checkout abandoned (showroom invite)")
        UNPAID_ORDER = "unpaid_order", _("Unpaid order reminder")
        PAYMENT_FAILED = "payment_failed", _("Payment failed")
        STORE_THANK_YOU = "store_thank_you", _("Bought in a store: thank-you")
        REVIEW_REQUEST = "review_request", _("Review request")
        REVIEW_THANKS = "review_thanks", _("Good review: thank-you and referral offer")

    code = models.CharField(max_length=40, choices=Code.choices, unique=True)
    enabled = models.BooleanField(default=False)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    steps = models.JSONField(default=list, blank=True)
    voucher = models.ForeignKey(
        "orders.Voucher",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("First-order voucher rule: each shopper gets a unique code of it."),
    )
    web_delay_days = models.PositiveIntegerField(
        default=7, help_text=_("Review request: days after a web order is delivered.")
    )
    store_delay_days = models.PositiveIntegerField(
        default=2, help_text=_("Review request: days after a sale in a store.")
    )
    referral_offer = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("Review thank-you: the offer told with the referral code."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.get_code_display()


class FlowEnrolment(models.Model):
    """One customer in one flow because of one event; walked step by step by the beat job."""

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        EXITED = "exited", _("Exited")

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="enrolments")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="flow_enrolments"
    )
    trigger_event = models.ForeignKey("customers.Event", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=20, choices=State.choices, default=State.ACTIVE)
    exit_reason = models.CharField(max_length=40, blank=True)
    next_step = models.PositiveIntegerField(default=0)
    next_at = models.DateTimeField(null=True, blank=True)
    context = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["flow", "customer", "trigger_event"], name="campaigns_enrolment_unique"
            )
        ]
        indexes = [
            # The sweep: due active enrolments in next_at order; finished ones drop out.
            models.Index(
                fields=["next_at", "id"],
                condition=models.Q(state="active"),
                name="campaigns_enrolment_due_idx",
            ),
            models.Index(fields=["customer", "flow", "state"], name="campaigns_enrolment_cust_idx"),
        ]

    def __str__(self):
        return f"{self.flow.code} #{self.customer_id} ({self.state})"


class CallTask(models.Model):
    """A phone call for staff: the customer is reachable by no message but has a phone."""

    class State(models.TextChoices):
        OPEN = "open", _("To call")
        DONE = "done", _("Called")
        CANCELLED = "cancelled", _("Cancelled")

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="call_tasks"
    )
    phone = models.CharField(max_length=20)
    flow = models.CharField(max_length=40, blank=True)
    step = models.CharField(max_length=100, blank=True)
    script = models.TextField()
    due_at = models.DateTimeField(help_text=_("Inside the calling hours (08:00-17:00 local)."))
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN)
    note = models.TextField(blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["state", "due_at", "id"]
        indexes = [models.Index(fields=["customer", "created_at"], name="campaigns_calltask_idx")]

    def __str__(self):
        return f"{self.phone} ({self.flow}/{self.step})"
