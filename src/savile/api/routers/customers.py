from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from savile.api.access import audit, may_read_customer
from savile.api.deps import CallerDep, StoreDep
from savile.decide.profile_view import customer_profile
from savile.exceptions import ForbiddenError

router = APIRouter(prefix="/v1/customers", tags=["customers"])


@router.get("/{customer_id}", operation_id="get_customer")
def get_customer(customer_id: str, caller: CallerDep, store: StoreDep) -> dict[str, Any]:
    """The golden record with lineage, holdings, consents, segment, scores and flags."""
    try:
        may_read_customer(caller, customer_id)
    except ForbiddenError:
        audit(store, caller, "customer.read", customer_id, "denied")
        raise
    profile = customer_profile(store, customer_id)
    audit(store, caller, "customer.read", customer_id)
    return profile
