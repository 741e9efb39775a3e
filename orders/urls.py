from django.urls import path

from orders.offer_views import combo, order_pay
from orders.quote_views import account_quote_detail, account_quote_order, account_quotes
from orders.views import (
    account_orders,
    cart_add,
    cart_detail,
    cart_update,
    checkout,
    checkout_pay,
    order_status,
)

app_name = "shop"

urlpatterns = [
    path("cart/", cart_detail, name="cart"),
    path("cart/add/", cart_add, name="cart-add"),
    path("cart/update/", cart_update, name="cart-update"),
    path("checkout/", checkout, name="checkout"),
    path("checkout/pay/", checkout_pay, name="checkout-pay"),
    path("orders/pay/<str:token>/", order_pay, name="order-pay"),
    path("combo/<str:token>/", combo, name="combo"),
    path("orders/<str:token>/", order_status, name="order-status"),
    path("account/orders/", account_orders, name="account-orders"),
    path("account/quotes/", account_quotes, name="account-quotes"),
    path("account/quotes/<str:number>/", account_quote_detail, name="account-quote"),
    path("account/quotes/<str:number>/order/", account_quote_order, name="account-quote-order"),
]
