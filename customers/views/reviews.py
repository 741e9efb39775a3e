"""Product reviews: from the signed link of a review request, or from the account."""

from django.core import signing
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from config.forms import form_errors_add
from customers.exceptions import CustomerNotFound, CustomersError, ReviewAlreadyExists
from customers.forms import ReviewForm
from customers.models import Customer
from customers.selectors import customer_get, review_list
from customers.services import review_request_token_read, review_submit
from customers.views.login import _posted, shopper_required
from inventory.models import Product


def _review_page(request, *, customer: Customer, product: Product):
    """The review form for this shopper and product; one review per product."""
    already = review_list(customer=customer).filter(product=product).exists()
    form = ReviewForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            review_submit(
                customer=customer,
                product_id=product.pk,
                rating=form.cleaned_data["rating"],
                text=form.cleaned_data["text"],
            )
        except ReviewAlreadyExists:
            form.add_error(
                None,
                _("You have already reviewed this product: there is one review per product."),
            )
        except CustomersError as error:
            form_errors_add(form, error)
        else:
            # The next page says thank you; a flash message would say it a second time.
            return redirect("customers:review-thanks")
    return render(
        request,
        "store/account/review_form.html",
        {"form": form, "product": product, "already": already},
        status=400 if form.errors else 200,
    )


def _review_link_invalid(request, *, expired: bool = False):
    return render(request, "store/account/review_invalid.html", {"expired": expired}, status=400)


def _product_gone(request):
    return render(request, "store/account/review_product_gone.html", status=404)


@require_http_methods(["GET", "POST"])
def review_signed(request, token: str):
    """The review form from a review request: the signed link is the credential, no log-in."""
    try:
        customer_id, product_id = review_request_token_read(token=token)
        customer = customer_get(pk=customer_id)
    except signing.SignatureExpired:
        return _review_link_invalid(request, expired=True)
    except (signing.BadSignature, CustomerNotFound):
        return _review_link_invalid(request)
    if customer.erased_at:
        return _review_link_invalid(request)
    product = Product.objects.filter(pk=product_id, is_active=True).first()
    if product is None:
        return _product_gone(request)
    return _review_page(request, customer=customer, product=product)


@shopper_required
@require_http_methods(["GET", "POST"])
def review_new(request, customer: Customer):
    """The review form for a logged-in shopper, reached from an order (``?product=<id>``)."""
    try:
        product_id = int(request.GET.get("product", ""))
    except ValueError:
        return _product_gone(request)
    product = Product.objects.filter(pk=product_id, is_active=True).first()
    if product is None:
        return _product_gone(request)
    return _review_page(request, customer=customer, product=product)


@require_http_methods(["GET"])
def review_thanks(request):
    return render(request, "store/account/review_thanks.html")
