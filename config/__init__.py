"""Project configuration: settings, URLs, the Celery app and the platform pieces every app uses."""

from config.celery import app as celery_app

__all__ = ["celery_app"]
