from django.urls import path

from orders.api.pos_catalog import PosProductSearchApi
from orders.api.views import TerminalMeApi

urlpatterns = [
    path("pos/terminal/", TerminalMeApi.as_view(), name="pos-terminal"),
    path("pos/products/", PosProductSearchApi.as_view(), name="pos-product-search"),
]
