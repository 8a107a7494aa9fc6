from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from caunoi.channels import services
from caunoi.core.access import public
from caunoi.core.errors import ApplicationError


@public
@csrf_exempt
@require_POST
def zalo_webhook(request: HttpRequest) -> JsonResponse:
    """POST /webhooks/zalo: verified by its signature, stored once, answered at once."""
    try:
        stored = services.zalo_webhook_receive(raw_body=request.body, headers=request.headers)
    except ApplicationError as exc:
        status = 400 if exc.status == 422 else exc.status
        return JsonResponse(
            {"type": "about:blank", "title": str(exc.title), "status": status, "detail": exc.message},
            status=status,
            content_type="application/problem+json",
            json_dumps_params={"ensure_ascii": False},
        )
    return JsonResponse({"received": True, "duplicate": stored is None})
