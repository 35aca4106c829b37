from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from savile.contract import TABLES, Consent, Kind, Transaction, columns_of, to_markdown

DOCS = Path(__file__).resolve().parents[2] / "docs" / "contract.md"


def test_contract_docs_are_generated_from_the_models() -> None:
    assert DOCS.read_text(encoding="utf-8") == to_markdown(), "docs/contract.md is stale: run `make docs`"


def test_contract_names_every_table_of_the_contract() -> None:
    assert list(TABLES) == ["products", "locations", "customers", "holdings", "transactions", "interactions", "consents", "communications"]
    assert all(columns_of(model) for model in TABLES.values())


def test_contract_kinds_drive_event_validation() -> None:
    assert {c.name: c.kind for c in columns_of(Transaction)}["amount"] is Kind.DECIMAL
    consent = Consent.model_validate({"source": "crm", "source_customer_id": "1", "purpose": "marketing", "granted": "TRUE",
                                      "recorded_at": "2026-01-01T00:00:00Z", "note": "kept"})
    assert consent.granted is True and consent.model_extra == {"note": "kept"}
    with pytest.raises(ValidationError):
        Consent.model_validate({"source": "crm", "source_customer_id": "1", "purpose": "m", "granted": "yes",
                                "recorded_at": "2026-01-01T00:00:00Z"})
    with pytest.raises(ValidationError):  # a timestamp without an offset is ambiguous
        Consent.model_validate({"source": "crm", "source_customer_id": "1", "purpose": "m", "granted": "1",
                                "recorded_at": "2026-01-01T00:00:00"})


def test_parse_event_reports_every_problem_at_once() -> None:
    from savile.contract import parse_event
    from savile.exceptions import ContractError

    with pytest.raises(ContractError) as caught:
        parse_event({"event_id": "e", "occurred_at": "yesterday", "channel": "web"})
    message = str(caught.value)
    assert "occurred_at:" in message and "event_type: Field required" in message
    with pytest.raises(ContractError, match="Unknown table 'nope'"):
        parse_event({"table": "nope"})
    consent = parse_event({"table": "consents", "source": "crm", "source_customer_id": "1", "purpose": "marketing",
                           "granted": "0", "recorded_at": "2026-01-01T00:00:00Z"})
    assert type(consent).__name__ == "Consent" and consent.granted is False
