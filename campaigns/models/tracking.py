"""What came back from a message: opens, clicks, provider reports, and the orders it earned.

Every row here is written by a service (``campaigns.services.tracking`` and
``campaigns.services.attribution``) and only read by staff: the admin shows them read-only.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigns.models.outbox import Message
from config.money import money_field
from config.transports import Channel
from customers.models import Customer


class MessageLink(models.Model):
    """A link a message really carried; its tracked URL signs (message id, position).

    The redirect only ever sends a shopper to ``url`` of a row found through a signed
    token, so it cannot be used as an open redirect to anywhere else.
    """

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="links")
    position = models.PositiveIntegerField(help_text=_("0 for the first link of the message."))
    url = models.URLField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["message", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "position"], name="campaigns_link_position_unique"
            ),
        ]

    def __str__(self):
        return f"#{self.message_id}.{self.position} → {self.url}"


class MessageActivity(models.Model):
    """One thing that happened to a sent message: opened, clicked, delivered, bounced …

    ``is_scanner`` marks opens and clicks that came within
    ``MESSAGE_SCANNER_SECONDS`` of sending (or before it): mail scanners and link
    previewers fetch every link as soon as a message arrives. They are kept, flagged, and
    counted nowhere (ranking, attribution).
    """

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        CLICKED = "clicked", _("Clicked")
        REPLIED = "replied", _("Replied")
        DELIVERED = "delivered", _("Delivered")
        DEFERRED = "deferred", _("Delivery delayed (soft bounce)")
        BOUNCED = "bounced", _("Bounced (permanent)")
        COMPLAINED = "complained", _("Complaint (marked as spam)")

    # A message is delivered, bounces or is complained about once: a provider retrying
    # its webhook must not add a second row (or a second suppression, or a second record).
    ONCE_PER_MESSAGE = (Kind.DELIVERED, Kind.BOUNCED, Kind.COMPLAINED)
    # What the shopper did (as opposed to what the provider reported).
    ENGAGEMENT = (Kind.OPENED, Kind.CLICKED, Kind.REPLIED)

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="activities")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    link = models.ForeignKey(
        MessageLink, on_delete=models.PROTECT, null=True, blank=True, related_name="clicks"
    )
    occurred_at = models.DateTimeField()
    is_scanner = models.BooleanField(
        default=False,
        help_text=_("Within seconds of sending: a scanner or a preview, not the shopper."),
    )
    source = models.CharField(
        max_length=60, help_text=_('Who told us: "pixel", "redirect", "anymail:Postmark", "sms".')
    )
    provider_event_id = models.CharField(max_length=200, blank=True)
    detail = models.TextField(blank=True, help_text=_("The provider's words."))
    user_agent = models.CharField(max_length=300, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = _("message activities")
        constraints = [
            models.UniqueConstraint(
                fields=["message", "kind"],
                condition=models.Q(kind__in=["delivered", "bounced", "complained"]),
                name="campaigns_activity_once_per_message",
            ),
        ]
        indexes = [
            models.Index(fields=["message", "kind"], name="campaigns_activity_msg_idx"),
            models.Index(fields=["kind", "-occurred_at"], name="campaigns_activity_kind_idx"),
        ]

    def __str__(self):
        flag = " (scanner)" if self.is_scanner else ""
        when = f"{self.occurred_at:%Y-%m-%d %H:%M}"
        return f"{self.get_kind_display()}{flag} #{self.message_id} @ {when}"


class Attribution(models.Model):
    """An order credited to the message whose click came last before it (last touch).

    One per order (the consumer may see an order twice: the second time changes nothing).
    """

    order = models.OneToOneField(
        "orders.Order", on_delete=models.PROTECT, related_name="attribution"
    )
    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="attributions")
    click = models.ForeignKey(
        MessageActivity, on_delete=models.PROTECT, related_name="attributions"
    )
    channel = models.CharField(max_length=20, choices=Channel.choices)
    clicked_at = models.DateTimeField()
    placed_at = models.DateTimeField()
    total_amount = money_field()
    currency = models.CharField(max_length=3)
    order_channel = models.CharField(
        max_length=50, help_text=_("Where the order was placed: web, a POS, a marketplace.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        indexes = [models.Index(fields=["channel", "-placed_at"], name="campaigns_attr_chan_idx")]

    def __str__(self):
        return f"order #{self.order_id} ← message #{self.message_id} ({self.channel})"


class ConsumerCursor(models.Model):
    """How far a consumer of the customer timeline has read (an ``EventCursor`` as text).

    Moved in the same transaction as the rows the consumer writes for the events it read,
    so a crash repeats nothing and skips nothing.
    """

    name = models.CharField(max_length=100, unique=True)
    position = models.CharField(max_length=60, blank=True, help_text=_('"<tx_id>.<event id>"'))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} @ {self.position or 'start'}"


class CallListCustomer(Customer):
    """A customer staff should phone: a phone number, and no digital channel that works."""

    class Meta:
        proxy = True
        verbose_name = _("customer to call")
        verbose_name_plural = _("customers to call")
