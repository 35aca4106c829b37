"""Broker servers for the conformance suite: the local NATS (JetStream) and Redis these machines
run. Without a server the test skips on a laptop and fails under CI=true."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest

BROKERS = {
    "nats": os.environ.get("SAVILE_TEST_NATS_URL", "nats://127.0.0.1:4222"),
    "redis": os.environ.get("SAVILE_TEST_REDIS_URL", "redis://127.0.0.1:6379"),
}
if os.environ.get("SAVILE_TEST_KAFKA_URL"):  # no Kafka on these machines; set it to run the suite on a cluster
    BROKERS["kafka"] = os.environ["SAVILE_TEST_KAFKA_URL"]


def broker_url_or_skip(kind: str) -> str | None:
    if kind == "memory":
        return None
    url = BROKERS[kind]
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=3).close()
    except OSError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {kind} at {url} is unreachable ({error}); the broker suite must run in CI.")
        pytest.skip(f"no {kind} server at {url} ({error})")
    return url
