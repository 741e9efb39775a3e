from rest_framework.views import APIView

from orders.api.authentication import TerminalTokenAuthentication
from orders.api.permissions import IsTerminal
from orders.api.throttling import TerminalRateThrottle


class TerminalApi(APIView):
    """Base for every endpoint a POS terminal calls: terminal token, per-terminal throttle.

    ``request.auth`` is the calling :class:`orders.models.Terminal`; scope every query to
    ``request.auth.location`` (another store's ids are a 404, never a leak).
    """

    authentication_classes = [TerminalTokenAuthentication]
    permission_classes = [IsTerminal]
    throttle_classes = [TerminalRateThrottle]
