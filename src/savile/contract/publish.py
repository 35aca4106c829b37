"""Publish the contract: a JSON Schema per table, and the Markdown reference in docs/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from savile.contract._columns import columns_of
from savile.contract.tables import TABLES, ContractRow

CONTRACT_VERSION = 1


def to_json_schema(model: type[ContractRow]) -> dict[str, Any]:
    """JSON Schema of one table's row (the shape of a streamed event, less ``table``)."""
    schema = model.model_json_schema()
    schema["title"] = model.table
    schema["description"] = model.summary
    schema["$id"] = f"https://savile.dev/contract/v{CONTRACT_VERSION}/{model.table}.json"
    schema["additionalProperties"] = True  # unknown columns are kept, never rejected
    schema["x-savile-key"] = list(model.key)
    for column in columns_of(model):
        schema["properties"][column.name]["x-savile-kind"] = column.kind.value
    return schema


def write_json_schemas(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for table, model in TABLES.items():
        path = out / f"{table}.schema.json"
        path.write_text(json.dumps(to_json_schema(model), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


def to_markdown() -> str:
    """``docs/contract.md``: generated, so a test can tell when it is stale."""
    lines = [
        f"# Bank data contract, version {CONTRACT_VERSION} (generated)",
        "",
        "Generated from `savile.contract` by `savile contract docs`; do not edit by hand.",
        "The prose rules (file names, CSV dialect, date and money formats) are in the contract's README.",
        "`savile contract schema --out DIR` writes the same tables as JSON Schema.",
        "",
    ]
    for table, model in TABLES.items():
        lines += [f"## {table}", "", model.summary, "", f"Key: `{', '.join(model.key)}`", ""]
        lines += ["| column | kind | required | meaning |", "|---|---|---|---|"]
        for column in columns_of(model):
            lines.append(f"| {column.name} | {column.kind.value} | {'yes' if column.required else ''} | {column.description} |")
        lines.append("")
    return "\n".join(lines)
