from rest_framework import serializers

from inventory.models import ChannelLocation, Location, SalesChannel


class LocationOutput(serializers.ModelSerializer):
    class Meta:
        model = Location
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "address",
            "city",
            "latitude",
            "longitude",
            "opening_hours",
            "accepts_pickup",
        ]


class ChannelLocationOutput(serializers.ModelSerializer):
    location = LocationOutput()

    class Meta:
        model = ChannelLocation
        fields = ["priority", "location"]


class SalesChannelOutput(serializers.ModelSerializer):
    locations = ChannelLocationOutput(source="channel_locations", many=True)

    class Meta:
        model = SalesChannel
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "currency",
            "safety_buffer",
            "publish_percentage",
            "locations",
        ]
