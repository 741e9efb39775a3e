from django.urls import path

from customers.views import opt_out

app_name = "customers"

urlpatterns = [
    path("opt-out/<str:token>/", opt_out, name="opt-out"),
]
