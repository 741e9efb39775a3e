from auditlog.models import LogEntry
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobHeartbeat(models.Model):
    """The last time a periodic job ran in a worker, so /healthz can show jobs are alive."""

    name = models.CharField(max_length=100, primary_key=True)
    last_run_at = models.DateTimeField()
    run_count = models.PositiveBigIntegerField(default=0)
    worker = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} @ {self.last_run_at:%Y-%m-%d %H:%M:%S}"


class AuditEntry(LogEntry):
    """The audit trail as staff read it (django-auditlog's ``LogEntry``; config/audit.py).

    A proxy, so the trail's permissions are the platform's: ``view_auditentry`` reads the
    whole trail (the owner's), ``read_trail_auditentry`` the trail of an object on its own
    page, for staff who may open that object (store managers: their stores' objects).
    """

    class Meta:
        proxy = True
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        permissions = [
            ("read_trail_auditentry", "Can read the audit trail on the pages of their objects"),
        ]
