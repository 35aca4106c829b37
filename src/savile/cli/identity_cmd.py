from __future__ import annotations

import getpass
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from savile.cli._common import WorkspaceOption, console, friendly_errors
from savile.exceptions import ContractError
from savile.identity.crosswalk import export_identities
from savile.identity.steward import merge_customers, split_record
from savile.identity.view import customer_view
from savile.workspace import Workspace, find_workspace

if TYPE_CHECKING:
    from savile.identity.resolve import ResolveSummary

export_app = typer.Typer(help="Export results in the command-line contract's shapes.", no_args_is_help=True)
customer_app = typer.Typer(help="Look at one golden customer; merge or split as a data steward.", no_args_is_help=True)


@friendly_errors
def resolve_command(workspace: WorkspaceOption = Path(".")) -> None:
    """Build or refresh golden records from every customer record loaded."""
    with find_workspace(workspace) as opened:
        started = time.perf_counter()
        summary = run_resolve(opened)
    console.print(f"Resolved {summary.records:,} records into {summary.customers:,} customers in "
                  f"{time.perf_counter() - started:.1f}s: {summary.created:,} new, {summary.joined:,} grew, "
                  f"{summary.merged:,} merged, {summary.split:,} split.")


def run_resolve(workspace: Workspace) -> ResolveSummary:
    from savile.identity.linkage import LinkageBackend  # here: Splink loads only to resolve
    from savile.identity.resolve import resolve

    with console.status("resolving identities (record linkage)..."):
        settings = workspace.settings
        backend = LinkageBackend(settings.linkage_backend, settings.spark_master, settings.spark_checkpoint_dir)
        return resolve(workspace.store, workspace.analytics, settings.source_trust, backend=backend)


@export_app.command("identities")
@friendly_errors
def export_identities_command(
    out: Annotated[Path, typer.Option(help="CSV file: source,source_customer_id,customer_id.")],
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Every customer record and the golden customer it belongs to."""
    with find_workspace(workspace) as opened:
        count = export_identities(opened.store, out)
    console.print(f"Wrote {count:,} records to {out}.")


@customer_app.command("show")
@friendly_errors
def show(
    customer_id: Annotated[str, typer.Argument(help="Golden customer id.")],
    as_json: Annotated[bool, typer.Option("--json", help="The whole view as JSON.")] = False,
    workspace: WorkspaceOption = Path("."),
) -> None:
    """The golden record with lineage, linked records, match evidence, holdings, consents, history."""
    with find_workspace(workspace) as opened:
        view = customer_view(opened.store, customer_id)
    if as_json or view.get("status") == "merged":
        typer.echo(json.dumps(view, default=str, ensure_ascii=False, indent=2))
        return
    golden = Table(title=f"customer {customer_id}", title_justify="left")
    for column in ("attribute", "value", "from"):
        golden.add_column(column)
    for attribute, origin in view["lineage"].items():
        golden.add_row(attribute, str(view[attribute]), f"{origin['source']}:{origin['source_customer_id']}")
    console.print(golden)
    records = Table(title="linked records and evidence", title_justify="left")
    for column in ("record", "name", "method", "probability", "evidence"):
        records.add_column(column)
    for record in view["records"]:
        evidence = record["evidence"] or {}
        records.add_row(f"{record['source']}:{record['source_customer_id']}", f"{record['first_name'] or ''} {record['last_name'] or ''}",
                        record["method"], f"{record['probability']:.3f}", str(evidence.get("detail") or ""))
    console.print(records)
    console.print(f"{len(view['holdings'])} holdings, {len(view['consents'])} consents in force, {len(view['history'])} history events "
                  f"(--json for all).")


@customer_app.command("merge")
@friendly_errors
def merge(
    keep: Annotated[str, typer.Argument(help="Customer id that stays.")],
    other: Annotated[str, typer.Argument(help="Customer id merged into it.")],
    reason: Annotated[str, typer.Option(help="Why: kept in the audit trail.")] = "",
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Merge two golden customers; later resolves keep them together."""
    with find_workspace(workspace) as opened:
        merge_customers(opened.store, keep, other, reason, getpass.getuser(), opened.settings.source_trust)
    console.print(f"Merged {other} into {keep}.")


@customer_app.command("split")
@friendly_errors
def split(
    customer_id: Annotated[str, typer.Argument(help="Customer id holding the record.")],
    record: Annotated[str, typer.Option(help="The record to split out, as SOURCE:SOURCE_CUSTOMER_ID.")],
    reason: Annotated[str, typer.Option(help="Why: kept in the audit trail.")] = "",
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Split one source record out into a new customer; later resolves keep it apart."""
    source, _, source_id = record.partition(":")
    if not source or not source_id:
        raise ContractError(f"--record must be SOURCE:SOURCE_CUSTOMER_ID, such as crm:8812. Got {record!r} instead.")
    with find_workspace(workspace) as opened:
        new_id = split_record(opened.store, customer_id, (source, source_id), reason, getpass.getuser(), opened.settings.source_trust)
    console.print(f"Split {record} out of {customer_id} into {new_id}.")
