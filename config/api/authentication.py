from drf_spectacular.authentication import SessionScheme
from rest_framework import authentication


class SessionAuthentication(authentication.SessionAuthentication):
    """Staff log in with Django's session cookie (the admin's login page).

    DRF answers an unauthenticated request with 401 only when the first authentication class
    names a ``WWW-Authenticate`` challenge, and with 403 otherwise; the cookie scheme has
    none in HTTP, so this one names it: a caller without a session gets 401
    ``not_authenticated`` and a logged-in staff member without the permission 403.
    """

    def authenticate_header(self, request):
        return 'Session realm="api"'


class StaffSessionScheme(SessionScheme):
    target_class = SessionAuthentication
    priority = 0
