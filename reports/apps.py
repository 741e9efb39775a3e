from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """The staff dashboard and reports: reads every app (the last in the import order),
    writes nothing; its figures come from ``orders``' daily rollups."""

    name = "reports"
    verbose_name = _("Reports")
