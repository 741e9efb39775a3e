from django.urls import path

from inventory.api.views import LocationListApi, ProductSearchApi, SalesChannelListApi

urlpatterns = [
    path("locations/", LocationListApi.as_view(), name="location-list"),
    path("channels/", SalesChannelListApi.as_view(), name="channel-list"),
    path("products/", ProductSearchApi.as_view(), name="product-search"),
]
