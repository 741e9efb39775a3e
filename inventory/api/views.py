from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView

from config.api.permissions import StaffModelPermissions
from inventory.api.serializers import LocationOutput, SalesChannelOutput
from inventory.filters import LocationFilter
from inventory.selectors import location_list, sales_channel_list


@extend_schema(tags=["inventory"], summary="Active locations (warehouses and stores)")
class LocationListApi(ListAPIView):
    serializer_class = LocationOutput
    permission_classes = [StaffModelPermissions]
    filterset_class = LocationFilter

    def get_queryset(self):
        return location_list()


@extend_schema(tags=["inventory"], summary="Active sales channels with their locations by priority")
class SalesChannelListApi(ListAPIView):
    serializer_class = SalesChannelOutput
    permission_classes = [StaffModelPermissions]
    filterset_fields = ["kind"]

    def get_queryset(self):
        return sales_channel_list()
