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

The look is django-unfold's (its templates, styles and scripts ship in the package): every
admin class of ours derives from :class:`ModelAdmin`, :class:`TabularInline` or
:class:`StackedInline` below, never from ``django.contrib.admin``'s own, so each screen has the
theme and shows money, phones and times the one way the store does (:class:`DisplayMixin`).
The sidebar's sections are in :mod:`config.admin_nav`.
"""

from decimal import Decimal, InvalidOperation

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from django.core.paginator import Paginator
from django.db import models
from django.utils.formats import sanitize_separators
from django.utils.functional import cached_property
from import_export import admin as import_export_admin
from unfold import admin as unfold_admin
from unfold import fields as unfold_fields
from unfold.contrib.import_export.forms import ExportForm, ImportForm
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from config.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS
from config.templatetags.contact import phone
from config.templatetags.money import money


def is_money_field(field) -> bool:
    """A column made by :func:`config.money.money_field` (amounts, prices, totals)."""
    return (
        isinstance(field, models.DecimalField)
        and field.max_digits == MONEY_MAX_DIGITS
        and field.decimal_places == MONEY_DECIMAL_PLACES
    )


def money_field_names(model) -> set[str]:
    return {field.name for field in model._meta.concrete_fields if is_money_field(field)}


def money_text(contents) -> str:
    """A read-only money value that Django wrote as a plain number ("480000,00"), as the store
    writes it ("480.000 ₫")."""
    text = str(contents).strip()
    try:
        return money(Decimal(sanitize_separators(text)))
    except (InvalidOperation, ValueError):
        return text


def money_column(field):
    """A changelist column showing ``field`` as money, in the row's currency if it has one."""

    @admin.display(description=field.verbose_name, ordering=field.name)
    def column(obj):
        return money(getattr(obj, field.name), getattr(obj, "currency", "") or "")

    column.__name__ = f"{field.name}_money"
    return column


def phone_text(value) -> str:
    """``+84912345678`` as Vietnamese people write it: ``0912 345 678``."""
    return phone(value)


def phone_field_names(model) -> set[str]:
    """Columns holding one phone number in E.164 (a do-not-call number, an order's contact)."""
    return {
        field.name
        for field in model._meta.concrete_fields
        if field.name in PHONE_FIELD_NAMES and isinstance(field, models.CharField)
    }


PHONE_FIELD_NAMES = ("phone", "contact_phone")


def phone_column(field):
    @admin.display(description=field.verbose_name, ordering=field.name)
    def column(obj):
        return phone_text(getattr(obj, field.name))

    column.__name__ = f"{field.name}_phone"
    return column


def _looked_up_once(lookup_field):
    """unfold builds each read-only field more than once per page and looks its value up on
    every build and render; a computed field (a flow's report, a customer's timeline) would
    run its queries each time. Look each one up once per object shown."""

    def once(name, obj, model_admin=None):
        if not isinstance(name, str) or obj is None:
            return lookup_field(name, obj, model_admin)
        cache = obj.__dict__.setdefault("_tiem_admin_lookups", {})
        key = (name, id(model_admin))
        if key not in cache:
            cache[key] = lookup_field(name, obj, model_admin)
        return cache[key]

    return once


unfold_fields.lookup_field = _looked_up_once(unfold_fields.lookup_field)


class DisplayMixin:
    """Money and phones the store's way in lists and read-only fields ("480.000 ₫", not
    "480000,00" beside a "VND" column; "0912 345 678", not "+84912345678"). Dates and times
    need nothing: Django writes them in the shop's zone with our formats (config/formats/vi:
    30/11/2026 14:05). Columns that are methods format their own values with
    :func:`config.templatetags.money.money` and :func:`phone_text`."""

    @property
    def readonly_preprocess_fields(self):
        return dict.fromkeys(money_field_names(self.model), money_text) | dict.fromkeys(
            phone_field_names(self.model), phone_text
        )

    def get_list_display(self, request):
        list_display = super().get_list_display(request)
        editable = set(self.list_editable or ())
        columns = {}
        for field in self.model._meta.concrete_fields:
            if field.name in editable:
                continue
            if is_money_field(field):
                columns[field.name] = money_column(field)
            elif field.name in phone_field_names(self.model):
                columns[field.name] = phone_column(field)
        shown = columns.keys() & {name for name in list_display if isinstance(name, str)}
        if not shown:
            return list_display
        has_money = any(is_money_field(self.model._meta.get_field(name)) for name in shown)
        return [
            columns.get(name, name) if isinstance(name, str) else name
            for name in list_display
            # The amount carries its currency; a "VND" column beside it says nothing.
            if not (has_money and name == "currency")
        ]


class ModelAdmin(DisplayMixin, unfold_admin.ModelAdmin):
    """Every admin screen's base: unfold's look, our money display."""


class TabularInline(DisplayMixin, unfold_admin.TabularInline):
    """Rows shown on their parent's page, in unfold's look."""


class StackedInline(DisplayMixin, unfold_admin.StackedInline):
    pass


class ImportMixin(import_export_admin.ImportMixin):
    """django-import-export's import page in unfold's look."""

    import_form_class = ImportForm


class ImportExportMixin(import_export_admin.ImportExportMixin):
    import_form_class = ImportForm
    export_form_class = ExportForm


class ReadOnlyAdminMixin:
    """No add, change or delete from the admin; viewing follows the *view* permission."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyModelAdmin(ReadOnlyAdminMixin, ModelAdmin):
    """A list and a detail page of rows written by services (ledgers, histories, logs)."""


class ReadOnlyInline(ReadOnlyAdminMixin, TabularInline):
    """Rows written by services, shown on their parent's page."""

    extra = 0
    can_delete = False
    show_change_link = False
    # Each row's fields say what it is; its str() above them would repeat it unformatted.
    hide_title = True


def action_permission(perm: str):
    """A ``has_<name>_permission`` method for ``@admin.action(permissions=["<name>"])``.

    The action is offered to, and runs for, users who hold ``perm`` (``"app.codename"``)
    through their role; it does not depend on the screen being editable.
    """

    def has_permission(self, request, obj=None):
        return request.user.has_perm(perm)

    return has_permission


# Staff accounts and roles, in the theme's forms (django.contrib.auth registers the plain ones).
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(BaseUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    pass
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
