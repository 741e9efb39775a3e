"""What the product page calls: the "viewed" pixel and the wishlist button."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from customers.exceptions import CustomersError
from customers.models import Event
from customers.services import event_record, wishlist_add, wishlist_remove
from inventory.models import Product

# A 1x1 transparent GIF: the product page shows it, so a product view is recorded for an
# identified shopper even without JavaScript, and the catalog (inventory) needs no import
# of customers to do it.
PIXEL = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


@require_http_methods(["GET"])
def product_viewed(request, product_id: int):
    """Record "product viewed" on the logged-in shopper's timeline; anonymous views are not kept."""
    customer = getattr(request.user, "customer", None) if request.user.is_authenticated else None
    if customer is not None:
        product = Product.objects.filter(pk=product_id, is_active=True).first()
        if product is not None:
            event_record(
                customer=customer,
                kind=Event.Kind.PRODUCT_VIEWED,
                payload={"product_id": product.pk, "slug": product.slug},
            )
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["POST"])
def wishlist_toggle(request):
    """Add a variant to (or, with ``remove``, take it off) the shopper's wishlist."""
    customer = getattr(request.user, "customer", None)
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    try:
        variant_id = int(request.POST.get("variant_id", ""))
    except ValueError:
        messages.error(request, _("Choose a product to save."))
        return redirect(next_url)
    if customer is None:
        messages.error(request, _("Your account has no shopper profile yet."))
        return redirect(next_url)
    try:
        if request.POST.get("remove"):
            wishlist_remove(customer=customer, variant_id=variant_id)
            messages.success(request, _("Removed from your wishlist."))
        else:
            wishlist_add(customer=customer, variant_id=variant_id)
            messages.success(request, _("Saved to your wishlist."))
    except CustomersError as error:
        messages.error(request, error.detail)
    return redirect(next_url)
