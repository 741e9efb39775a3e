"""Shared reads of the inventory app, returning querysets with their joins already set."""

from django.db.models import Prefetch, QuerySet

from inventory.models import ChannelLocation, Location, SalesChannel


def location_list(*, active_only: bool = True) -> QuerySet[Location]:
    locations = Location.objects.all()
    return locations.filter(is_active=True) if active_only else locations


def sales_channel_list(*, active_only: bool = True) -> QuerySet[SalesChannel]:
    channels = SalesChannel.objects.prefetch_related(
        Prefetch(
            "channel_locations",
            queryset=ChannelLocation.objects.select_related("location").order_by("priority"),
        )
    )
    return channels.filter(is_active=True) if active_only else channels
