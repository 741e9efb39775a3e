from django.urls import path

from orders.api.pos_catalog import PosCatalogSyncApi, PosProductSearchApi
from orders.api.pos_customers import (
    PosCustomerContactsAddApi,
    PosCustomerCreateApi,
    PosCustomerLookupApi,
    PosCustomerSummaryApi,
    PosPointsCodeSendApi,
    PosWishlistAddApi,
)
from orders.api.pos_quotes import PosQuoteCreateApi, PosQuoteDetailApi, PosQuoteSaleApi
from orders.api.pos_returns import (
    PosPickupHandOverApi,
    PosPickupListApi,
    PosPickupReadyApi,
    PosReturnableOrderApi,
    PosReturnCreateApi,
)
from orders.api.pos_sales import PosOrderDetailApi, PosSaleSubmitApi
from orders.api.pos_shifts import (
    ShiftCashMovementCreateApi,
    ShiftCloseApi,
    ShiftCurrentApi,
    ShiftOpenApi,
    TerminalMeApi,
)

urlpatterns = [
    path("pos/terminal/", TerminalMeApi.as_view(), name="pos-terminal"),
    path("pos/shifts/", ShiftOpenApi.as_view(), name="pos-shift-open"),
    path("pos/shifts/current/", ShiftCurrentApi.as_view(), name="pos-shift-current"),
    path(
        "pos/shifts/<int:shift_id>/cash-movements/",
        ShiftCashMovementCreateApi.as_view(),
        name="pos-shift-cash-movement",
    ),
    path("pos/shifts/<int:shift_id>/close/", ShiftCloseApi.as_view(), name="pos-shift-close"),
    path("pos/products/", PosProductSearchApi.as_view(), name="pos-product-search"),
    path("pos/customers/", PosCustomerCreateApi.as_view(), name="pos-customer-create"),
    path("pos/customers/lookup/", PosCustomerLookupApi.as_view(), name="pos-customer-lookup"),
    path(
        "pos/customers/<int:customer_id>/",
        PosCustomerSummaryApi.as_view(),
        name="pos-customer-summary",
    ),
    path(
        "pos/customers/<int:customer_id>/points-code/",
        PosPointsCodeSendApi.as_view(),
        name="pos-customer-points-code",
    ),
    path(
        "pos/customers/<int:customer_id>/contacts/",
        PosCustomerContactsAddApi.as_view(),
        name="pos-customer-contacts-add",
    ),
    path(
        "pos/customers/<int:customer_id>/wishlist/",
        PosWishlistAddApi.as_view(),
        name="pos-customer-wishlist-add",
    ),
    path("pos/quotes/", PosQuoteCreateApi.as_view(), name="pos-quote-create"),
    path("pos/quotes/<int:quote_id>/", PosQuoteDetailApi.as_view(), name="pos-quote-detail"),
    path("pos/quotes/<int:quote_id>/sale/", PosQuoteSaleApi.as_view(), name="pos-quote-sale"),
    path("pos/sales/", PosSaleSubmitApi.as_view(), name="pos-sale-submit"),
    path("pos/orders/<int:order_id>/", PosOrderDetailApi.as_view(), name="pos-order-detail"),
    path("pos/returns/", PosReturnCreateApi.as_view(), name="pos-return-create"),
    path("pos/returns/order/", PosReturnableOrderApi.as_view(), name="pos-returnable-order"),
    path("pos/pickups/", PosPickupListApi.as_view(), name="pos-pickup-list"),
    path("pos/pickups/<int:order_id>/ready/", PosPickupReadyApi.as_view(), name="pos-pickup-ready"),
    path(
        "pos/pickups/<int:order_id>/hand-over/",
        PosPickupHandOverApi.as_view(),
        name="pos-pickup-hand-over",
    ),
    path("pos/catalog/", PosCatalogSyncApi.as_view(), name="pos-catalog-sync"),
]
