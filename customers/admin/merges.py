"""The queue of suggested merges and the record of merges done."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.admin import ModelAdmin, ReadOnlyModelAdmin, action_permission
from customers.exceptions import CustomersError
from customers.models import CustomerMerge, MergeSuggestion
from customers.services import merge_suggestion_accept, merge_suggestion_dismiss


class SuggestionStatusFilter(admin.SimpleListFilter):
    """The queue shows open suggestions unless staff ask for the others."""

    title = gettext_lazy("status")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [*MergeSuggestion.Status.choices, ("all", gettext_lazy("All"))]

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": (self.value() or MergeSuggestion.Status.OPEN) == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or MergeSuggestion.Status.OPEN
        return queryset if value == "all" else queryset.filter(status=value)


@admin.register(MergeSuggestion)
class MergeSuggestionAdmin(ModelAdmin):
    list_display = ["created_at", "customer", "other", "reason", "status", "resolved_by"]
    list_filter = [SuggestionStatusFilter]
    list_select_related = ["customer", "other", "resolved_by"]
    readonly_fields = [
        "customer",
        "other",
        "reason",
        "status",
        "created_at",
        "resolved_at",
        "resolved_by",
    ]
    actions = ["merge", "dismiss"]

    has_merge_permission = action_permission("customers.merge_customer")

    def has_add_permission(self, request):
        return False

    @admin.action(
        description=gettext_lazy("Merge: move the other profile into the kept one"),
        permissions=["merge"],
    )
    def merge(self, request, queryset):
        merged = 0
        for suggestion in queryset.filter(status=MergeSuggestion.Status.OPEN):
            try:
                merge_suggestion_accept(suggestion=suggestion, actor=request.user)
                merged += 1
            except CustomersError as error:
                self.message_user(request, f"{suggestion}: {error.detail}", messages.WARNING)
        self.message_user(request, _("%(count)d profile(s) merged.") % {"count": merged})

    @admin.action(description=gettext_lazy("Dismiss: not the same person"), permissions=["change"])
    def dismiss(self, request, queryset):
        for suggestion in queryset:
            merge_suggestion_dismiss(suggestion=suggestion, actor=request.user)
        self.message_user(request, _("Suggestions dismissed."))


@admin.register(CustomerMerge)
class CustomerMergeAdmin(ReadOnlyModelAdmin):
    list_display = ["merged_at", "source", "target", "merged_by"]
    list_select_related = ["source", "target", "merged_by"]
    readonly_fields = ["target", "source", "merged_by", "merged_at", "moved"]
