"""Wishlists (read-only) and reviews (approved or rejected here)."""

from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.admin import ModelAdmin, ReadOnlyModelAdmin
from customers.models import Review, WishlistItem
from customers.services import review_moderate


@admin.register(WishlistItem)
class WishlistItemAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "customer", "variant"]
    list_select_related = ["customer", "variant__product"]


@admin.register(Review)
class ReviewAdmin(ModelAdmin):
    list_display = [
        "created_at",
        "product",
        "customer",
        "rating",
        "is_verified_purchase",
        "status",
    ]
    list_filter = ["status", "is_verified_purchase", "rating"]
    list_select_related = ["customer", "product"]
    readonly_fields = [
        "customer",
        "product",
        "rating",
        "text",
        "is_verified_purchase",
        "status",
        "created_at",
        "moderated_at",
        "moderated_by",
    ]
    actions = ["approve", "reject"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=gettext_lazy("Approve (show on the store)"), permissions=["change"])
    def approve(self, request, queryset):
        for review in queryset:
            review_moderate(review=review, status=Review.Status.APPROVED, actor=request.user)
        self.message_user(request, _("Reviews approved."))

    @admin.action(description=gettext_lazy("Reject (hide)"), permissions=["change"])
    def reject(self, request, queryset):
        for review in queryset:
            review_moderate(review=review, status=Review.Status.REJECTED, actor=request.user)
        self.message_user(request, _("Reviews rejected."))
