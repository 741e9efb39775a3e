"""Settings and URLs of the servers that ``bench/pos_sale.py`` and ``bench/store_pages.py``
start: the project's own settings and URLs, plus bench-only baselines that are never in the
project's URLs: ``POST /bench/bare/<stock level id>/``, a bare DRF view doing one stock
UPDATE, and ``GET /bench/hello/``, a static Django view behind the project's middleware.

Loaded with ``PYTHONPATH=<repo>:<repo>/bench DJANGO_SETTINGS_MODULE=bench_site``. The module
is both the settings module and ``ROOT_URLCONF``; the URLs are built on first use (module
``__getattr__``) because the settings are imported before the apps are ready.
"""

import sys

if __name__ == "__main__":
    # `make bench` runs every bench/*.py; this one is only a helper.
    print("bench_site.py: settings for the bench servers; nothing to measure here.")
    sys.exit(0)

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench_site"

_URL_NAMES = frozenset({"urlpatterns", "handler400", "handler403", "handler404", "handler500"})


def bare_view():
    """An APIView with nothing in front of it: no authentication, permission or throttle."""
    from django.db.models import F
    from rest_framework.permissions import AllowAny
    from rest_framework.response import Response
    from rest_framework.views import APIView

    from inventory.models import StockLevel

    class BareStockUpdate(APIView):
        authentication_classes = []
        permission_classes = [AllowAny]
        throttle_classes = []

        def post(self, request, pk):
            # One statement: a conditional decrement of one stock row.
            updated = StockLevel.objects.filter(pk=pk, on_hand__gt=0).update(
                on_hand=F("on_hand") - 1
            )
            return Response({"updated": updated}, status=200 if updated else 409)

    return BareStockUpdate.as_view()


def hello_view(request):
    """The least a page can cost: no query, no template, the same middleware."""
    from django.http import HttpResponse

    return HttpResponse(b"<!doctype html><title>hello</title><p>hello</p>")


def __getattr__(name):
    if name not in _URL_NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from django.urls import path

    from config import urls

    module = sys.modules[__name__]
    module.urlpatterns = [
        *urls.urlpatterns,
        path("bench/bare/<int:pk>/", bare_view(), name="bench-bare"),
        path("bench/hello/", hello_view, name="bench-hello"),
    ]
    for handler in _URL_NAMES - {"urlpatterns"}:
        if hasattr(urls, handler):
            setattr(module, handler, getattr(urls, handler))
    if name not in module.__dict__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return module.__dict__[name]
