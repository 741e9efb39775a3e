from django.utils.translation import gettext_lazy as _
from rest_framework import status

from config.api.errors import DomainError


class CustomersError(DomainError):
    code = "customers_error"


class InvalidContactPoint(CustomersError):
    code = "invalid_contact_point"
    default_detail = _("This contact detail is not valid.")


class ContactPointTaken(CustomersError):
    code = "contact_point_taken"
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Another customer's profile already holds this contact detail.")


class CustomerNotFound(CustomersError):
    code = "customer_not_found"
    status_code = status.HTTP_404_NOT_FOUND
    default_detail = _("No customer matches.")


class MergeNotAllowed(CustomersError):
    code = "merge_not_allowed"
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("These two profiles cannot be merged.")


class CustomerErased(CustomersError):
    code = "customer_erased"
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This customer's personal data has been erased.")


class InsufficientPoints(CustomersError):
    code = "insufficient_points"
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The customer does not have enough loyalty points.")


class LoyaltyReferenceConflict(CustomersError):
    code = "loyalty_reference_conflict"
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This reference was already used with different points.")


class ReviewAlreadyExists(CustomersError):
    code = "review_exists"
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This customer has already reviewed this product.")


class ReferralNotAllowed(CustomersError):
    code = "referral_not_allowed"
    default_detail = _("This referral cannot be recorded.")


class AccountExists(CustomersError):
    code = "account_exists"
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("An account already exists for this email or phone; log in instead.")


class CatalogItemNotFound(CustomersError):
    code = "catalog_item_not_found"
    status_code = status.HTTP_404_NOT_FOUND
    default_detail = _("This product is not in the catalog, or is no longer sold.")
