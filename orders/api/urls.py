from django.urls import path

from orders.api.pos_customers import (
    PosCustomerCreateApi,
    PosCustomerLookupApi,
    PosCustomerSummaryApi,
)
from orders.api.views import TerminalMeApi

urlpatterns = [
    path("pos/terminal/", TerminalMeApi.as_view(), name="pos-terminal"),
    path("pos/customers/", PosCustomerCreateApi.as_view(), name="pos-customer-create"),
    path("pos/customers/lookup/", PosCustomerLookupApi.as_view(), name="pos-customer-lookup"),
    path(
        "pos/customers/<int:customer_id>/",
        PosCustomerSummaryApi.as_view(),
        name="pos-customer-summary",
    ),
]
