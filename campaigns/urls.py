from django.urls import include, path

from campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("m/o/<str:token>/", views.tracking_open, name="tracking-open"),
    path("m/c/<str:token>/", views.tracking_click, name="tracking-click"),
    path("m/webhooks/", include("campaigns.webhooks")),
]
