from django.utils.functional import SimpleLazyObject

from orders.selectors import cart_item_count
from orders.views import cart_for_request


def cart(request):
    """``cart_count`` for the header: computed only if a template shows it."""
    return {"cart_count": SimpleLazyObject(lambda: cart_item_count(cart=cart_for_request(request)))}
