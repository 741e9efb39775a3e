"""POS product lookup: the inventory search, scoped to the terminal's store."""

from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView

from inventory.api.serializers import ProductSearchOutput, product_search_context
from inventory.api.views import PRODUCT_SEARCH_PARAMETERS
from inventory.selectors import product_search_list
from orders.api.base import TerminalApi


@extend_schema(
    tags=["pos"],
    summary="Look up products by barcode, SKU or text, with stock here and elsewhere",
    parameters=PRODUCT_SEARCH_PARAMETERS,
)
class PosProductSearchApi(TerminalApi, ListAPIView):
    """Products for the till: price, what this store has (`availability.here`) and what the
    other stores and the warehouse have (`availability.elsewhere`)."""

    serializer_class = ProductSearchOutput
    filter_backends = []  # the selector applies ProductSearchFilter

    def get_queryset(self):
        return product_search_list(params=self.request.query_params)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        context = {
            **self.get_serializer_context(),
            **product_search_context(products=page, here=request.auth.location),
        }
        return self.get_paginated_response(
            ProductSearchOutput(page, many=True, context=context).data
        )
