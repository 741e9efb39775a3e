from django.urls import path

from reports.views import dashboard_view

app_name = "reports"

urlpatterns = [
    path("", dashboard_view, name="dashboard"),
]
