from django.urls import path

from orders.views import cart_add

app_name = "shop"

urlpatterns = [
    path("cart/add/", cart_add, name="cart-add"),
]
