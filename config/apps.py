from django.apps import AppConfig


class PlatformConfig(AppConfig):
    """What every app leans on and no domain owns: health, job heartbeats, staff roles."""

    name = "config"
    label = "platform"
    verbose_name = "Platform"

    def ready(self):
        from config.labels import translate_derived_labels

        # Model and field names derived from Python names, through gettext (config/labels.py).
        translate_derived_labels()
