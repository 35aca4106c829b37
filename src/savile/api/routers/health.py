from __future__ import annotations

from fastapi import APIRouter

from savile.api.deps import CallerDep

router = APIRouter(prefix="/v1", tags=["health"])


@router.get("/health", operation_id="health")
def health(caller: CallerDep) -> dict[str, str]:
    """Whether the API answers; like every endpoint, it needs a key (any role)."""
    return {"status": "ok", "role": caller.role}
