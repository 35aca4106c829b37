from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from savile.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_cli_init_ingest_report_and_quarantine(tmp_path: Path, example_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAVILE_DATABASE_URL", raising=False)
    workspace = tmp_path / "ws"
    (example_folder / "holdings.csv").write_text(
        (example_folder / "holdings.csv").read_text() + "core,C-1001,ACC-X,NOPE,2020-01-01,,,GBP\n", encoding="utf-8")
    assert run("init", "--workspace", str(workspace))[0] == 0
    code, output = run("ingest", str(example_folder), "--report", str(tmp_path / "report.json"), "--workspace", str(workspace))
    assert code == 0, output
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["holdings"] == {**report["holdings"], "loaded": 2, "rejected": 1, "reasons": {"unknown_product": 1}}
    assert set(report) == {"products", "locations", "customers", "holdings", "transactions", "interactions", "consents", "communications"}
    code, output = run("quarantine", "list", "--json", "--workspace", str(workspace))
    rows = [json.loads(line) for line in output.splitlines()]
    assert [(r["table_name"], r["line"], r["reason"]) for r in rows] == [("holdings", 4, "unknown_product")]


def test_cli_without_a_workspace_says_how_to_make_one(tmp_path: Path) -> None:
    code, output = run("ingest", str(tmp_path), "--workspace", str(tmp_path / "none"))
    assert code == 2
    assert "Run 'savile init'" in output and "Traceback" not in output


def test_cli_writes_a_json_schema_per_table(tmp_path: Path) -> None:
    code, _ = run("contract", "schema", "--out", str(tmp_path))
    assert code == 0
    schemas = {p.name: json.loads(p.read_text()) for p in tmp_path.glob("*.schema.json")}
    assert len(schemas) == 8
    assert schemas["customers.schema.json"]["required"] == ["source", "source_customer_id", "updated_at"]


def test_cli_synth_rejects_bad_arguments_clearly(tmp_path: Path) -> None:
    code, output = run("synth", "--out", str(tmp_path), "--customers", "0")
    assert code == 2 and "--customers must be at least 1. Got 0 instead." in output


def test_cli_demo_runs_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAVILE_DATABASE_URL", raising=False)
    code, output = run("demo", "--workspace", str(tmp_path / "demo"), "--customers", "150", "--months", "3")
    assert code == 0, output
    assert "synthesise" in output and "ingest" in output and "resolve" in output and "train + recommend" in output
    assert (tmp_path / "demo" / "savile.db").exists() and (tmp_path / "demo" / "analytics.duckdb").exists()
