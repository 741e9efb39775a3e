from django.apps import AppConfig


class PlatformConfig(AppConfig):
    """What every app leans on and no domain owns: health, job heartbeats, staff roles."""

    name = "config"
    label = "platform"
    verbose_name = "Platform"

    def ready(self):
        from django.contrib import admin

        from config.audit_admin import audit_admin_register
        from config.labels import translate_derived_labels

        # Model and field names derived from Python names, through gettext (config/labels.py).
        translate_derived_labels()

        # After admin.autodiscover (django.contrib.admin's ready runs first): the trail is
        # shown through config/audit_admin.py, not auditlog's own screen.
        audit_admin_register(admin.site)
        self._audit_register()

    def _audit_register(self):
        from django.contrib.auth import get_user_model

        from config.audit import audit_register

        # Roles are groups: who got or lost one, and staff or superuser status.
        audit_register(
            get_user_model(),
            fields=["is_staff", "is_superuser", "is_active"],
            m2m_fields=["groups"],
        )
