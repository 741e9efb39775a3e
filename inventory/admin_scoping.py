"""Store-scoped admin screens: staff see and act only for the locations they work at.

:func:`inventory.selectors.staff_location_ids` decides a staff member's locations (``None``
for owners and marketers, who act everywhere); :class:`StoreScopedAdminMixin` applies it to
a screen: its list, its pages, its actions (Django runs an action on the list's queryset)
and the choices of its location fields. Another location's object is not in the queryset,
so its page answers 404, the same as an object that does not exist: nothing confirms it
is there.

Inventory owns locations, so the scoping lives here; ``customers`` and ``orders`` admins
import it (imports lean towards inventory).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models import Q, QuerySet
from django.http import Http404

from inventory.models import Location
from inventory.selectors import staff_location_ids, staff_location_list


class StaffLocationListFilter(admin.RelatedFieldListFilter):
    """A location filter offering only the staff member's locations."""

    def field_choices(self, field, request, model_admin):
        return [(location.pk, str(location)) for location in staff_location_list(request.user)]


class StoreScopedAdminMixin:
    """Limit a ModelAdmin to the staff member's locations.

    ``store_fields`` are the paths from the model to its :class:`~inventory.models.Location`
    (``"location"``, ``"terminal__location"``); an object is in scope when any of them is one
    of the staff member's locations (a transfer: either end). Override
    :meth:`store_condition` when the rule is more than a path (an order's store).

    Foreign keys to ``Location`` offer only the staff member's locations; ``choice_scopes``
    maps other foreign keys to the path from their model to its location
    (``{"terminal": "location"}``). ``unscoped_choice_fields`` keeps a location field open
    (a transfer's destination).
    """

    store_fields: tuple[str, ...] = ("location",)
    choice_scopes: dict[str, str] = {}
    unscoped_choice_fields: tuple[str, ...] = ()

    def store_condition(self, location_ids: frozenset[int]) -> Q:
        condition = Q(pk__in=[])
        for path in self.store_fields:
            condition |= Q(**{f"{path}__in": location_ids})
        return condition

    def scope_queryset(self, request, queryset: QuerySet) -> QuerySet:
        location_ids = staff_location_ids(request.user)
        if location_ids is None:
            return queryset
        return queryset.filter(self.store_condition(location_ids))

    def get_queryset(self, request):
        return self.scope_queryset(request, super().get_queryset(request))

    def get_list_filter(self, request):
        # The list's location filters name only the staff member's locations.
        list_filter = super().get_list_filter(request)
        if staff_location_ids(request.user) is None:
            return list_filter
        return [
            (spec, StaffLocationListFilter) if spec in self.store_fields else spec
            for spec in list_filter
        ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        location_ids = staff_location_ids(request.user)
        if location_ids is not None and db_field.name not in self.unscoped_choice_fields:
            if db_field.related_model is Location:
                kwargs["queryset"] = Location.objects.filter(pk__in=location_ids)
            elif db_field.name in self.choice_scopes:
                path = self.choice_scopes[db_field.name]
                kwargs["queryset"] = db_field.related_model._default_manager.filter(
                    **{f"{path}__in": location_ids}
                )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _object_in_scope_or_404(self, request, object_id):
        # Django's admin answers a missing object with a redirect and a "doesn't exist"
        # message; another store's object is answered like a missing one, as a real 404.
        # Staff who may not see the screen at all get Django's 403 first.
        if object_id is None or not self.has_view_or_change_permission(request):
            return
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._object_in_scope_or_404(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._object_in_scope_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._object_in_scope_or_404(request, object_id)
        return super().delete_view(request, object_id, extra_context)


def scoped_location_choices(request, queryset: QuerySet[Location]) -> QuerySet[Location]:
    """``queryset`` narrowed to the staff member's locations (forms outside a ModelAdmin)."""
    location_ids = staff_location_ids(request.user)
    return queryset if location_ids is None else queryset.filter(pk__in=location_ids)
