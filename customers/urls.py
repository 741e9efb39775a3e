from django.urls import path

from customers.views import ShopperLoginView, opt_out, signup

app_name = "customers"

urlpatterns = [
    path("opt-out/<str:token>/", opt_out, name="opt-out"),
    path("account/signup/", signup, name="signup"),
    path("account/login/", ShopperLoginView.as_view(), name="login"),
]
