from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from savile.cli._common import console, friendly_errors
from savile.synth import DEFAULT_END, synthesize


@friendly_errors
def synth(
    out: Annotated[Path, typer.Option(help="Folder to write the bank's files into (and truth/).")],
    customers: Annotated[int, typer.Option(help="How many people bank here.")] = 10_000,
    months: Annotated[int, typer.Option(help="Months of history.")] = 12,
    seed: Annotated[int, typer.Option(help="Same seed, same bank.")] = 42,
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
    end: Annotated[str, typer.Option(help="Last day of the data, YYYY-MM-DD.")] = DEFAULT_END.isoformat(),
) -> None:
    """Write a realistic synthetic bank in the contract, with its ground truth in truth/."""
    columns = (TextColumn("synthesising"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("people", total=customers)
        summary = synthesize(out, customers, months, seed, fmt, date.fromisoformat(end),
                             on_progress=lambda done: progress.update(task, completed=done))
    for table, rows in summary.rows.items():
        console.print(f"{table:<15} {rows:>12,} rows")
    console.print(f"Wrote {out} (truth in {out / 'truth'}).")
