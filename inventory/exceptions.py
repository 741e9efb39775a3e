from django.utils.translation import gettext_lazy as _

from config.api.errors import DomainError


class InventoryError(DomainError):
    code = "inventory_error"


class ChannelLocationsInvalid(InventoryError):
    code = "channel_locations_invalid"
    default_detail = _("These locations cannot be used by this sales channel.")


class UnknownSku(InventoryError):
    code = "unknown_sku"
    status_code = 404
    default_detail = _("No variant has this SKU.")


class InvalidBarcode(InventoryError):
    code = "invalid_barcode"
    default_detail = _("This is not a valid EAN-13 or UPC-A barcode.")


class InvalidQuantity(InventoryError):
    code = "invalid_quantity"
    default_detail = _("Quantities must be whole numbers above zero.")


class LocationInactive(InventoryError):
    code = "location_inactive"
    status_code = 409
    default_detail = _("This location is inactive; reactivate it first.")


class TransferSameLocation(InventoryError):
    code = "transfer_same_location"
    default_detail = _("A transfer needs two different locations.")


class TransferOverReceived(InventoryError):
    code = "transfer_over_received"
    status_code = 409
    default_detail = _("More units are being received than were dispatched.")


class InsufficientStock(InventoryError):
    code = "insufficient_stock"
    status_code = 409
    default_detail = _("Not enough stock is available.")


class HoldExpired(InventoryError):
    code = "hold_expired"
    status_code = 409
    default_detail = _("The stock hold has expired; check out again.")


class ReservationNotFound(InventoryError):
    code = "reservation_not_found"
    status_code = 404
    default_detail = _("Nothing is reserved under this reference.")


class ChannelLocationMismatch(InventoryError):
    code = "channel_location_mismatch"
    default_detail = _("This sales channel does not sell from that location.")


class LocationNotYours(InventoryError):
    code = "location_not_yours"
    status_code = 404
    default_detail = _("You do not work at this location.")


class ReceiptLinesInvalid(InventoryError):
    code = "receipt_lines_invalid"
    default_detail = _("Some lines cannot be received; see each line.")
