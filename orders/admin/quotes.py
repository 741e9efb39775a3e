"""Quotes: staff of a store build one for a customer (lines at quoted prices, a discount,
a validity) and send it; the customer then sees it in the web account.

A draft is edited here; once sent its lines and prices are what the customer was promised,
so they are read-only, and the quote is only withdrawn (cancel) or left to expire. Staff
see and act on their own stores' quotes only (another store's is a 404).
"""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy

from config.admin import ModelAdmin, TabularInline
from config.api.errors import DomainError
from inventory.admin_scoping import StoreScopedAdminMixin
from orders.models import Quote, QuoteLine
from orders.services.quotes import quote_cancel, quote_number_assign, quote_send


class QuoteLineInline(TabularInline):
    model = QuoteLine
    extra = 1
    autocomplete_fields = ["variant"]
    fields = ["variant", "quantity", "unit_price_amount"]

    def _draft(self, obj) -> bool:
        return obj is None or obj.status == Quote.Status.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._draft(obj) and super().has_delete_permission(request, obj)


class QuoteForm(forms.ModelForm):
    class Meta:
        model = Quote
        fields = ["customer", "location", "discount_amount", "expires_at", "note"]

    def clean_expires_at(self):
        value = self.cleaned_data["expires_at"]
        if value is not None and value <= timezone.now():
            raise forms.ValidationError(gettext_lazy("The validity must end in the future."))
        return value


@admin.register(Quote)
class QuoteAdmin(StoreScopedAdminMixin, ModelAdmin):
    form = QuoteForm
    store_fields = ("location",)
    list_display = [
        "number",
        "customer",
        "location",
        "state_display",
        "total_display",
        "expires_at",
        "created_by",
    ]
    list_filter = ["status", "location", "expires_at"]
    list_select_related = ["customer", "location", "created_by"]
    search_fields = ["number", "customer__full_name"]
    autocomplete_fields = ["customer"]
    inlines = [QuoteLineInline]
    readonly_fields = [
        "number",
        "status",
        "total_display",
        "created_by",
        "terminal",
        "order",
        "sent_at",
        "accepted_at",
        "cancelled_at",
        "created_at",
    ]
    fieldsets = [
        (None, {"fields": ["number", "status", "customer", "location"]}),
        (gettext_lazy("Terms"), {"fields": ["discount_amount", "total_display", "expires_at"]}),
        (gettext_lazy("Note"), {"fields": ["note"]}),
        (
            gettext_lazy("History"),
            {
                "fields": [
                    "created_by",
                    "terminal",
                    "created_at",
                    "sent_at",
                    "order",
                    "accepted_at",
                    "cancelled_at",
                ]
            },
        ),
    ]
    actions = ["send", "cancel"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("lines")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status != Quote.Status.DRAFT:
            # Sent: what the customer was promised stays as it is.
            fields += ["customer", "location", "discount_amount", "expires_at", "note"]
        return fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        quote_number_assign(quote=obj)

    @admin.display(description=gettext_lazy("Status"), ordering="status")
    def state_display(self, quote):
        return quote.get_state_display()

    @admin.display(description=gettext_lazy("Total"))
    def total_display(self, quote):
        if quote.pk is None:
            return "—"
        return quote.total_amount

    @admin.action(
        description=gettext_lazy("Send the selected quotes to their customers"),
        permissions=["change"],
    )
    def send(self, request, queryset):
        self._each(request, queryset, quote_send, gettext_lazy("%(count)d quote(s) sent."))

    @admin.action(description=gettext_lazy("Withdraw the selected quotes"), permissions=["change"])
    def cancel(self, request, queryset):
        self._each(request, queryset, quote_cancel, gettext_lazy("%(count)d quote(s) withdrawn."))

    def _each(self, request, queryset, service, done_message):
        count = 0
        for quote in queryset:
            try:
                service(quote=quote)
            except DomainError as error:
                problems = [str(p) for ps in (error.fields or {}).values() for p in ps]
                self.message_user(
                    request, f"{quote}: {' '.join(problems) or error.detail}", messages.ERROR
                )
            else:
                count += 1
        if count:
            self.message_user(request, done_message % {"count": count}, messages.SUCCESS)
