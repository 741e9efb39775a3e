from django.contrib.auth.views import LogoutView
from django.urls import path

from customers.views import (
    ShopperLoginView,
    account,
    account_address_delete,
    account_addresses,
    account_points,
    account_preferences,
    account_wishlist,
    address_wards,
    opt_out,
    product_viewed,
    review_new,
    review_signed,
    review_thanks,
    signup,
    verify_contact,
    wishlist_toggle,
)

app_name = "customers"

urlpatterns = [
    path("opt-out/<str:token>/", opt_out, name="opt-out"),
    path("account/", account, name="account"),
    path("account/signup/", signup, name="signup"),
    path("account/login/", ShopperLoginView.as_view(), name="login"),
    path("account/verify/", verify_contact, name="verify"),
    path("account/logout/", LogoutView.as_view(next_page="home"), name="logout"),
    path("account/points/", account_points, name="account-points"),
    path("account/wishlist/", account_wishlist, name="account-wishlist"),
    path("account/addresses/", account_addresses, name="account-addresses"),
    path(
        "account/addresses/<str:address_id>/delete/",
        account_address_delete,
        name="account-address-delete",
    ),
    path("addresses/wards/", address_wards, name="address-wards"),
    path("account/preferences/", account_preferences, name="account-preferences"),
    path("account/seen/<int:product_id>/", product_viewed, name="product-viewed"),
    path("account/wishlist/toggle/", wishlist_toggle, name="wishlist-toggle"),
    path("reviews/new/", review_new, name="review-new"),
    path("reviews/new/<str:token>/", review_signed, name="review-signed"),
    path("reviews/thanks/", review_thanks, name="review-thanks"),
]
