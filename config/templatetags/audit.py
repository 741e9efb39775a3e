"""``{% audit_trail_url original %}``: the object's audit trail, for staff who may read it."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def audit_trail_url(context, obj) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if obj is None or getattr(obj, "pk", None) is None or user is None:
        return ""
    if not (
        user.has_perm("platform.view_auditentry") or user.has_perm("platform.read_trail_auditentry")
    ):
        return ""
    from config.audit_admin import object_trail_url

    return object_trail_url(obj)
