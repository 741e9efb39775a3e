"""The admin's shared shapes: screens of rows that only services write.

Every app's admin builds on these instead of re-declaring the three ``has_*_permission``
methods. Staff with the model's *view* permission read the rows; nobody adds, changes or
deletes them from the admin (the services do, with their ledger lines and events). Admin
actions on any screen declare the permissions they need with ``@admin.action(permissions=...)``;
a test walks every registered admin and fails on an action that doesn't.

Authorization is said one way: a model permission (``change``…) or a named one declared in
the model's ``Meta.permissions`` (``merge_customer``…), granted per role in
:mod:`config.roles`. An action's named permission ``"merge"`` is checked by the admin's
``has_merge_permission = action_permission("customers.merge_customer")``.
"""

from django.contrib import admin
from django.core.paginator import Paginator
from django.utils.functional import cached_property


class ReadOnlyAdminMixin:
    """No add, change or delete from the admin; viewing follows the *view* permission."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyModelAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A list and a detail page of rows written by services (ledgers, histories, logs)."""


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Rows written by services, shown on their parent's page."""

    extra = 0
    can_delete = False
    show_change_link = False


def action_permission(perm: str):
    """A ``has_<name>_permission`` method for ``@admin.action(permissions=["<name>"])``.

    The action is offered to, and runs for, users who hold ``perm`` (``"app.codename"``)
    through their role; it does not depend on the screen being editable.
    """

    def has_permission(self, request, obj=None):
        return request.user.has_perm(perm)

    return has_permission


class CappedCountPaginator(Paginator):
    """A changelist paginator for tables of millions of rows: it counts at most
    ``COUNT_CAP`` rows (``SELECT COUNT(*) FROM (… LIMIT cap)``, bounded however large the
    table), so the first page costs the same at ten thousand rows and at ten million.
    Pages past the cap are not offered: a search or a filter narrows to them. Use it with
    ``show_full_result_count = False`` (no second, unfiltered count)."""

    COUNT_CAP = 10_000

    @cached_property
    def count(self):
        # Unordered: how many rows there are up to the cap does not depend on the order,
        # and a sort would read the whole table first.
        return self.object_list.order_by()[: self.COUNT_CAP].count()


class LargeTableAdminMixin:
    """A changelist over a table that grows without bound: no COUNT(*) over all of it."""

    paginator = CappedCountPaginator
    show_full_result_count = False
