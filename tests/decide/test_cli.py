"""The decision commands on the small synthetic bank (a private copy: decisions are append-only)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from savile.cli import app
from savile.cli._common import console
from savile.workspace import Workspace

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    if result.exit_code == 1 and result.exception:  # a crash, not a refusal: show it
        raise result.exception
    return result.exit_code, result.output


@pytest.fixture
def bank_copy(small_bank: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("SAVILE_DATABASE_URL", raising=False)
    monkeypatch.setattr(console, "_width", 250)  # tables wide enough to show whole ids
    target = tmp_path / "ws"
    target.mkdir()
    for path in small_bank.path.iterdir():  # databases with their write-ahead logs
        if path.name.startswith(("savile.db", "analytics.duckdb")):
            shutil.copy(path, target / path.name)
    (target / "savile.toml").write_text("[savile]\n", encoding="utf-8")
    return target


def test_outbound_run_follows_consent_and_the_contract_shape(bank_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "email.csv"
    code, output = run("decide", "--channel", "email", "--out", str(out), "--now", "2026-11-01T09:00:00Z", "--workspace", str(bank_copy))
    assert code == 0, output
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and list(rows[0]) == ["customer_id", "action_id", "product_code", "score"]
    assert len({r["customer_id"] for r in rows}) == len(rows)  # one action per customer
    from savile.decide import DecisionService, load_policy
    from savile.decide.state import load_states
    from savile.store import SqlStore

    store = SqlStore(f"sqlite:///{bank_copy / 'savile.db'}")
    service = DecisionService.open(store, None, load_policy(None))
    with store.begin() as connection:
        states = load_states(connection, [r["customer_id"] for r in rows])
    for row in rows:
        item = service.catalogue.by_id[row["action_id"]]
        if item.is_marketing:
            assert states[row["customer_id"]].granted("marketing", "email"), row
        assert (row["product_code"] or None) == item.action.product_code
    store.dispose()
    code, output = run("decide", "--channel", "pigeon", "--out", str(out), "--workspace", str(bank_copy))
    assert code == 2 and "--channel must be one of" in output


def test_catalogue_check_lists_problems_and_apikeys_round_trip(bank_copy: Path) -> None:
    code, output = run("catalogue", "check", "--workspace", str(bank_copy))
    assert code == 0 and "support_money_worries" in output
    assert run("catalogue", "export", "--workspace", str(bank_copy))[0] == 0
    (bank_copy / "catalogue" / "broken.yaml").write_text("id: broken\nkind: offer\nproduct_code: NOPE\ncontent: {en: {body: x}}\n")
    code, output = run("catalogue", "check", "--workspace", str(bank_copy))
    assert code == 2 and "broken.yaml" in output and "product_code" in output
    code, output = run("apikey", "create", "--role", "channel", "--name", "app", "--workspace", str(bank_copy))
    assert code == 0 and output.strip().startswith("sav_")
    key_id = output.strip().split("_")[1]
    code, output = run("apikey", "list", "--workspace", str(bank_copy))
    assert key_id in output and "sav_" not in output  # secrets are never listed
    assert run("apikey", "revoke", key_id, "--workspace", str(bank_copy))[0] == 0
    assert run("apikey", "create", "--role", "root", "--name", "x", "--workspace", str(bank_copy))[0] == 2


def test_a_decline_ingested_in_batch_suppresses_the_action_after_refresh(bank_copy: Path, tmp_path: Path) -> None:
    from datetime import datetime, timezone

    from savile.decide import DecisionRequest, DecisionService, load_policy, load_states
    from savile.decide.steps import Facts, suppression
    from savile.store import DuckDBAnalyticalStore, SqlStore

    store = SqlStore(f"sqlite:///{bank_copy / 'savile.db'}")
    analytics = DuckDBAnalyticalStore(bank_copy / "analytics.duckdb")
    customer_id, source, source_id = analytics.run("SELECT customer_id, source, source_customer_id FROM customer_map ORDER BY 1 LIMIT 1")[0]
    for event_id in ("resp-1", "resp-1"):  # sent twice: one contact
        analytics.run(f"""INSERT INTO interactions (event_id, occurred_at, channel, event_type, source, source_customer_id, properties)
                          SELECT '{event_id}', TIMESTAMPTZ '2026-10-30 10:00:00+00', 'sms', 'offer_decline', '{source}', '{source_id}',
                                 '{{"action_id": "support_money_worries"}}'
                          WHERE NOT EXISTS (SELECT 1 FROM interactions WHERE event_id = '{event_id}')""")
    analytics.close()
    assert run("refresh", "--as-of", "2026-10-31", "--workspace", str(bank_copy))[0] == 0
    assert run("refresh", "--as-of", "2026-10-31", "--workspace", str(bank_copy))[0] == 0  # idempotent
    with store.begin() as connection:
        assert connection.exec_driver_sql("SELECT kind, marketing FROM contacts WHERE event_id = 'resp-1'").all() == [("decline", 0)]
        state = load_states(connection, [customer_id])[customer_id]
    service = DecisionService.open(store, None, load_policy(None))
    request = DecisionRequest(customer_id, "email", datetime(2026, 11, 1, tzinfo=timezone.utc))
    facts = Facts.of(state, request, service.catalogue, service.policy)
    verdict = suppression(service.catalogue.by_id["support_money_worries"], state, request, service.policy, facts)
    assert verdict is not None and verdict[0] == "declined_recently" and "sms" in verdict[1]
    store.dispose()


def test_train_registers_both_models_and_refresh_raises_their_flags(bank_copy: Path) -> None:
    import sqlalchemy as sa

    from savile.store import SqlStore
    from savile.store.tables import feature_snapshots

    code, output = run("train", "--as-of", "2026-10-31", "--workspace", str(bank_copy))
    assert code == 0, output
    assert "MAP@3" in output and "attrition model" in output and "AUC" in output
    assert len(list((bank_copy / "models" / "attrition").glob("*/meta.json"))) == 1
    code, output = run("value", "--as-of", "2026-10-31", "--workspace", str(bank_copy))
    assert code == 0 and "highest risk of falling below half" in output, output
    assert run("refresh", "--as-of", "2026-10-31", "--workspace", str(bank_copy))[0] == 0
    store = SqlStore(f"sqlite:///{bank_copy / 'savile.db'}")
    with store.begin() as connection:
        flags = [f for (f,) in connection.execute(sa.select(feature_snapshots.c.flags)) if f]
    store.dispose()
    risky = [f for f in flags if f.get("attrition_risk")]
    assert risky and all(f["attrition_risk_score"] > 0 for f in risky) and len(risky) < len(flags)
    alike = [f for f in flags if f.get("high_value_lookalike")]
    assert all(f["lookalike_resemblance"] >= 0.5 for f in alike)
