from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from orders.api.authentication import TerminalTokenAuthentication
from orders.api.permissions import IsTerminal
from orders.api.serializers import TerminalOutput
from orders.api.throttling import TerminalRateThrottle


class TerminalApi(APIView):
    """Base for every endpoint a POS terminal calls."""

    authentication_classes = [TerminalTokenAuthentication]
    permission_classes = [IsTerminal]
    throttle_classes = [TerminalRateThrottle]


@extend_schema(tags=["pos"], summary="The calling terminal and its store", responses=TerminalOutput)
class TerminalMeApi(TerminalApi):
    def get(self, request):
        return Response(TerminalOutput(request.auth).data)
