from __future__ import annotations

from fastapi import APIRouter, Request, Response

from savile.api.access import require
from savile.api.deps import CallerDep
from savile.metrics import exposition

router = APIRouter(prefix="/v1", tags=["metrics"])


@router.get("/metrics", operation_id="get_metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}})
def get_metrics(request: Request, caller: CallerDep) -> Response:
    """Counters for Prometheus: requests and their latency, decisions by channel, actions chosen,
    candidates dropped by reason, events, triggers and deliveries. Scrape it with a key of the
    ``monitor`` role (Prometheus: ``authorization: {credentials: sav_...}``)."""
    require(caller, "metrics:read")
    body, content_type = exposition(request.app.state.http_metrics)
    return Response(body, media_type=content_type)
