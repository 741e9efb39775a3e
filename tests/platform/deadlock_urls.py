"""Views that provoke a real deadlock on PostgreSQL, for tests/platform/test_retry.py.

Each request locks two job heartbeat rows in the order it is told (raw SQL), waiting at a
barrier between the two so that both requests hold their first row before asking for the
second: PostgreSQL then finds the circle and aborts one of them (DeadlockDetected).
"""

import threading

from django.db import connection, transaction
from django.http import JsonResponse
from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

barrier = threading.Barrier(2)


def _lock_in_order(first: str, second: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        sql = "SELECT name FROM platform_jobheartbeat WHERE name = %s FOR UPDATE"
        cursor.execute(sql, [first])
        barrier.wait(timeout=10)
        cursor.execute(sql, [second])


class LockTwoRowsApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    def post(self, request, first: str, second: str):
        _lock_in_order(first, second)
        return Response({"locked": [first, second]})


def lock_two_rows_page(request, first: str, second: str):
    _lock_in_order(first, second)
    return JsonResponse({"locked": [first, second]})


urlpatterns = [
    path("api/v1/test/lock/<str:first>/<str:second>/", LockTwoRowsApi.as_view()),
    path("test/lock/<str:first>/<str:second>/", lock_two_rows_page),
    path("", include("config.urls")),
]
