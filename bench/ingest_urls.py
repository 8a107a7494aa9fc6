"""The product's URLs plus ``POST /bench/insert``: the baseline of bench/webhook_ingest.py.

The baseline goes through the same middleware and answers the same kind of JSON as the webhook, but
does only one thing: insert the request body as one row into a bare table the bench created.
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from caunoi.core.access import public
from caunoi.urls import urlpatterns as product_urlpatterns

BASELINE_TABLE = "bench_ingest_baseline"


@public
@csrf_exempt
@require_POST
def bench_insert(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {BASELINE_TABLE} (body) VALUES (%s)",
            [request.body.decode("utf-8", "replace")],
        )
    return JsonResponse({"received": True})


urlpatterns = [path("bench/insert", bench_insert, name="bench_insert"), *product_urlpatterns]
