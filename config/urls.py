from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.health import healthz, readyz
from customers.forms import StaffLoginForm
from inventory.views import home as store_home

admin.site.site_header = "Tiệm"
admin.site.site_title = "Tiệm"
# Staff log-ins are throttled like the shoppers' (per username and IP, and per IP).
admin.site.login_form = StaffLoginForm
# The admin home opens on the way to the sales dashboard (reports app) for those who see it.
admin.site.index_template = "admin/reports/index.html"

api_v1 = [
    path("", include("inventory.api.urls")),
    path("", include("customers.api.urls")),
    path("", include("orders.api.urls")),
    path("", include("orders.marketplaces.urls")),
    path("", include("campaigns.api.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("admin/reports/", include("reports.urls")),
    path("admin/orders/phone-order/", include("orders.admin.phone_orders")),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", include((api_v1, "v1"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("customers.urls")),
    path("", include("orders.urls")),
    path("", include("inventory.urls")),
    path("", include("campaigns.urls")),
    # "home" is the store front (catalog:home); redirects across the project use this name.
    path("", store_home, name="home"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "config.views.bad_request"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
