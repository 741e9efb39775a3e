"""The admin's sidebar: screens grouped by task, not by app.

A store's staff look for "sales", "stock", "customers", "marketing" and "reports", not for
Django's app labels. Each entry names a registered model (its list) or a URL with the
permission that opens it; the sidebar shows a staff member only the entries they may open
and no section left empty, so a cashier sees the till's screens and a warehouse clerk the
stock's. A model registered in the admin but named in no section lands in the last one
("Quản trị"), so a new screen is never unreachable; give it its place below.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import admin
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class Link:
    """A page that is not a model's list: its URL name and the permission that opens it."""

    title: str
    url_name: str
    permission: str
    icon: str


# (section title, entries): a model label ("orders.Order", its list) or a Link.
SECTIONS = (
    (
        pgettext_lazy("admin section", "Sales"),
        (
            ("orders.Order", "receipt_long"),
            ("orders.Return", "assignment_return"),
            ("orders.Quote", "request_quote"),
            ("orders.Shift", "point_of_sale"),
            ("orders.Terminal", "tablet"),
            ("orders.PriceDiscrepancy", "price_change"),
            ("orders.Voucher", "confirmation_number"),
            ("orders.VoucherCode", "pin"),
            ("orders.VoucherRedemption", "redeem"),
            ("orders.Bundle", "inventory"),
            ("orders.ShippingRule", "local_shipping"),
            ("orders.MarketplaceShop", "storefront"),
            ("orders.Listing", "sell"),
            ("orders.HeldOrder", "pending_actions"),
            ("orders.WebhookEvent", "webhook"),
            ("orders.StockSyncLog", "sync"),
        ),
    ),
    (
        pgettext_lazy("admin section", "Stock"),
        (
            ("inventory.Product", "category"),
            ("inventory.Variant", "style"),
            ("inventory.Category", "folder"),
            ("inventory.StockLevel", "inventory_2"),
            ("inventory.GoodsReceipt", "move_to_inbox"),
            ("inventory.Supplier", "local_shipping"),
            ("inventory.StockMovement", "swap_vert"),
            ("inventory.StockTransfer", "move_down"),
            ("inventory.StockDiscrepancy", "report"),
            ("inventory.Reservation", "lock_clock"),
            ("inventory.Location", "location_on"),
        ),
    ),
    (
        pgettext_lazy("admin section", "Customers"),
        (
            ("customers.Customer", "person"),
            ("customers.ConsentRecord", "verified_user"),
            ("customers.MergeSuggestion", "merge"),
            ("customers.CustomerMerge", "call_merge"),
            ("customers.Event", "timeline"),
            ("customers.LoyaltyEntry", "loyalty"),
            ("customers.WishlistItem", "favorite"),
            ("customers.Review", "reviews"),
        ),
    ),
    (
        pgettext_lazy("admin section", "Marketing"),
        (
            ("campaigns.Flow", "account_tree"),
            ("campaigns.MessageTemplate", "description"),
            ("campaigns.Message", "mail"),
            ("campaigns.CallTask", "call"),
            ("campaigns.CallListCustomer", "contact_phone"),
            ("campaigns.FlowEnrolment", "group_add"),
            ("campaigns.MessageActivity", "ads_click"),
            ("campaigns.MessageLink", "link"),
            ("campaigns.Attribution", "paid"),
            ("campaigns.DoNotCall", "phone_disabled"),
            ("campaigns.Suppression", "block"),
        ),
    ),
    (
        pgettext_lazy("admin section", "Reports"),
        (Link(_("Dashboard"), "reports:dashboard", "orders.view_dailychannelsales", "monitoring"),),
    ),
    (
        pgettext_lazy("admin section", "Administration"),
        (
            ("auth.User", "badge"),
            ("auth.Group", "groups"),
            ("platform.AuditEntry", "history"),
            ("inventory.StaffMembership", "store"),
            ("inventory.SalesChannel", "hub"),
            ("campaigns.ConsumerCursor", "data_object"),
        ),
    ),
)


def _model_item(request, model_admin) -> dict | None:
    if not model_admin.has_view_or_change_permission(request):
        return None
    opts = model_admin.model._meta
    try:
        link = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    except NoReverseMatch:
        return None
    return {"title": capfirst(opts.verbose_name_plural), "link": link}


def _link_item(request, entry: Link) -> dict | None:
    if not request.user.has_perm(entry.permission):
        return None
    return {"title": entry.title, "link": reverse(entry.url_name), "icon": entry.icon}


def sidebar_navigation(request) -> list[dict]:
    """unfold's ``SIDEBAR["navigation"]``: the sections this staff member may open."""
    registry = {
        model._meta.label_lower: model_admin for model, model_admin in admin.site._registry.items()
    }
    placed = set()
    sections = []
    for title, entries in SECTIONS:
        items = []
        for entry in entries:
            if isinstance(entry, Link):
                item = _link_item(request, entry)
            else:
                label, icon = entry
                placed.add(label.lower())
                model_admin = registry.get(label.lower())
                item = model_admin and _model_item(request, model_admin)
                if item:
                    item["icon"] = icon
            if item:
                items.append(item)
        sections.append({"title": title, "items": items})
    # A screen nobody placed yet still has a door: the last section.
    for label, model_admin in sorted(registry.items()):
        if label not in placed and (item := _model_item(request, model_admin)):
            sections[-1]["items"].append(item | {"icon": "chevron_right"})
    return [section for section in sections if section["items"]]


def stylesheet(request) -> str:
    """unfold's ``STYLES``: our pages that are not a model's form, in the theme's look."""
    return static("tiem/admin.css")
