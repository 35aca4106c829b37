"""HTTP metrics: requests by route template, method and status class, and their latency."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry

from savile.api.http_metrics import HttpMetrics


def _app() -> tuple[TestClient, CollectorRegistry]:
    things = APIRouter(prefix="/v1/things")

    @things.get("/secret")
    async def secret() -> dict[str, str]:
        return {}

    @things.get("/{thing_id}")
    async def read(thing_id: str) -> dict[str, str]:
        return {"thing_id": thing_id}

    @things.post("/broken")
    async def broken() -> None:
        raise RuntimeError("a bug")

    app = FastAPI()
    app.include_router(things)
    registry = CollectorRegistry()
    app.add_middleware(HttpMetrics, registry=registry, excluded=["/v1/things/secret"])
    return TestClient(app, raise_server_exceptions=False), registry


def _count(registry: CollectorRegistry, handler: str, method: str, status: str) -> float:
    return registry.get_sample_value("savile_http_requests_total", {"handler": handler, "method": method, "status": status}) or 0.0


def test_requests_are_counted_by_route_template_never_by_the_path_they_named() -> None:
    client, registry = _app()
    for thing in ("a", "b", "c"):
        assert client.get(f"/v1/things/{thing}").status_code == 200
    assert _count(registry, "/v1/things/{thing_id}", "GET", "2xx") == 3
    assert registry.get_sample_value("savile_http_request_duration_seconds_count",
                                     {"handler": "/v1/things/{thing_id}", "method": "GET", "status": "2xx"}) == 3
    names = {s.labels.get("handler") for metric in registry.collect() for s in metric.samples}
    assert not {"/v1/things/a", "/v1/things/b", "/v1/things/c"} & names


def test_unrouted_paths_failures_and_excluded_routes() -> None:
    client, registry = _app()
    assert client.get("/v1/anything/that-a-caller-typed").status_code == 404
    assert _count(registry, "none", "GET", "4xx") == 1  # the caller's text is never a label
    assert client.delete("/v1/things/x").status_code == 405
    assert _count(registry, "/v1/things/{thing_id}", "DELETE", "4xx") == 1  # the route matched its path, not its method
    assert client.post("/v1/things/broken").status_code == 500
    assert _count(registry, "/v1/things/broken", "POST", "5xx") == 1
    before = _total(registry)
    assert client.get("/v1/things/secret").status_code == 200
    assert _total(registry) == before


def _total(registry: CollectorRegistry) -> float:
    return sum(s.value for metric in registry.collect() for s in metric.samples if s.name == "savile_http_requests_total")
