from rest_framework.permissions import BasePermission, DjangoModelPermissions


class IsStaff(BasePermission):
    """The default for staff endpoints: a logged-in, active staff user."""

    message = "This endpoint is for store staff; log in with a staff account."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_staff)


class StaffModelPermissions(DjangoModelPermissions):
    """Staff with the model's permission; reading needs the ``view`` permission too."""

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view):
        return IsStaff().has_permission(request, view) and super().has_permission(request, view)
