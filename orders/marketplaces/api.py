"""The marketplaces' door: one signed webhook endpoint per shop."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from orders.marketplaces.exceptions import ShopNotFound
from orders.marketplaces.models import Platform
from orders.marketplaces.services import webhook_receive


class WebhookReceivedOutput(serializers.Serializer):
    event_id = serializers.CharField()
    duplicate = serializers.BooleanField(help_text="The same delivery was stored before.")


_ERROR = inline_serializer(
    "MarketplaceWebhookError",
    fields={
        "code": serializers.CharField(),
        "detail": serializers.CharField(),
        "fields": serializers.DictField(),
    },
)


@extend_schema(
    tags=["marketplaces"],
    summary="Receive a marketplace webhook (order status push)",
    parameters=[
        OpenApiParameter("platform", str, OpenApiParameter.PATH, enum=Platform.values),
        OpenApiParameter(
            "shop_id", str, OpenApiParameter.PATH, description="The platform's id of the shop."
        ),
    ],
    request={"application/json": OpenApiTypes.OBJECT},
    responses={
        200: WebhookReceivedOutput,
        400: OpenApiResponse(_ERROR, description="invalid_json: the body is not a JSON object"),
        401: OpenApiResponse(_ERROR, description="signature_invalid: nothing was recorded"),
        404: OpenApiResponse(_ERROR, description="not_found: no such active shop"),
    },
)
class MarketplaceWebhookReceiveApi(APIView):
    """A platform tells us about an order. The signature over the raw body is checked the
    platform's way (Shopee: ``Authorization`` = HMAC-SHA256 of ``url|body``; Lazada and
    TikTok Shop: of ``app_key + body``; Tiki: ``x-signature: sha1=…``), the event is stored
    once per (shop, event id), and a job records the order. Answers fast: 200 whether the
    event is new or a redelivery."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes: list = []  # the raw body is what is signed: nothing parses it first
    # A platform delivers in bursts from a few addresses (a flash sale is thousands of
    # notices a minute); the anonymous per-address throttle would refuse them. Every
    # request is checked against the shop's secret before anything is written.
    throttle_classes: list = []

    def post(self, request, platform: str, shop_id: str):
        if platform not in Platform.values:
            raise ShopNotFound()
        event, created = webhook_receive(
            platform=platform,
            shop_id=shop_id,
            url=request.build_absolute_uri(),
            body=request.body,
            headers=request.headers,
        )
        return Response(
            WebhookReceivedOutput({"event_id": event.event_id, "duplicate": not created}).data,
            status=status.HTTP_200_OK,
        )
