from django.utils.translation import gettext_lazy as _

from config.api.errors import DomainError


class InventoryError(DomainError):
    code = "inventory_error"


class ChannelLocationsInvalid(InventoryError):
    code = "channel_locations_invalid"
    default_detail = _("These locations cannot be used by this sales channel.")
