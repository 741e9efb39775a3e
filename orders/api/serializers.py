from rest_framework import serializers

from inventory.api.serializers import LocationOutput
from orders.models import Terminal


class TerminalOutput(serializers.ModelSerializer):
    location = LocationOutput()

    class Meta:
        model = Terminal
        fields = ["id", "name", "location", "last_seen_at"]
