"""Where stock is kept and the channels that sell from it."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from config import divisions


class Location(models.Model):
    """A place that holds stock: a warehouse or a store (which may hand over pick-ups)."""

    class Kind(models.TextChoices):
        WAREHOUSE = "warehouse", _("Warehouse")
        STORE = "store", _("Store")

    code = models.SlugField(
        max_length=50, unique=True, help_text=_("Short stable id, e.g. hn-hang-giay.")
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    address = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=100, blank=True)
    # The 2025 administrative units (config.divisions), the same as shoppers' addresses.
    province_code = models.CharField(
        _("province / city"),
        max_length=2,
        blank=True,
        choices=divisions.province_choices,
    )
    ward_code = models.CharField(
        _("ward / commune"),
        max_length=5,
        blank=True,
        choices=divisions.ward_choices,
        help_text=_("A ward or commune of the province above."),
    )
    latitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    opening_hours = models.CharField(
        max_length=200, blank=True, help_text=_("As shown to shoppers, e.g. 08:00–21:00 daily.")
    )
    accepts_pickup = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        # Staff without it act only for the locations they are members of (StaffMembership).
        permissions = [
            ("act_for_every_location", "Can see and act for every store and warehouse"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="store") | models.Q(accepts_pickup=False),
                name="inventory_location_pickup_only_at_stores",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.ward_code and not divisions.ward_name(
            province_code=self.province_code, ward_code=self.ward_code
        ):
            raise ValidationError(
                {"ward_code": _("Choose a ward or commune of the location's province.")}
            )


class StaffMembership(models.Model):
    """A staff member works at a location (a store or a warehouse): their scope in the admin.

    Store managers, cashiers and warehouse staff see and act only for the locations they are
    members of; staff holding ``inventory.act_for_every_location`` (owners, marketers) for
    all. :func:`inventory.selectors.staff_location_ids` is the one place that decides.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["location", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "location"], name="inventory_staffmembership_unique"
            ),
        ]

    def __str__(self):
        return f"{self.user} @ {self.location}"


class SalesChannel(models.Model):
    """A door through which stock is sold: the web store, a marketplace, a store's POS."""

    class Kind(models.TextChoices):
        WEB = "web", _("Web store")
        MARKETPLACE = "marketplace", _("Marketplace")
        POS = "pos", _("Point of sale")
        PHONE = "phone", _("Phone and chat orders")

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    currency = models.CharField(max_length=3, default=settings.DEFAULT_CURRENCY)
    locations = models.ManyToManyField(
        Location, through="ChannelLocation", related_name="channels", blank=True
    )
    safety_buffer = models.PositiveIntegerField(
        default=0,
        validators=[MaxValueValidator(1_000_000)],
        help_text=_("Units held back from what this channel may sell, per variant."),
    )
    publish_percentage = models.PositiveSmallIntegerField(
        default=100,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Marketplaces: share of available stock to publish, rounded down."),
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(publish_percentage__lte=100),
                name="inventory_channel_publish_percentage_lte_100",
            ),
        ]

    def __str__(self):
        return self.name


class ChannelLocation(models.Model):
    """A location a channel sells from; lower priority numbers are used first."""

    channel = models.ForeignKey(
        SalesChannel, on_delete=models.CASCADE, related_name="channel_locations"
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="channel_locations"
    )
    priority = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(1000)])

    class Meta:
        ordering = ["channel", "priority", "location_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "location"], name="inventory_channel_location_unique"
            ),
        ]

    def __str__(self):
        return f"{self.channel} ← {self.location} ({self.priority})"

    def clean(self):
        if self.channel.kind == SalesChannel.Kind.POS and self.location.kind != Location.Kind.STORE:
            raise ValidationError(_("A point-of-sale channel sells from a store, not a warehouse."))


# --- Catalog ------------------------------------------------------------------------------
