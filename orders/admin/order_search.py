"""How staff find orders: the list's filters (stock discrepancy, store), the stores' orders
(also the vouchers' screen's scoping) and the search box's condition.
"""

from django.contrib import admin
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy

from customers.contacts import search_term_contact
from customers.models import ContactPoint
from customers.selectors import customer_search_ids
from inventory.admin_search import folded_search_condition
from inventory.models import ChannelLocation, Location, StockDiscrepancy
from inventory.selectors import staff_location_list
from orders.models import Order


class DiscrepancyListFilter(admin.SimpleListFilter):
    """Orders whose sale drove a shelf below what it held (offline sales replayed late)."""

    title = gettext_lazy("stock discrepancy")
    parameter_name = "discrepancy"

    def lookups(self, request, model_admin):
        return [("open", gettext_lazy("Unresolved")), ("any", gettext_lazy("Any"))]

    def queryset(self, request, queryset):
        if self.value() not in {"open", "any"}:
            return queryset
        discrepancies = StockDiscrepancy.objects.filter(reference=OuterRef("stock_reference"))
        if self.value() == "open":
            discrepancies = discrepancies.filter(resolved_at__isnull=True)
        return queryset.filter(Exists(discrepancies))


class StoreListFilter(admin.RelatedFieldListFilter):
    """The stores (a POS sale's or a pick-up's), without scanning the orders to find them."""

    def field_choices(self, field, request, model_admin):
        return [
            (location.pk, str(location))
            for location in staff_location_list(request.user)
            .filter(kind=Location.Kind.STORE)
            .order_by("name")
        ]


def order_store_condition(location_ids, *, prefix: str = "") -> Q:
    """Orders of these stores: a POS sale's or pick-up's store, or (an order shipped, with
    no store) a store its channel sells from. ``prefix`` reaches the order from another
    model (``"order__"``)."""
    channels = ChannelLocation.objects.filter(location__in=location_ids).values("channel")
    return Q(**{f"{prefix}location__in": location_ids}) | Q(
        **{f"{prefix}location__isnull": True, f"{prefix}channel__in": channels}
    )


def contact_name_folded(term: str) -> Q:
    """Orders whose contact name holds every word typed, accents or not ("tran thi mai"
    finds a guest's "Trần Thị Mai"; a profile's orders are found by its name already)."""
    return folded_search_condition(term, folded=("contact_search_name",))


def order_search_condition(term: str) -> Q:
    """Orders matching a number, marketplace reference, contact or customer typed any way.

    Phones and emails are normalised the way customers are (``0909 908 089`` finds
    ``+84909908089``); the customer part reuses the customer admin's search.

    A UNION of two index reads under ``pk IN``: the order's own columns (each ``icontains``
    has a trigram index on PostgreSQL, the phone a B-tree, so the planner ORs bitmaps) and
    the orders of the matching customers (``customer_search_ids``, then the index on
    customer). One OR across the customer's join would read every order.
    """
    own = (
        Q(number__icontains=term)
        | Q(external_ref__icontains=term)
        | Q(contact_name__icontains=term)
        | contact_name_folded(term)
    )
    contact = search_term_contact(term)
    if contact is None:
        own |= Q(contact_email__icontains=term)
    else:
        kind, value = contact
        if kind == ContactPoint.Kind.EMAIL:
            own |= Q(contact_email__iexact=value)
        else:
            own |= Q(contact_phone__in={value, term})
    orders = Order.objects.order_by()
    matching = (
        orders.filter(own)
        .values("pk")
        .union(orders.filter(customer__in=customer_search_ids(term=term)).values("pk"))
    )
    return Q(pk__in=matching)
