from django.apps import AppConfig


class PlatformConfig(AppConfig):
    """What every app leans on and no domain owns: health, job heartbeats, staff roles."""

    name = "config"
    label = "platform"
    verbose_name = "Platform"
