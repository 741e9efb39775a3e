"""The customer screen: the profile, its contact points (masked unless the staff member may
unmask them), its timeline and history, and the merge, export and erasure actions.
"""

import contextlib
import json

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.admin import LargeTableAdminMixin, ModelAdmin, ReadOnlyInline, action_permission
from config.templatetags.contact import phone as phone_national
from customers.contacts import contact_masked
from customers.exceptions import CustomersError
from customers.models import ContactPoint, Customer
from customers.selectors import (
    consent_history,
    consent_state,
    customer_search,
    loyalty_balance,
    loyalty_history,
    review_list,
    timeline,
    timeline_story,
    wishlist_list,
)
from customers.services import customer_erase, customer_export, customer_merge

TIMELINE_PAGE_SIZE = 50
HISTORY_LIMIT = 50

# Customers are shared by every store, but only staff holding this read their phones and
# emails in full; cashiers see them masked (090****089) and find a shopper by typing them.
CONTACTS_PERMISSION = "customers.unmask_customer"


def _sees_contacts(request) -> bool:
    return request.user.has_perm(CONTACTS_PERMISSION)


def _address_masked(address):
    if not isinstance(address, dict) or not address.get("phone"):
        return address
    return {**address, "phone": contact_masked(ContactPoint.Kind.PHONE, str(address["phone"]))}


class ContactPointInline(ReadOnlyInline):
    model = ContactPoint
    fields = ["kind", "value", "channel", "is_verified", "created_at"]
    readonly_fields = [*fields, "masked_value"]
    template = "admin/customers/customer/contact_points_inline.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("channel")

    def get_fields(self, request, obj=None):
        if _sees_contacts(request):
            return self.fields
        return [("masked_value" if name == "value" else name) for name in self.fields]

    @admin.display(description=gettext_lazy("Value"))
    def masked_value(self, point):
        return contact_masked(point.kind, point.value)


