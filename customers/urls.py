from django.urls import path

from customers.views import ShopperLoginView, opt_out, product_viewed, signup, wishlist_toggle

app_name = "customers"

urlpatterns = [
    path("opt-out/<str:token>/", opt_out, name="opt-out"),
    path("account/signup/", signup, name="signup"),
    path("account/login/", ShopperLoginView.as_view(), name="login"),
    path("account/seen/<int:product_id>/", product_viewed, name="product-viewed"),
    path("account/wishlist/toggle/", wishlist_toggle, name="wishlist-toggle"),
]
