import django_filters

from inventory.models import Location


class LocationFilter(django_filters.FilterSet):
    class Meta:
        model = Location
        fields = ["kind", "accepts_pickup", "city"]
