"""``savile serve --workers 2``: two server processes answer, and the metrics either one serves
count the decisions both made."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from savile.api import create_key
from savile.workspace import init_workspace
from tests.decide.helpers import add_customer, add_products

DECISIONS = 12


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def decisions_counted(client: httpx.Client, key: str) -> float:
    text = client.get("/v1/metrics", headers={"Authorization": f"Bearer {key}"}).raise_for_status().text
    return sum(sample.value for family in text_string_to_metric_families(text) for sample in family.samples
               if sample.name == "savile_decisions_total")


def test_two_server_processes_share_their_metrics(tmp_path: Path) -> None:
    workspace = init_workspace(tmp_path / "ws")
    add_products(workspace.store)
    add_customer(workspace.store, "c1")
    channel, monitor = create_key(workspace.store, "channel", "app"), create_key(workspace.store, "monitor", "prometheus")
    workspace.close()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    server = subprocess.Popen([sys.executable, "-m", "savile", "serve", "-w", str(tmp_path / "ws"), "--port", str(port),
                               "--workers", "2", "--no-worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
                try:
                    client.get("/v1/health", headers={"Authorization": f"Bearer {monitor}"}).raise_for_status()
                    break
                except httpx.TransportError:
                    time.sleep(0.2)
            for _ in range(DECISIONS):
                # a fresh connection each time, so that both processes take some
                with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as one:
                    answer = one.post("/v1/decisions", json={"customer": {"customer_id": "c1"}, "channel": "mobile_app"},
                                      headers={"Authorization": f"Bearer {channel}"})
                    assert answer.status_code == 200, answer.text
            for _ in range(6):
                with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as one:
                    assert decisions_counted(one, monitor) == DECISIONS
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    assert server.returncode == 0 or server.returncode == -signal.SIGTERM
