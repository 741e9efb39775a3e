"""The shopper's account pages: the overview, points, wishlist and saved addresses."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods

from config import divisions
from config.forms import form_errors_add
from customers.exceptions import CustomersError
from customers.forms import AddressForm
from customers.models import ConsentRecord, ContactPoint, Customer
from customers.selectors import consent_state, loyalty_balance, loyalty_history, wishlist_list
from customers.services import customer_address_add, customer_address_remove
from customers.views.login import _posted, shopper_required

LOYALTY_PAGE_SIZE = 25


@shopper_required
@require_http_methods(["GET"])
def account(request, customer: Customer):
    contacts = [
        point
        for point in customer.contact_points.all()
        if point.kind in (ContactPoint.Kind.EMAIL, ContactPoint.Kind.PHONE)
    ]
    state = consent_state(customer=customer)
    return render(
        request,
        "store/account/home.html",
        {
            "customer": customer,
            "contacts": contacts,
            "points": loyalty_balance(customer=customer),
            "wishlist_count": wishlist_list(customer=customer).count(),
            "address_count": len(customer.addresses or []),
            "marketing_channels": [
                label
                for channel, label in ConsentRecord.Channel.choices
                if state[channel][ConsentRecord.Purpose.MARKETING]
            ],
        },
    )


@shopper_required
@require_http_methods(["GET"])
def account_points(request, customer: Customer):
    page = Paginator(loyalty_history(customer=customer), LOYALTY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "store/account/points.html",
        {"points": loyalty_balance(customer=customer), "page": page},
    )


@shopper_required
@require_http_methods(["GET"])
def account_wishlist(request, customer: Customer):
    return render(
        request,
        "store/account/wishlist.html",
        {"items": wishlist_list(customer=customer)},
    )


@shopper_required
@require_http_methods(["GET", "POST"])
def account_addresses(request, customer: Customer):
    """The address book: the list, and a form that adds one."""
    if request.method == "POST" and AddressForm.WARDS_BUTTON in request.POST:
        # No JavaScript: the province was chosen, now its wards are listed.
        form = AddressForm(initial=request.POST.dict())
    else:
        form = AddressForm(_posted(request))
    if request.method == "POST" and form.is_bound and form.is_valid():
        try:
            customer_address_add(customer=customer, **form.address_values())
        except CustomersError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("Address saved."))
            return redirect("customers:account-addresses")
    customer.refresh_from_db(fields=["addresses"])
    return render(
        request,
        "store/account/addresses.html",
        {"addresses": customer.addresses or [], "form": form},
        status=400 if form.errors else 200,
    )


@cache_control(max_age=24 * 3600, public=True)
@require_http_methods(["GET"])
def address_wards(request):
    """The wards of a province, for the address form's ward picker (``address.js``)."""
    code = request.GET.get("province", "")
    if divisions.province_name(code) is None:
        return JsonResponse(
            {"code": "province_unknown", "detail": _("No such province or city."), "fields": {}},
            status=404,
        )
    return JsonResponse(
        {
            "province": code,
            "placeholder": _("Choose the ward or commune"),
            "wards": [list(ward) for ward in divisions.wards(code)],
        }
    )


@shopper_required
@require_http_methods(["POST"])
def account_address_delete(request, customer: Customer, address_id: str):
    if customer_address_remove(customer=customer, address_id=address_id):
        messages.success(request, _("Address deleted."))
    else:
        messages.error(request, _("That address was already deleted."))
    return redirect("customers:account-addresses")
