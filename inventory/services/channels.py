"""Writes of the inventory app (STYLE.md: ``<entity>_<action>``, keyword-only, atomic)."""

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from inventory.exceptions import ChannelLocationsInvalid
from inventory.models import ChannelLocation, Location, SalesChannel, StaffMembership


@transaction.atomic
def location_upsert(*, code: str, name: str, kind: str, **fields) -> Location:
    """Create the location with this code, or update it: safe to call again with the same code."""
    location, _created = Location.objects.update_or_create(
        code=code, defaults={"name": name, "kind": kind, **fields}
    )
    location.full_clean()
    return location


def staff_membership_add(*, user, location: Location) -> StaffMembership:
    """``user`` works at ``location`` (their admin scope, see staff_location_ids); idempotent."""
    membership, _created = StaffMembership.objects.get_or_create(user=user, location=location)
    return membership


@transaction.atomic
def sales_channel_upsert(
    *, code: str, name: str, kind: str, locations: Sequence[Location], **fields
) -> SalesChannel:
    """Create or update a channel and set the locations it sells from, in priority order.

    A point-of-sale channel sells from exactly one store, its own.
    """
    if kind == SalesChannel.Kind.POS and (
        len(locations) != 1 or locations[0].kind != Location.Kind.STORE
    ):
        raise ChannelLocationsInvalid(
            _("A point-of-sale channel sells from exactly one store, its own."),
            fields={"locations": [_("Give one store.")]},
        )
    if len({location.pk for location in locations}) != len(locations):
        raise ChannelLocationsInvalid(
            _("A location appears twice in the channel's list."),
            fields={"locations": [_("Each location once.")]},
        )
    channel, _created = SalesChannel.objects.update_or_create(
        code=code, defaults={"name": name, "kind": kind, **fields}
    )
    channel.full_clean()
    ChannelLocation.objects.filter(channel=channel).exclude(location__in=locations).delete()
    for priority, location in enumerate(locations):
        ChannelLocation.objects.update_or_create(
            channel=channel, location=location, defaults={"priority": priority}
        )
    return channel
