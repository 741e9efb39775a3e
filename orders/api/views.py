from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from orders.api.base import TerminalApi
from orders.api.serializers import TerminalOutput


@extend_schema(tags=["pos"], summary="The calling terminal and its store", responses=TerminalOutput)
class TerminalMeApi(TerminalApi):
    """Which terminal this token belongs to, and the store it sells for."""

    def get(self, request):
        return Response(TerminalOutput(request.auth).data)
