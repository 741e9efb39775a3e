"""Inlines that show what services wrote, with nothing to add, change or delete."""

from django.contrib import admin


class ReadOnlyInline(admin.TabularInline):
    """Rows written by the order services; staff read them on the order page."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
