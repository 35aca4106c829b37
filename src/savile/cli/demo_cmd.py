from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from savile.cli._common import console, friendly_errors
import sqlalchemy as sa

from savile.cli.identity_cmd import run_resolve
from savile.cli.models_cmd import registry, run_train
from savile.features import FeatureBuilder
from savile.models import load_model, recommend
from savile.cli.ingest_cmd import print_report, run_ingest
from savile.store.tables import customers as golden_customers
from savile.synth import synthesize
from savile.workspace import Workspace, init_workspace


@friendly_errors
def demo(
    workspace: Annotated[Path, typer.Option("--workspace", "-w", help="Fresh folder for the demo workspace.")] = Path("savile-demo"),
    customers: Annotated[int, typer.Option(help="People in the synthetic bank.")] = 5_000,
    months: Annotated[int, typer.Option(help="Months of history.")] = 12,
    seed: Annotated[int, typer.Option(help="Same seed, same bank.")] = 42,
) -> None:
    """Synthesise a bank, ingest it and run every stage Savile has, on embedded storage."""
    if workspace.exists():
        shutil.rmtree(workspace)  # the demo always starts fresh
    timings: list[tuple[str, float, str]] = []
    started = time.perf_counter()
    with console.status("synthesising the bank..."):
        summary = synthesize(workspace / "bank", customers, months, seed)
    timings.append(("synthesise", time.perf_counter() - started, f"{customers:,} people, {sum(summary.rows.values()):,} rows"))
    started = time.perf_counter()
    with init_workspace(workspace) as opened:
        report = run_ingest(opened, workspace / "bank")
        loaded = sum(t.loaded for t in report.tables.values())
        rejected = sum(t.rejected for t in report.tables.values())
        timings.append(("ingest", time.perf_counter() - started, f"{loaded:,} rows loaded, {rejected:,} quarantined"))
        started = time.perf_counter()
        resolved = run_resolve(opened)
        timings.append(("resolve", time.perf_counter() - started,
                        f"{resolved.records:,} records → {resolved.customers:,} golden customers"))
        example = _a_customer_seen_in_several_sources(opened)
        started = time.perf_counter()
        meta = run_train(opened, summary.end)
        builder = FeatureBuilder(opened.store, opened.analytics)
        model, meta = load_model(registry(opened), summary.end)
        recommendations = recommend(builder, model, meta, summary.end, k=3, explain=3)
        timings.append(("train + recommend", time.perf_counter() - started,
                        f"{len(builder.catalogue())} features, MAP@3 {meta['metrics']['map@3']:.3f} "
                        f"(popularity {meta['metrics']['popularity_map@3']:.3f}), {len(recommendations):,} recommendations"))
    print_report(report)
    table = Table(title="Savile demo", title_justify="left")
    for column in ("stage", "seconds", "what it did"):
        table.add_column(column, justify="right" if column == "seconds" else "left")
    for stage, seconds, what in timings:
        table.add_row(stage, f"{seconds:.1f}", what)
    console.print(table)
    console.print(f"Workspace: [bold]{workspace}[/]. Try: savile quarantine list -w {workspace}", soft_wrap=True)
    if example:
        console.print(f"One person seen in several systems: savile customer show {example} -w {workspace}", soft_wrap=True)
    _show_recommendations(recommendations)


def _show_recommendations(rows: list[dict]) -> None:  # type: ignore[type-arg]
    table = Table(title="next best products for a few customers, with the features behind them", title_justify="left")
    for column in ("customer", "rank", "product", "score", "why"):
        table.add_column(column)
    customers = sorted({row["customer_id"] for row in rows})[:3]
    for row in rows:
        if row["customer_id"] in customers:
            table.add_row(row["customer_id"], str(row["rank"]), row["product_code"], f"{row['score']:.3f}", row.get("reasons", ""))
    console.print(table)


def _a_customer_seen_in_several_sources(workspace: Workspace) -> str | None:
    with workspace.store.begin() as connection:
        return connection.execute(sa.select(golden_customers.c.customer_id).where(golden_customers.c.record_count >= 4)
                                  .order_by(golden_customers.c.customer_id).limit(1)).scalar()
