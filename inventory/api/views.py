from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView

from config.api.permissions import StaffModelPermissions
from inventory.api.serializers import (
    LocationOutput,
    ProductSearchOutput,
    ProductSearchQuery,
    SalesChannelOutput,
    product_search_context,
)
from inventory.filters import PRICE_LIMIT, LocationFilter
from inventory.selectors import location_list, product_search_list, sales_channel_list


@extend_schema(tags=["inventory"], summary="Active locations (warehouses and stores)")
class LocationListApi(ListAPIView):
    """Warehouses and stores that are in use."""

    serializer_class = LocationOutput
    permission_classes = [StaffModelPermissions]
    filterset_class = LocationFilter

    def get_queryset(self):
        return location_list()


@extend_schema(tags=["inventory"], summary="Active sales channels with their locations by priority")
class SalesChannelListApi(ListAPIView):
    """Sales channels and the locations each sells from, by priority."""

    serializer_class = SalesChannelOutput
    permission_classes = [StaffModelPermissions]
    filterset_fields = ["kind"]

    def get_queryset(self):
        return sales_channel_list()


# What ProductSearchFilter accepts: 0 to PRICE_LIMIT.
PRICE = {"type": "number", "minimum": 0, "maximum": PRICE_LIMIT}

PRODUCT_SEARCH_PARAMETERS = [
    OpenApiParameter(
        "q", str, description="Words of the name (Vietnamese or English), or an exact SKU/barcode."
    ),
    OpenApiParameter("sku", str, description="Exact SKU (case-insensitive)."),
    OpenApiParameter("barcode", str, description="Exact EAN-13 / UPC-A barcode."),
    OpenApiParameter("category", str, description="Category slug."),
    OpenApiParameter("brand", str),
    OpenApiParameter("min_price", PRICE, description="A variant priced at least this."),
    OpenApiParameter("max_price", PRICE, description="A variant priced at most this."),
]


@extend_schema(
    tags=["inventory"],
    summary="Search products by name, SKU or barcode, with price and availability",
    parameters=[
        *PRODUCT_SEARCH_PARAMETERS,
        OpenApiParameter(
            "location",
            str,
            description="Code of the caller's location: its figure is `availability.here`.",
        ),
    ],
)
class ProductSearchApi(ListAPIView):
    """Active products and their active variants, with each variant's price and what is
    available at the given location and at every other active location."""

    serializer_class = ProductSearchOutput
    permission_classes = [StaffModelPermissions]
    filter_backends = []  # the selector applies ProductSearchFilter

    def get_queryset(self):
        return product_search_list(params=self.request.query_params)

    def list(self, request, *args, **kwargs):
        here = None
        query = ProductSearchQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        if code := query.validated_data.get("location"):
            here = location_list().filter(code=code).first()
            if here is None:
                raise ValidationError({"location": [_("No active location has this code.")]})
        page = self.paginate_queryset(self.get_queryset())
        context = {
            **self.get_serializer_context(),
            **product_search_context(products=page, here=here),
        }
        return self.get_paginated_response(
            ProductSearchOutput(page, many=True, context=context).data
        )
