"""POS customer endpoints: look a shopper up by phone or email, register them at the till,
show the cashier a summary, send the shopper the code that lets the till spend their points.
Views call the customers app's services and selectors.

What a terminal sees is its own store's business: the timeline in the summary leaves out
events that happened in other stores (their visits, their purchases there). A till finds
customers by phone or email, never by walking ids: every look-up is audited
(``CustomerLookup``) and rate-limited (``API_THROTTLE_POS_LOOKUP``), and a profile's summary
answers only to a terminal that found it in the last ``POS_CUSTOMER_ACCESS_MINUTES``;
contacts are shown masked.
"""

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import status
from rest_framework.response import Response

from customers.exceptions import CustomerNotFound
from customers.models import ConsentRecord, ContactPoint, Customer
from customers.selectors import (
    consent_state,
    customer_find_by_contact,
    customer_get,
    loyalty_balance,
    timeline,
    wishlist_list,
)
from customers.services import (
    customer_contacts_add,
    customer_register,
    points_code_send,
    wishlist_add,
)
from orders.api.base import TerminalApi
from orders.api.serializers import (
    PosCustomerContactsInput,
    PosCustomerCreateInput,
    PosCustomerLookupInput,
    PosCustomerOutput,
    PosCustomerSummaryOutput,
    PosEventOutput,
    PosPointsCodeOutput,
    PosWishlistAddInput,
    PosWishlistOutput,
)
from orders.api.serializers.customers import reachable_contacts
from orders.api.throttling import PosLookupRateThrottle, TerminalRateThrottle
from orders.models import CustomerLookup
from orders.selectors import (
    cart_open_for_customer,
    customer_looked_up_recently,
    pos_cashier_get,
    pos_channel_get,
)
from orders.services import customer_lookup_record

RECENT_EVENTS = 20


