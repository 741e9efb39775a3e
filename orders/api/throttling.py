from config.api.throttling import WindowCounterThrottle
from orders.models import Terminal


class TerminalRateThrottle(WindowCounterThrottle):
    """Throttle per terminal, not per IP: a store's terminals often share one address."""

    scope = "pos"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, Terminal):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class PosLookupRateThrottle(TerminalRateThrottle):
    """Customer look-ups per terminal (``API_THROTTLE_POS_LOOKUP``): a till finds the shopper
    in front of it, it does not read the customer book."""

    scope = "pos_lookup"
