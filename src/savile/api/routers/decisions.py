from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

import orjson
from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from savile.api.access import audit, require
from savile.api.deps import CallerDep, ServiceDep
from savile.api.schemas import DecisionCreate, DecisionPublic
from savile.decide import DecisionRequest, DecisionService, resolve_customer
from savile.exceptions import ForbiddenError, NotFoundError

router = APIRouter(prefix="/v1/decisions", tags=["decisions"])


# ``async`` with the database work sent to the thread pool once: a plain ``def`` route costs a
# second hop, since FastAPI then also validates its answer in the pool (the hot path's overhead).
# The answer is encoded here, not validated against ``DecisionPublic`` and encoded by FastAPI:
# ``Decision.public`` builds exactly that shape (the API tests validate it), and the second
# pass cost 5 % of a decision's CPU through the app (docs/benchmarks.md).
@router.post("", operation_id="create_decision", response_model=DecisionPublic)
async def create_decision(body: DecisionCreate, caller: CallerDep, decisions: ServiceDep) -> Response:
    """The next best actions for one customer on one channel, each with its reasons and content."""
    require(caller, "decisions:create")
    decided = await run_in_threadpool(_decide, body, caller.key_id, decisions)
    return Response(orjson.dumps(decided), media_type="application/json")


def _decide(body: DecisionCreate, actor: str, decisions: DecisionService) -> dict[str, Any]:
    # A golden id is tried as it is (one read fewer on the hot path) and followed through a
    # steward's merges only when it names no active customer.
    reference = body.customer
    customer_id = reference.customer_id or resolve_customer(decisions.store, **reference.model_dump())
    request = DecisionRequest(customer_id, body.channel, datetime.now(timezone.utc), body.placement, body.context, body.limit, body.seed)
    try:
        return decisions.decide(request, actor=actor).public()
    except NotFoundError:
        resolved = resolve_customer(decisions.store, customer_id=customer_id)
        if resolved == customer_id:
            raise
    return decisions.decide(replace(request, customer_id=resolved), actor=actor).public()


@router.get("/{decision_id}", operation_id="get_decision")
def get_decision(decision_id: str, caller: CallerDep, decisions: ServiceDep) -> dict[str, Any]:
    """The full trace: every candidate with the step and reason that kept or dropped it, scores, model versions."""
    if not caller.may("decisions:read"):
        require(caller, "decisions:read_own")
    trace = decisions.trace(decision_id)
    if not caller.may("decisions:read") and trace["actor"] != caller.key_id:
        audit(decisions.store, caller, "decision.read", decision_id, "denied")
        raise ForbiddenError("A channel key may read only the decisions it asked for.")
    audit(decisions.store, caller, "decision.read", decision_id)
    return trace