def _summary(customer: Customer, terminal) -> dict:
    return {
        "id": customer.pk,
        "full_name": customer.full_name,
        "preferred_language": customer.preferred_language,
        "contacts": reachable_contacts(customer),  # email and phone only, masked
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


def _found_here(request, pk: int) -> Customer:
    """The live profile ``pk``, if this terminal found it by phone or email recently; else
    the same 404 as an unknown id (nothing says the id exists)."""
    customer = _live_customer(pk)
    if not customer_looked_up_recently(terminal=request.auth, customer_id=customer.pk):
        raise CustomerNotFound()
    return customer


def _cashier(request, cashier_id):
    if cashier_id is None:
        return None
    return pos_cashier_get(terminal=request.auth, cashier_id=cashier_id)


@extend_schema(
    tags=["pos"],
    summary="Find a customer by phone (any format) or email",
    parameters=[
        OpenApiParameter(
            "phone",
            str,
            description="Any format: 0909 908 089, +84 909 908 089… Give a phone or an "
            "email (a 400 without either).",
        ),
        OpenApiParameter("email", str, description="Give a phone or an email."),
    ],
    responses={
        200: PosCustomerOutput,
        404: OpenApiResponse(
            description="No customer holds this phone or email (`customer_not_found`)."
        ),
    },
)
class PosCustomerLookupApi(TerminalApi):
    """The profile holding this phone number or email, or a 404 ``customer_not_found``.

    A phone typed as ``0909 908 089``, ``84909908089`` or ``+84 909 908 089`` finds the same
    shopper; an invalid one is a 400 saying what is wrong.
    """

    throttle_classes = [TerminalRateThrottle, PosLookupRateThrottle]

    def get(self, request):
        params = PosCustomerLookupInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        cashier = _cashier(request, params.validated_data["cashier_id"])
        customer = None
        query_kind = ""
        for kind in (ContactPoint.Kind.PHONE, ContactPoint.Kind.EMAIL):
            value = params.validated_data.get(kind)
            if value and customer is None:
                query_kind = kind
                customer = customer_find_by_contact(kind=kind, value=value)
        # Recorded found or not: the audit shows a till trying number after number.
        customer_lookup_record(
            terminal=request.auth, query_kind=query_kind, customer=customer, cashier=cashier
        )
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

    throttle_classes = [TerminalRateThrottle, PosLookupRateThrottle]

    def post(self, request):
        data = PosCustomerCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        terminal = request.auth
        cashier = _cashier(request, values["cashier_id"])
        customer, created = customer_register(
            email=values.get("email"),
            phone=values.get("phone"),
            zalo_id=values.get("zalo_id"),
            messenger_psid=values.get("messenger_psid"),
            full_name=values["full_name"],
            preferred_language=values.get("preferred_language"),
            channel=pos_channel_get(terminal=terminal),
            consents=values["consents"],
            consent_source=ConsentRecord.Source.POS_TERMINAL,
            consent_source_ref=f"terminal:{terminal.pk} store:{terminal.location.code}",
        )
        # Registering finds an existing profile by its phone or email: a look-up like any.
        customer_lookup_record(
            terminal=terminal,
            query_kind=CustomerLookup.QueryKind.PHONE
            if values.get("phone")
            else CustomerLookup.QueryKind.EMAIL,
            customer=customer,
            cashier=cashier,
        )
        customer = Customer.objects.prefetch_related("contact_points").get(pk=customer.pk)
        return Response(
            PosCustomerOutput(customer).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


@extend_schema(
    tags=["pos"],
    summary="Add contact details (Zalo id, Messenger PSID, phone, email) to a customer",
    request=PosCustomerContactsInput,
    responses={200: PosCustomerOutput},
    examples=[
        OpenApiExample(
            "Messenger id with transactional consent",
            value={
                "messenger_psid": "6723481953012345",
                "consents": [
                    {
                        "channel": "messenger",
                        "purpose": "transactional",
                        "granted": True,
                        "wording_version": "pos-2026-01",
                    }
                ],
            },
            request_only=True,
        )
    ],
)
class PosCustomerContactsAddApi(TerminalApi):
    """Attach the details the till captured to the shopper's profile, with their consents.

    Only for a customer this terminal found by phone or email in the last
    ``POS_CUSTOMER_ACCESS_MINUTES`` (any other id is a 404). A Zalo id or Messenger PSID
    must come with the shopper's consent for that channel (granted or refused). A detail
    held by another profile is a 409 ``contact_point_taken`` and nothing is written.
    """

    def post(self, request, customer_id: int):
        data = PosCustomerContactsInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        terminal = request.auth
        customer = customer_contacts_add(
            # Only a profile this till found by phone or email: walking ids must not let a
            # terminal attach its own Zalo or Messenger id to someone else's profile.
            customer=_found_here(request, customer_id),
            email=values.get("email"),
            phone=values.get("phone"),
            zalo_id=values.get("zalo_id"),
            messenger_psid=values.get("messenger_psid"),
            channel=pos_channel_get(terminal=terminal),
            consents=values["consents"],
            consent_source=ConsentRecord.Source.POS_TERMINAL,
            consent_source_ref=f"terminal:{terminal.pk} store:{terminal.location.code}",
        )
        customer = Customer.objects.prefetch_related("contact_points").get(pk=customer.pk)
        return Response(PosCustomerOutput(customer).data)


@extend_schema(
    tags=["pos"],
    summary="A customer's summary for the cashier",
    responses={200: PosCustomerSummaryOutput},
)
class PosCustomerSummaryApi(TerminalApi):
    """Loyalty balance, wishlist, current consent, masked contacts and recent timeline of a
    customer this terminal found by phone or email (look-up or registration) in the last
    ``POS_CUSTOMER_ACCESS_MINUTES``; any other id is a 404 ``customer_not_found``.

    The timeline shows online events and this store's, never another store's. A merged
    profile's old id answers with the surviving profile.
    """

    def get(self, request, customer_id: int):
        customer = _found_here(request, customer_id)
        customer = Customer.objects.prefetch_related("contact_points").get(pk=customer.pk)
        return Response(PosCustomerSummaryOutput(_summary(customer, request.auth)).data)


@extend_schema(
    tags=["pos"],
    summary="Send the customer the code that lets the till spend their points",
    request=None,
    responses={202: PosPointsCodeOutput},
)
class PosPointsCodeSendApi(TerminalApi):
    """Text (or email, without a phone) the shopper a 6-digit code, valid 10 minutes; the
    sale's ``points_code`` must carry it to pay with points. Only for a customer this
    terminal found recently (else 404); 429 ``code_send_throttled`` when codes were asked
    for too often; 503 ``code_not_sent`` when the provider could not be reached."""

    def post(self, request, customer_id: int):
        customer = _found_here(request, customer_id)
        row = points_code_send(customer=customer, ip_address=f"terminal:{request.auth.pk}")
        return Response(PosPointsCodeOutput(row).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(
    tags=["pos"],
    summary="Add a product to the customer's wishlist",
    request=PosWishlistAddInput,
    responses={201: PosWishlistOutput},
)
class PosWishlistAddApi(TerminalApi):
    """Save a variant the shopper liked at the till to their wishlist (the web account
    shows it); saving it twice keeps one. Only for a customer this terminal found by phone
    or email recently (else 404 ``customer_not_found``); an unknown or no longer sold
    variant is a 404."""

    def post(self, request, customer_id: int):
        data = PosWishlistAddInput(data=request.data)
        data.is_valid(raise_exception=True)
        customer = _found_here(request, customer_id)
        wishlist_add(customer=customer, variant_id=data.validated_data["variant_id"])
        return Response(
            PosWishlistOutput(
                {
                    "wishlist_variant_ids": list(
                        wishlist_list(customer=customer).values_list("variant_id", flat=True)
                    )
                }
            ).data,
            status=status.HTTP_201_CREATED,
        )
