from django.urls import path

from orders.api.views import TerminalMeApi

urlpatterns = [
    path("pos/terminal/", TerminalMeApi.as_view(), name="pos-terminal"),
]
