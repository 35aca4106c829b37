from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn
from rich.table import Table

from savile.cli._common import WorkspaceOption, console, friendly_errors
from savile.ingest import IngestReport, Ingestor
from savile.store.tables import quarantine
from savile.workspace import Workspace, find_workspace

quarantine_app = typer.Typer(help="Rows rejected at ingest, with their reasons.", no_args_is_help=True)


@friendly_errors
def ingest(
    folder: Annotated[Path, typer.Argument(help="Folder with contract files (customers.csv, transactions.parquet, ...).")],
    report: Annotated[Path | None, typer.Option(help="Write the per-table report as JSON here.")] = None,
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Load a folder of contract files; bad rows go to the quarantine with their reasons."""
    with find_workspace(workspace) as opened:
        result = run_ingest(opened, folder)
    if report:
        report.write_text(json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8")
    print_report(result)


def run_ingest(workspace: Workspace, folder: Path, show_progress: bool = True) -> IngestReport:
    """Ingest with a progress bar per file (bytes read, so gzip and huge files show too)."""
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True, disable=not show_progress) as progress:

        def on_file(table: str, path: Path):  # type: ignore[no-untyped-def]
            task = progress.add_task(f"{table:<15} {path.name}", total=path.stat().st_size)
            return lambda done: progress.update(task, completed=done)

        ingestor = Ingestor(workspace.store, workspace.analytics, workspace.settings.default_region,
                            workspace.settings.ingest_batch_rows, on_file)
        return ingestor.ingest_folder(folder)


def print_report(result: IngestReport) -> None:
    table = Table(title=f"ingest run {result.run_id[:8]}", title_justify="left")
    for name in ("table", "loaded", "rejected", "new", "updated", "unchanged", "reasons"):
        table.add_column(name, justify="right" if name not in ("table", "reasons") else "left")
    for name, counts in result.tables.items():
        if not counts.files:
            continue
        reasons = ", ".join(f"{reason} {n}" for reason, n in sorted(counts.reasons.items()))
        table.add_row(name, f"{counts.loaded:,}", f"{counts.rejected:,}", f"{counts.changes.inserted:,}",
                      f"{counts.changes.updated:,}", f"{counts.changes.unchanged:,}", reasons)
    console.print(table)
    if result.ignored_files:
        console.print(f"[yellow]ignored[/] (not contract tables): {', '.join(result.ignored_files)}")
    if any(counts.rejected for counts in result.tables.values()):
        console.print("Rejected rows are in the quarantine: [bold]savile quarantine list[/]")


@quarantine_app.command("list")
@friendly_errors
def list_quarantine(
    table_name: Annotated[str | None, typer.Option("--table", help="Only this contract table.")] = None,
    reason: Annotated[str | None, typer.Option(help="Only this reason code, e.g. bad_date.")] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many rows.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line, for scripts.")] = False,
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Show quarantined rows: table, file, line, reason, column and what to fix."""
    query = sa.select(quarantine).order_by(quarantine.c.table_name, quarantine.c.source_file, quarantine.c.line).limit(limit)
    if table_name:
        query = query.where(quarantine.c.table_name == table_name)
    if reason:
        query = query.where(quarantine.c.reason == reason)
    with find_workspace(workspace) as opened, opened.store.begin() as connection:
        rows = connection.execute(query).mappings().all()
        total = connection.execute(sa.select(sa.func.count()).select_from(quarantine)).scalar_one()
    if as_json:
        for row in rows:
            typer.echo(json.dumps({k: v for k, v in row.items() if k not in ("row_digest",)}, default=str, ensure_ascii=False))
        return
    table = Table(title=f"quarantine: {len(rows)} of {total} rows", title_justify="left")
    for name in ("table", "file", "line", "reason", "column", "message"):
        table.add_column(name)
    for row in rows:
        table.add_row(row["table_name"], Path(row["source_file"]).name, str(row["line"]), row["reason"],
                      row["column_name"] or "", row["message"])
    console.print(table)
