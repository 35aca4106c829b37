"""``savile worker --once`` and ``savile events status`` on a workspace with queued events."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from savile.cli import app
from savile.cli._common import console
from savile.workspace import Workspace
from tests.react.helpers import event, open_bank

runner = CliRunner()


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_worker_once_processes_the_queue_and_status_counts_it(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console, "_width", 200)
    bank = open_bank(workspace)
    bank.send(event("page_view", page="cards", error_code="E1"), event("login"))
    waiting = runner.invoke(app, ["events", "status", "-w", str(workspace.path)])
    assert waiting.exit_code == 0 and "waiting" in waiting.output and "2" in waiting.output
    once = runner.invoke(app, ["worker", "--once", "-w", str(workspace.path)])
    assert once.exit_code == 0, once.output
    assert "2 events" in once.output and "sent 1" in once.output
    after = runner.invoke(app, ["events", "status", "-w", str(workspace.path)])
    assert "processed" in after.output and "in_app" in after.output and "sent" in after.output
