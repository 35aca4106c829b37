from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request, status

from savile.api.access import require
from savile.api.deps import CallerDep
from savile.events.intake import parse_batch

router = APIRouter(prefix="/v1/events", tags=["events"])


@router.post("", operation_id="create_events", status_code=status.HTTP_202_ACCEPTED)
async def create_events(request: Request, caller: CallerDep, body: Any = Body(...)) -> dict[str, int]:
    """One interaction object, or ``{"events": [...]}``. Answered once the events are stored (in the
    in-process queue or acknowledged by the broker); processed asynchronously. An event id seen
    before is accepted and ignored. A batch with an invalid event is refused whole (422, each
    problem named by index and field)."""
    require(caller, "events:create")
    realtime = request.app.state.realtime
    events = parse_batch(body, realtime.region)
    await realtime.publish(events)
    return {"accepted": len(events)}
