from django.db import models


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
