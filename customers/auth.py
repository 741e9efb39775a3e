"""Shoppers log in with their email or phone (in any format) and their password."""

from django.contrib.auth.backends import ModelBackend

from customers.contacts import looks_like_email
from customers.exceptions import InvalidContactPoint
from customers.models import ContactPoint
from customers.selectors import contact_claimant_users, customer_find_by_contact


class EmailOrPhoneBackend(ModelBackend):
    """Authenticates the login linked to the profile that holds this email or phone."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        kind = ContactPoint.Kind.EMAIL if looks_like_email(username) else ContactPoint.Kind.PHONE
        try:
            customer = customer_find_by_contact(kind=kind, value=username)
        except InvalidContactPoint:
            return None
        user = customer.user if customer else None
        if user is not None:
            if user.check_password(password) and self.user_can_authenticate(user):
                return user
            return None
        # Nobody's login holds it: a login that signed up with it and has not proven it
        # yet may use it to reach its own fresh profile (and nothing more).
        for claimant in contact_claimant_users(kind=kind, value=username):
            if claimant.check_password(password) and self.user_can_authenticate(claimant):
                return claimant
        # Spend the same time as a real check, so timing does not reveal accounts.
        self._dummy_check(password)
        return None

    @staticmethod
    def _dummy_check(password):
        from django.contrib.auth import get_user_model

        get_user_model()().set_password(password)
