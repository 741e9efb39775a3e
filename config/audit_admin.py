"""The audit trail in the admin: the whole trail (the owner's), and each object's trail.

Append-only: nobody adds, changes or deletes an entry here, superusers included (the
``has_*_permission`` methods say no whatever the user holds; Django offers no button and
answers a forged request with 403). The object's trail is reached from its page's "Audit
trail" link and is shown only to staff who may open that object through its own admin, so
store scoping holds: another store's order is a 404 there too.

Registered by :class:`config.apps.PlatformConfig` in place of auditlog's own screen.
"""

from __future__ import annotations

from urllib.parse import unquote

from auditlog.filters import ResourceTypeFilter as AuditlogResourceTypeFilter
from auditlog.render import get_field_verbose_name
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from config.admin import ReadOnlyModelAdmin
from config.audit import audit_entries_for, audit_related_links
from config.models import AuditEntry
from config.templatetags.money import money

# Acts written by services (config.audit.audit_record), as staff read them.
EVENTS = {
    "customer.merged": _("Customers merged"),
    "customer.exported": _("Customer data exported"),
    "customer.erased": _("Customer data erased"),
    "consent.changed_by_staff": _("Consent changed by staff"),
    "terminal.revoked": _("Terminal revoked"),
}
OBJECT_TRAIL_LIMIT = 200


def audit_entry_summary(entry) -> str:
    """One line: the service's act, or the fields that changed (old → new)."""
    event = (entry.additional_data or {}).get("event")
    if event:
        return str(EVENTS.get(event, event))
    parts = []
    for field, values in (entry.changes or {}).items():
        name = get_field_verbose_name(entry, field)
        if isinstance(values, dict):  # many-to-many: {"operation", "objects"}
            sign = "+" if values.get("operation") == "add" else "−"
            parts.append(f"{name}: {sign} {', '.join(map(str, values.get('objects', [])))}")
        elif isinstance(values, list) and len(values) == 2:
            old, new = (_shown(field, value) for value in values)
            parts.append(f"{name}: {old} → {new}")
    return "; ".join(parts)


def _shown(field: str, value) -> str:
    if value is None or value == "None":
        return "—"
    if field.endswith("_amount"):  # money, by the house's naming (STYLE.md)
        return money(value) or str(value)
    return str(value)


def object_trail_url(obj) -> str:
    content_type = ContentType.objects.get_for_model(obj)
    return reverse("admin:platform_auditentry_object", args=[content_type.pk, obj.pk])


class ResourceTypeFilter(AuditlogResourceTypeFilter):
    """auditlog's filter by kind of object, named as the admin names them ("biến thể"),
    not by their Python model names ("variant")."""

    def lookups(self, request, model_admin):
        return sorted(
            (
                (pk, capfirst(model._meta.verbose_name) if model else name)
                for pk, name in super().lookups(request, model_admin)
                for model in [ContentType.objects.get_for_id(pk).model_class()]
            ),
            key=lambda choice: str(choice[1]),
        )


class AuditEntryAdmin(ReadOnlyModelAdmin):
    date_hierarchy = "timestamp"
    list_display = ("timestamp", "actor", "remote_addr", "subject", "action", "summary")
    list_select_related = ("content_type", "actor")
    list_filter = ("action", ResourceTypeFilter)
    search_fields = (
        "object_repr",
        "changes",
        "additional_data__event",
        "actor__username",
        "actor__first_name",
        "actor__last_name",
        "remote_addr",
    )
    fields = (
        "timestamp",
        "actor",
        "remote_addr",
        "subject",
        "action",
        "summary",
        "additional_data",
    )
    readonly_fields = fields

    @admin.display(description=_("object"))
    def subject(self, entry):
        model = entry.content_type.model_class()
        label = f"{model._meta.verbose_name if model else entry.content_type}: {entry.object_repr}"
        try:
            url = reverse(
                f"admin:{entry.content_type.app_label}_{entry.content_type.model}_change",
                args=[entry.object_pk],
            )
        except NoReverseMatch:  # no admin page for it: the label alone
            return label
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description=_("what"))
    def summary(self, entry):
        return audit_entry_summary(entry)

    def get_urls(self):
        return [
            path(
                "object/<int:content_type_id>/<path:object_pk>/",
                self.admin_site.admin_view(self.object_trail_view),
                name="platform_auditentry_object",
            ),
            *super().get_urls(),
        ]

    def object_trail_view(self, request, content_type_id, object_pk):
        """One object's trail, for staff who may open that object (its admin decides)."""
        user = request.user
        if not (
            user.has_perm("platform.view_auditentry")
            or user.has_perm("platform.read_trail_auditentry")
        ):
            raise PermissionDenied
        content_type = ContentType.objects.filter(pk=content_type_id).first()
        model = content_type.model_class() if content_type else None
        model_admin = self.admin_site._registry.get(model)
        if model_admin is None:
            raise Http404
        obj = model_admin.get_object(request, unquote(object_pk))
        if obj is None:  # another store's object does not exist for them
            raise Http404
        if not model_admin.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        entries = list(audit_entries_for(obj)[:OBJECT_TRAIL_LIMIT])
        for entry in entries:
            entry.summary = audit_entry_summary(entry)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Audit trail: %(object)s") % {"object": obj},
            "object": obj,
            "opts": model._meta,
            "entries": entries,
            "related": audit_related_links(obj),
            "limit": OBJECT_TRAIL_LIMIT,
        }
        return TemplateResponse(request, "admin/platform/auditentry/object_trail.html", context)


def audit_admin_register(site: admin.AdminSite) -> None:
    """Show the trail through our admin instead of auditlog's own screen."""
    from auditlog.models import LogEntry

    if site.is_registered(LogEntry):
        site.unregister(LogEntry)
    if not site.is_registered(AuditEntry):
        site.register(AuditEntry, AuditEntryAdmin)
