"""The FastAPI application factory: the one place the API picks its adapters."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from savile import __version__
from savile.api import problems
from savile.api.access import KeyChecker
from savile.api.http_metrics import HttpMetrics
from savile.api.routers import audit, catalogue, customers, decisions, events, health, inbox, preferences
from savile.api.routers import metrics as metrics_route
from savile.decide import DecisionService, load_policy
from savile.decide.catalogue import catalogue_folder
from savile.decide.editor import CatalogueEditor
from savile.react.runtime import RealTime
from savile.workspace import Workspace

def create_app(workspace: Workspace, worker: bool = False) -> FastAPI:
    """The HTTP API over ``workspace``'s stores, catalogue and policy. With ``worker`` the same
    process also processes events and sends messages (one machine, in-process queue)."""
    folder = catalogue_folder(workspace.path)
    service = DecisionService.open(workspace.store, folder, load_policy(workspace.path))
    realtime = RealTime.open(workspace, service)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = asyncio.create_task(realtime.run(stop)) if worker else None
        workspace.store.checkpoint_in_background()  # a server's commits should not pay for SQLite's log upkeep
        try:
            yield
        finally:
            workspace.store.stop_background_checkpoints()
            stop.set()
            if task is not None:
                await task
            if realtime.bus is not None:
                await realtime.bus.close()

    app = FastAPI(title="Savile", version=__version__, lifespan=lifespan,
                  description="Next best action for banks: events, decisions, customers, inbox, catalogue.")
    app.state.store = workspace.store
    app.state.decisions = service
    app.state.realtime = realtime
    app.state.keys = KeyChecker(workspace.store)
    app.state.catalogue_editor = CatalogueEditor(folder, service)
    problems.install(app)
    for router in (events.router, decisions.router, customers.router, inbox.router, preferences.router, catalogue.router,
                   audit.router, health.router, metrics_route.router):
        app.include_router(router)
    _count_requests(app)
    return app


def _count_requests(app: FastAPI) -> None:
    """Requests by route, method and status, and their latency. The registry is the app's own, so
    that tests can build many apps in one process."""
    app.state.http_metrics = registry = CollectorRegistry()
    app.add_middleware(HttpMetrics, registry=registry, excluded=["/v1/metrics"])
