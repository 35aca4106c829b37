from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from savile.api.access import audit, require
from savile.api.deps import CallerDep, ServiceDep
from savile.api.schemas import CatalogueCheck, CatalogueCheckPublic
from savile.decide import load_products, parse_actions
from savile.exceptions import NotFoundError

router = APIRouter(prefix="/v1/actions", tags=["catalogue"])


@router.get("", operation_id="list_actions")
def list_actions(caller: CallerDep, decisions: ServiceDep) -> dict[str, Any]:
    require(caller, "catalogue:read")
    catalogue = decisions.catalogue
    return {"version": catalogue.version, "origin": "default" if catalogue.origin == "default" else "workspace",
            "actions": [a.action.model_dump(mode="json", by_alias=True, exclude_none=True) for a in catalogue.actions]}


@router.get("/{action_id}", operation_id="get_action")
def get_action(action_id: str, caller: CallerDep, decisions: ServiceDep) -> dict[str, Any]:
    require(caller, "catalogue:read")
    if action_id not in decisions.catalogue.by_id:
        raise NotFoundError(f"No action {action_id}. GET /v1/actions lists them.")
    return decisions.catalogue.by_id[action_id].action.model_dump(mode="json", by_alias=True, exclude_none=True)


@router.post("/check", operation_id="check_actions", response_model=CatalogueCheckPublic)
def check_actions(body: CatalogueCheck, caller: CallerDep, decisions: ServiceDep) -> dict[str, Any]:
    """Validate action definitions without applying them; every problem at once."""
    require(caller, "catalogue:read")
    _, problems = parse_actions([("request", raw) for raw in body.actions], load_products(decisions.store))
    return {"valid": not problems, "problems": [vars(p) for p in problems]}


@router.put("/{action_id}", operation_id="put_action")
def put_action(action_id: str, body: dict[str, Any], caller: CallerDep, request: Request) -> dict[str, Any]:
    """Add or replace one action in the workspace catalogue (validated with the rest first)."""
    require(caller, "catalogue:write")
    editor = request.app.state.catalogue_editor
    catalogue = editor.put(action_id, body)
    audit(editor.store, caller, "catalogue.update", action_id, detail={"version": catalogue.version})
    return {"version": catalogue.version, "action": catalogue.by_id[action_id].action.model_dump(mode="json", by_alias=True, exclude_none=True)}
