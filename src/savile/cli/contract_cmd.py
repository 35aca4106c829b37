from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from savile.cli._common import console
from savile.contract import to_markdown, write_json_schemas

app = typer.Typer(help="The bank data contract: JSON Schemas and reference docs.", no_args_is_help=True)


@app.command()
def schema(out: Annotated[Path, typer.Option(help="Folder for one <table>.schema.json per table.")]) -> None:
    """Write a JSON Schema per contract table."""
    for path in write_json_schemas(out):
        console.print(f"wrote {path}")


@app.command()
def docs(out: Annotated[Path, typer.Option(help="Markdown file to write.")] = Path("docs/contract.md")) -> None:
    """Write the generated contract reference (docs/contract.md)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(to_markdown(), encoding="utf-8")
    console.print(f"wrote {out}")
