"""Domain errors of the campaigns app (the API's error shape, see config.api.errors)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from config.api.errors import DomainError


class CampaignsError(DomainError):
    code = "campaigns_error"


class TemplateMissing(CampaignsError):
    code = "template_missing"
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("No active message template for this step and channel.")


class IdempotencyKeyReused(CampaignsError):
    code = "idempotency_key_reused"
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This idempotency key belongs to another customer's message.")


class WebhookSignatureInvalid(CampaignsError):
    code = "bad_signature"
    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = _("The report's signature is missing or wrong; nothing was recorded.")


class WebhookPayloadInvalid(CampaignsError):
    code = "invalid"
    default_detail = _("The report could not be read; nothing was recorded.")
