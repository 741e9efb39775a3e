from django.utils.functional import SimpleLazyObject

from orders.selectors import cart_count_for_header
from orders.views import CART_SESSION_KEY


def cart(request):
    """``cart_count`` for the header: computed only if a template shows it, and read only
    (a guest cart is merged into the account's by the cart and checkout views, not here)."""
    return {
        "cart_count": SimpleLazyObject(
            lambda: cart_count_for_header(
                user=request.user, token=request.session.get(CART_SESSION_KEY)
            )
        )
    }
