"""POS customer endpoints: look a shopper up by phone or email, register them at the till,
and show the cashier a summary. Views call the customers app's services and selectors.

What a terminal sees is its own store's business: the timeline in the summary leaves out
events that happened in other stores (their visits, their purchases there).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from config.api.fields import MoneyField
from customers.exceptions import CustomerNotFound
from customers.models import ConsentRecord, ContactPoint, Customer, Event
from customers.selectors import (
    consent_state,
    customer_find_by_contact,
    customer_get,
    loyalty_balance,
    timeline,
    wishlist_list,
)
from customers.services import customer_register
from orders.api.base import TerminalApi
from orders.selectors import cart_open_for_customer, pos_channel_get

RECENT_EVENTS = 20


class PosCustomerLookupInput(serializers.Serializer):
    phone = serializers.CharField(required=False, max_length=40)
    email = serializers.CharField(required=False, max_length=254)

    def validate(self, attrs):
        if not attrs.get("phone") and not attrs.get("email"):
            raise serializers.ValidationError(_("Give a phone number or an email address."))
        return attrs


class PosConsentInput(serializers.Serializer):
    channel = serializers.ChoiceField(choices=ConsentRecord.Channel.choices)
    purpose = serializers.ChoiceField(choices=ConsentRecord.Purpose.choices)
    granted = serializers.BooleanField()
    wording_version = serializers.CharField(max_length=50, required=False, default="")


class PosCustomerCreateInput(serializers.Serializer):
    full_name = serializers.CharField(max_length=200, required=False, default="")
    phone = serializers.CharField(max_length=40, required=False)
    email = serializers.CharField(max_length=254, required=False)
    preferred_language = serializers.ChoiceField(
        choices=Customer._meta.get_field("preferred_language").choices, required=False
    )
    consents = PosConsentInput(many=True, required=False, default=list)

    def validate(self, attrs):
        if not attrs.get("phone") and not attrs.get("email"):
            raise serializers.ValidationError(_("Give a phone number or an email address."))
        return attrs


class PosContactOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ContactPoint.Kind.choices)
    value = serializers.CharField()


class PosCustomerOutput(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    preferred_language = serializers.CharField()
    contacts = serializers.SerializerMethodField()
    loyalty_balance = serializers.SerializerMethodField()

    def get_contacts(self, customer) -> list[dict]:
        points = [
            point
            for point in customer.contact_points.all()
            if point.kind in (ContactPoint.Kind.EMAIL, ContactPoint.Kind.PHONE)
        ]
        return PosContactOutput(points, many=True).data

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


def _summary(customer: Customer, terminal) -> dict:
    return {
        "id": customer.pk,
        "full_name": customer.full_name,
        "preferred_language": customer.preferred_language,
        "contacts": PosCustomerOutput().get_contacts(customer),  # email and phone only
        "loyalty_balance": loyalty_balance(customer=customer),
        "wishlist_variant_ids": list(
            wishlist_list(customer=customer).values_list("variant_id", flat=True)
        ),
        "consent": consent_state(customer=customer),
        "recent_events": PosEventOutput(
            timeline(customer=customer, location=terminal.location)[:RECENT_EVENTS], many=True
        ).data,
        "open_web_cart": _open_cart(customer),
    }


def _open_cart(customer: Customer) -> dict | None:
    cart = cart_open_for_customer(customer=customer)
    if cart is None:
        return None
    # Serialised with the rest of the summary by PosCustomerSummaryOutput.
    return {"token": cart.token, "updated_at": cart.updated_at, "lines": list(cart.lines.all())}


def _live_customer(pk: int) -> Customer:
    customer = customer_get(pk=pk)
    if customer.erased_at:
        raise CustomerNotFound()
    return customer


@extend_schema(
    tags=["pos"],
    summary="Find a customer by phone (any format) or email",
    parameters=[
        OpenApiParameter("phone", str, description="Any format: 0909 908 089, +84 909 908 089…"),
        OpenApiParameter("email", str),
    ],
    responses={200: PosCustomerOutput},
)
class PosCustomerLookupApi(TerminalApi):
    """The profile holding this phone number or email, or a 404 ``customer_not_found``.

    A phone typed as ``0909 908 089``, ``84909908089`` or ``+84 909 908 089`` finds the same
    shopper; an invalid one is a 400 saying what is wrong.
    """

    def get(self, request):
        params = PosCustomerLookupInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        customer = None
        for kind in (ContactPoint.Kind.PHONE, ContactPoint.Kind.EMAIL):
            value = params.validated_data.get(kind)
            if value and customer is None:
                customer = customer_find_by_contact(kind=kind, value=value)
        if customer is None:
            raise CustomerNotFound()
        customer = Customer.objects.prefetch_related("contact_points").get(pk=customer.pk)
        return Response(PosCustomerOutput(customer).data)


@extend_schema(
    tags=["pos"],
    summary="Register a customer at the till, with the consents they give",
    request=PosCustomerCreateInput,
    responses={201: PosCustomerOutput, 200: PosCustomerOutput},
    examples=[
        OpenApiExample(
            "Phone and SMS marketing consent",
            value={
                "full_name": "Nguyễn Văn Toản",
                "phone": "0909 908 089",
                "consents": [
                    {
                        "channel": "sms",
                        "purpose": "marketing",
                        "granted": True,
                        "wording_version": "pos-2026-01",
                    }
                ],
            },
            request_only=True,
        )
    ],
)
class PosCustomerCreateApi(TerminalApi):
    """Create the shopper's profile (201), or return the one that already holds the phone or
    email (200). Consents given are recorded with this terminal as their proof."""

    def post(self, request):
        data = PosCustomerCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        terminal = request.auth
        customer, created = customer_register(
            email=values.get("email"),
            phone=values.get("phone"),
            full_name=values["full_name"],
            preferred_language=values.get("preferred_language"),
            channel=pos_channel_get(terminal=terminal),
            consents=values["consents"],
            consent_source=ConsentRecord.Source.POS_TERMINAL,
            consent_source_ref=f"terminal:{terminal.pk} store:{terminal.location.code}",
        )
        customer = Customer.objects.prefetch_related("contact_points").get(pk=customer.pk)
        return Response(
            PosCustomerOutput(customer).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


@extend_schema(
    tags=["pos"],
    summary="A customer's summary for the cashier",
    responses={200: PosCustomerSummaryOutput},
)
class PosCustomerSummaryApi(TerminalApi):
    """Loyalty balance, wishlist, current consent and recent timeline of a customer.

    The timeline shows online events and this store's, never another store's. A merged
    profile's old id answers with the surviving profile.
    """

    def get(self, request, customer_id: int):
        customer = _live_customer(customer_id)
        customer = Customer.objects.prefetch_related("contact_points").get(pk=customer.pk)
        return Response(PosCustomerSummaryOutput(_summary(customer, request.auth)).data)
