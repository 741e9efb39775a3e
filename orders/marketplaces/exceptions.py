from django.utils.translation import gettext_lazy as _
from rest_framework import status

from config.api.errors import DomainError


class MarketplaceError(DomainError):
    code = "marketplace_error"


class ShopNotFound(MarketplaceError):
    code = "not_found"
    status_code = status.HTTP_404_NOT_FOUND
    default_detail = _("No active marketplace shop with this platform and shop id.")


class WebhookSignatureInvalid(MarketplaceError):
    code = "signature_invalid"
    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = _("The webhook's signature does not match its body; nothing was recorded.")


class WebhookPayloadInvalid(MarketplaceError):
    code = "invalid_json"
    default_detail = _("The webhook's body is not a JSON object; nothing was recorded.")


class HeldOrderStillUnmapped(MarketplaceError):
    code = "listing_unmapped"
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Some items of this order are still not mapped to a variant.")


class HeldOrderNotHeld(MarketplaceError):
    code = "not_held"
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This order is no longer held.")


class ListingImportInvalid(MarketplaceError):
    code = "invalid"
    default_detail = _("The listing file cannot be read.")
