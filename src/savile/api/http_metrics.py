"""HTTP requests and their latency, by route, method and status class, for Prometheus.

A pure ASGI middleware on prometheus-client. The route's template (``/v1/customers/{customer_id}``,
never a customer's id) is the one the router matched: Starlette and FastAPI leave it at
``scope["route"]`` once the request is routed. prometheus-fastapi-instrumentator, used before,
matched every request against the app's routes a second time and built a request, a response
and their headers to report it: 4 % of a decision's CPU through the app (docs/benchmarks.md).
The metric names and labels are the ones it wrote, so dashboards did not change.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10)  # from 1 ms: decisions take a few
UNROUTED = "none"  # a path no route matched: its text is the caller's, so it is not a label


class HttpMetrics:
    """Counts every HTTP request but those to ``excluded`` route templates."""

    def __init__(self, app: ASGIApp, registry: CollectorRegistry, namespace: str = "savile", excluded: Sequence[str] = ()) -> None:
        self.app = app
        self.excluded = frozenset(excluded)
        labels = ("handler", "method", "status")
        self.requests = Counter("http_requests_total", "Total number of requests by method, status and handler.", labels,
                                namespace=namespace, registry=registry)
        self.latency = Histogram("http_request_duration_seconds", "Latency with only few buckets by handler, method and status.",
                                 labels, namespace=namespace, buckets=LATENCY_BUCKETS, registry=registry)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers if the app raises before it starts a response

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            route = scope.get("route")
            handler = getattr(route, "path", None) or UNROUTED
            if handler not in self.excluded:
                labels = (handler, scope["method"], f"{str(status)[0]}xx")
                self.requests.labels(*labels).inc()
                self.latency.labels(*labels).observe(time.perf_counter() - started)
