"""The FastAPI application factory: the one place the API picks its adapters."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from savile import __version__
from savile.api import problems
from savile.api.access import KeyChecker
from savile.api.routers import audit, catalogue, customers, decisions, health
from savile.decide import DecisionService, load_policy
from savile.decide.editor import CatalogueEditor
from savile.workspace import Workspace

CATALOGUE_FOLDER = "catalogue"


def create_app(workspace: Workspace) -> FastAPI:
    """The HTTP API over ``workspace``'s stores, catalogue and policy."""
    app = FastAPI(title="Savile", version=__version__, description="Next best action for banks: decisions, customers, catalogue.")
    folder = catalogue_folder(workspace.path)
    service = DecisionService.open(workspace.store, folder, load_policy(workspace.path))
    app.state.store = workspace.store
    app.state.decisions = service
    app.state.keys = KeyChecker(workspace.store)
    app.state.catalogue_editor = CatalogueEditor(folder, service)
    problems.install(app)
    for router in (decisions.router, customers.router, catalogue.router, audit.router, health.router):
        app.include_router(router)
    return app


def catalogue_folder(workspace: Path) -> Path:
    return workspace / CATALOGUE_FOLDER
