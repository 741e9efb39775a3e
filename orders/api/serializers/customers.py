"""Customers at the till: look up, register, the cashier's summary."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.api.fields import MoneyField
from customers.contacts import contact_masked
from customers.models import ConsentRecord, ContactPoint, Customer, Event
from customers.selectors import loyalty_balance


class PosCustomerLookupInput(serializers.Serializer):
    phone = serializers.CharField(required=False, max_length=40)
    email = serializers.CharField(required=False, max_length=254)
    cashier_id = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="Who is looking (for the audit)."
    )

    def validate(self, attrs):
        if not attrs.get("phone") and not attrs.get("email"):
            raise serializers.ValidationError(_("Give a phone number or an email address."))
        return attrs


class PosConsentInput(serializers.Serializer):
    channel = serializers.ChoiceField(choices=ConsentRecord.Channel.choices)
    purpose = serializers.ChoiceField(choices=ConsentRecord.Purpose.choices)
    granted = serializers.BooleanField()
    wording_version = serializers.CharField(
        max_length=50, required=False, default="", allow_blank=True
    )


# A chat id is only kept with the shopper's say on that channel: the till asks, and sends
# the answer (granted or not) with the id.
CHAT_ID_CHANNELS = {
    "zalo_id": ConsentRecord.Channel.ZALO,
    "messenger_psid": ConsentRecord.Channel.MESSENGER,
}


def _chat_consents_check(attrs) -> None:
    given = {consent["channel"] for consent in attrs.get("consents", [])}
    missing = {
        field: [
            _("Send the shopper's consent for %(channel)s with it.") % {"channel": channel.label}
        ]
        for field, channel in CHAT_ID_CHANNELS.items()
        if attrs.get(field) and channel not in given
    }
    if missing:
        raise serializers.ValidationError(missing)


class PosCustomerCreateInput(serializers.Serializer):
    full_name = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False)
    email = serializers.CharField(max_length=254, required=False)
    zalo_id = serializers.CharField(
        max_length=200,
        required=False,
        help_text="The shopper's Zalo user id (needs a zalo consent).",
    )
    messenger_psid = serializers.CharField(
        max_length=200,
        required=False,
        help_text="The shopper's Messenger page-scoped id (needs a messenger consent).",
    )
    preferred_language = serializers.ChoiceField(
        choices=Customer._meta.get_field("preferred_language").choices, required=False
    )
    consents = PosConsentInput(many=True, required=False, default=list)
    cashier_id = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="Who is looking (for the audit)."
    )

    def validate(self, attrs):
        if not attrs.get("phone") and not attrs.get("email"):
            raise serializers.ValidationError(_("Give a phone number or an email address."))
        _chat_consents_check(attrs)
        return attrs


class PosCustomerContactsInput(serializers.Serializer):
    phone = serializers.CharField(max_length=40, required=False)
    email = serializers.CharField(max_length=254, required=False)
    zalo_id = serializers.CharField(max_length=200, required=False)
    messenger_psid = serializers.CharField(max_length=200, required=False)
    consents = PosConsentInput(many=True, required=False, default=list)

    def validate(self, attrs):
        if not any(attrs.get(field) for field in ("phone", "email", *CHAT_ID_CHANNELS)):
            raise serializers.ValidationError(
                _("Give a phone number, an email, a Zalo id or a Messenger id.")
            )
        _chat_consents_check(attrs)
        return attrs


class PosContactOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ContactPoint.Kind.choices)
    value = serializers.SerializerMethodField(
        help_text="Masked (090****089, t***@example.vn): the cashier needs no more."
    )
    is_verified = serializers.BooleanField()

    def get_value(self, point) -> str:
        return contact_masked(point.kind, point.value)


def reachable_contacts(customer) -> list[ContactPoint]:
    """The customer's emails, phones, Zalo and Messenger ids (prefetched ``contact_points``);
    never a marketplace's buyer id."""
    return [
        point
        for point in customer.contact_points.all()
        if point.kind
        in (
            ContactPoint.Kind.EMAIL,
            ContactPoint.Kind.PHONE,
            ContactPoint.Kind.ZALO,
            ContactPoint.Kind.MESSENGER,
        )
    ]


class PosCustomerOutput(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    preferred_language = serializers.CharField()
    contacts = serializers.SerializerMethodField()
    loyalty_balance = serializers.SerializerMethodField()

    def get_contacts(self, customer) -> list[dict]:
        return PosContactOutput(reachable_contacts(customer), many=True).data

    def get_loyalty_balance(self, customer) -> int:
        return loyalty_balance(customer=customer)


class PosEventOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Event.Kind.choices)
    occurred_at = serializers.DateTimeField()
    channel = serializers.CharField(source="channel.code", allow_null=True, default=None)
    location = serializers.CharField(source="location.code", allow_null=True, default=None)
    payload = serializers.JSONField()


class PosCartLineOutput(serializers.Serializer):
    variant_id = serializers.IntegerField()
    sku = serializers.CharField(source="variant.sku")
    name = serializers.CharField(source="variant")
    quantity = serializers.IntegerField()
    unit_price_amount = MoneyField(source="variant.price_amount")


class PosOpenCartOutput(serializers.Serializer):
    token = serializers.UUIDField()
    updated_at = serializers.DateTimeField()
    lines = PosCartLineOutput(many=True)


class PosCustomerSummaryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    preferred_language = serializers.CharField()
    contacts = PosContactOutput(many=True)
    loyalty_balance = serializers.IntegerField()
    wishlist_variant_ids = serializers.ListField(child=serializers.IntegerField())
    consent = serializers.DictField(child=serializers.DictField(child=serializers.BooleanField()))
    recent_events = PosEventOutput(many=True)
    open_web_cart = PosOpenCartOutput(
        allow_null=True, help_text="What the shopper left in the web store's cart, if anything."
    )


class PosPointsCodeOutput(serializers.Serializer):
    channel = serializers.CharField(source="kind", help_text='"phone" or "email".')
    sent_to = serializers.SerializerMethodField(help_text="Masked.")
    expires_at = serializers.DateTimeField()

    def get_sent_to(self, row) -> str:
        return contact_masked(row.kind, row.value)
