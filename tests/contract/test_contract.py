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
