from django.urls import path

from inventory.api.views import LocationListApi, SalesChannelListApi

urlpatterns = [
    path("locations/", LocationListApi.as_view(), name="location-list"),
    path("channels/", SalesChannelListApi.as_view(), name="channel-list"),
]
