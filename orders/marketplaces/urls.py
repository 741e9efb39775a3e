from django.urls import path

from orders.marketplaces.api import MarketplaceWebhookReceiveApi

urlpatterns = [
    path(
        "marketplaces/<slug:platform>/<str:shop_id>/webhook",
        MarketplaceWebhookReceiveApi.as_view(),
        name="marketplace-webhook",
    ),
]
