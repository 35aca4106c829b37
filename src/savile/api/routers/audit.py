from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from savile.api.access import read_audit, require
from savile.api.deps import CallerDep, StoreDep

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get("", operation_id="list_audit")
def list_audit(caller: CallerDep, store: StoreDep, subject: Annotated[str | None, Query(max_length=100)] = None,
               limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict[str, Any]]:
    """Who read or changed what, newest first (compliance)."""
    require(caller, "audit:read")
    return read_audit(store, subject, limit)
