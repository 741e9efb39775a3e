from django.urls import path

from inventory import store_finder, views

app_name = "catalog"

urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/", views.category_detail, name="category"),
    path("search/", views.search, name="search"),
    path("p/<slug:slug>/", views.product_detail, name="product"),
    path("stores/", store_finder.store_list, name="stores"),
]
