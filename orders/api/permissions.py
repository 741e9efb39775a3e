from rest_framework.permissions import BasePermission

from orders.models import Terminal


class IsTerminal(BasePermission):
    message = "This endpoint is for POS terminals; send the terminal's token."

    def has_permission(self, request, view):
        return isinstance(request.auth, Terminal)