@admin.register(Customer)
class CustomerAdmin(LargeTableAdminMixin, ModelAdmin):
    list_display = [
        "__str__",
        "contacts",
        "first_channel",
        "created_at",
        "merged_into",
        "erased_at",
    ]
    list_filter = [
        ("merged_into", admin.EmptyFieldListFilter),
        ("erased_at", admin.EmptyFieldListFilter),
        "first_channel",
        "preferred_language",
    ]
    list_select_related = ["first_channel", "merged_into"]
    # The search box takes a name, or an email or phone in any format (see get_search_results).
    search_fields = ["full_name"]
    search_help_text = gettext_lazy("Name, email or phone (any format: 0909 908 089, +84…).")
    fieldsets = [
        (
            None,
            {"fields": ["full_name", "preferred_language", "born_on", "tags", "staff_notes"]},
        ),
        (gettext_lazy("Addresses"), {"fields": ["addresses"]}),
        (
            gettext_lazy("Origin and links"),
            {
                "fields": [
                    "first_channel",
                    "user",
                    "referral_code",
                    "referred_by",
                    "merged_into",
                    "merged_at",
                    "erased_at",
                    "created_at",
                ]
            },
        ),
    ]
    readonly_fields = [
        "first_channel",
        "user",
        "referral_code",
        "referred_by",
        "merged_into",
        "merged_at",
        "erased_at",
        "created_at",
        "masked_addresses",
    ]
    inlines = [ContactPointInline]
    actions = ["merge_selected", "export_json", "erase"]
    change_form_template = "admin/customers/customer/change_form.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("contact_points", queryset=ContactPoint.objects.order_by("kind", "id"))
            )
        )

    def get_list_display(self, request):
        list_display = super().get_list_display(request)
        if _sees_contacts(request):
            return list_display
        return [("masked_contacts" if name == "contacts" else name) for name in list_display]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if _sees_contacts(request):
            return fieldsets
        # Addresses hold phone numbers: shown masked, and not editable, without the right.
        return [
            (
                title,
                {
                    **options,
                    "fields": [
                        "masked_addresses" if name == "addresses" else name
                        for name in options["fields"]
                    ],
                },
            )
            for title, options in fieldsets
        ]

    @admin.display(description=gettext_lazy("Contacts"))
    def contacts(self, customer):
        return ", ".join(
            phone_national(point.value) if point.kind == ContactPoint.Kind.PHONE else point.value
            for point in customer.contact_points.all()[:3]
        )

    @admin.display(description=gettext_lazy("Contacts"))
    def masked_contacts(self, customer):
        return ", ".join(
            contact_masked(point.kind, point.value) for point in customer.contact_points.all()[:3]
        )

    @admin.display(description=gettext_lazy("Addresses"))
    def masked_addresses(self, customer):
        return json.dumps(
            [_address_masked(address) for address in customer.addresses or []],
            cls=DjangoJSONEncoder,
            ensure_ascii=False,
        )

    def get_search_results(self, request, queryset, search_term):
        return customer_search(term=search_term, queryset=queryset), False

    # Export and erasure are the owner's decisions (the data controller's): see config.roles.
    has_merge_permission = action_permission("customers.merge_customer")
    has_export_permission = action_permission("customers.export_customer")
    has_erase_permission = action_permission("customers.erase_customer")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        customer = Customer.objects.filter(pk=object_id).first()
        extra = extra_context or {}
        if customer is not None:
            extra.update(self._customer_page(request, customer))
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def _customer_page(self, request, customer):
        """Everything on the customer page: each list is one query, the timeline is paged."""
        events = Paginator(timeline(customer=customer), TIMELINE_PAGE_SIZE)
        page = events.get_page(request.GET.get("events_page"))
        try:
            order_admin_url = reverse("admin:orders_order_changelist")
        except NoReverseMatch:  # the orders app registers its order admin in its own issue
            order_admin_url = None
        # The outbox (campaigns) imports customers, never the reverse: its message log is
        # reached by URL name, filtered to this customer, for staff who may read it.
        message_admin_url = None
        if request.user.has_perm("campaigns.view_message"):
            with contextlib.suppress(NoReverseMatch):
                message_admin_url = reverse("admin:campaigns_message_changelist")
        return {
            "consent_history": list(consent_history(customer=customer)[:HISTORY_LIMIT]),
            "consent_state": consent_state(customer=customer),
            "loyalty_balance": loyalty_balance(customer=customer),
            "loyalty_entries": list(loyalty_history(customer=customer)[:HISTORY_LIMIT]),
            "wishlist": list(wishlist_list(customer=customer)),
            "reviews": list(review_list(customer=customer)),
            "events_page": page,
            # The page's events in words: names, order links, amounts, in a few queries.
            "story": timeline_story(events=page.object_list),
            "order_admin_url": order_admin_url,
            "message_admin_url": message_admin_url,
        }

    @admin.action(
        description=gettext_lazy("Merge the selected profiles into the oldest one"),
        permissions=["merge"],
    )
    def merge_selected(self, request, queryset):
        customers = list(queryset.order_by("created_at", "pk"))
        if len(customers) < 2:
            self.message_user(request, _("Select at least two profiles."), messages.WARNING)
            return
        target, sources = customers[0], customers[1:]
        try:
            for source in sources:
                customer_merge(target=target, source=source, actor=request.user)
        except CustomersError as error:
            self.message_user(request, error.detail, messages.ERROR)
            return
        self.message_user(
            request,
            _("%(count)d profile(s) merged into %(target)s.")
            % {"count": len(sources), "target": target},
        )

    @admin.action(
        description=gettext_lazy("Export all their data (JSON) — owner only"),
        permissions=["export"],
    )
    def export_json(self, request, queryset):
        documents = [customer_export(customer=customer) for customer in queryset]
        response = HttpResponse(
            json.dumps(documents, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="customers-export.json"'
        return response

    @admin.action(
        description=gettext_lazy("Erase their personal data — owner only"), permissions=["erase"]
    )
    def erase(self, request, queryset):
        if request.POST.get("confirm") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": _("Erase personal data?"),
                "customers": queryset,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(
                request, "admin/customers/customer/erase_confirmation.html", context
            )
        erased = 0
        for customer in queryset:
            try:
                customer_erase(customer=customer, actor=request.user)
                erased += 1
            except CustomersError as error:
                self.message_user(request, f"{customer}: {error.detail}", messages.WARNING)
        self.message_user(request, _("%(count)d customer(s) erased.") % {"count": erased})
        return None
