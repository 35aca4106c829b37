from __future__ import annotations

import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from savile.cli._common import console, friendly_errors
from savile.cli.identity_cmd import run_resolve
from savile.cli.ingest_cmd import print_report, run_ingest
from savile.cli.models_cmd import registry, run_train
from savile.store.tables import customers as golden_customers
from savile.workspace import Workspace, init_workspace


REPLAYED = 3_000  # events the demo replays through the worker


@friendly_errors
def demo(
    workspace: Annotated[Path, typer.Option("--workspace", "-w", help="Fresh folder for the demo workspace.")] = Path("savile-demo"),
    customers: Annotated[int, typer.Option(help="People in the synthetic bank.")] = 5_000,
    months: Annotated[int, typer.Option(help="Months of history.")] = 12,
    seed: Annotated[int, typer.Option(help="Same seed, same bank.")] = 42,
) -> None:
    """Synthesise a bank, ingest it and run every stage Savile has, on embedded storage."""
    from savile.features import FeatureBuilder  # here: `savile --help` need not load the models
    from savile.models import load_model, recommend
    from savile.synth import synthesize

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
        _, attrition = run_train(opened, summary.end)
        builder = FeatureBuilder(opened.store, opened.analytics)
        model, meta = load_model(registry(opened), summary.end)
        recommendations = recommend(builder, model, meta, summary.end, k=3, explain=3)
        timings.append(("train + recommend", time.perf_counter() - started,
                        f"{len(builder.catalogue())} features, MAP@3 {meta['metrics']['map@3']:.3f} "
                        f"(popularity {meta['metrics']['popularity_map@3']:.3f}), {len(recommendations):,} recommendations; "
                        f"attrition AUC {attrition['metrics'].get('auc', float('nan')):.3f}"))
        started = time.perf_counter()
        decisions, outbound = _decide(opened, summary.end, workspace)
        timings.append(("refresh + decide", time.perf_counter() - started,
                        f"profiles as of {summary.end}; outbound email run: {sum(outbound.values()):,} actions"))
        started = time.perf_counter()
        replayed = _replay(opened)
        timings.append(("real time", time.perf_counter() - started,
                        f"{replayed.events:,} events replayed through the worker → {sum(replayed.sent.values()):,} messages"))
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
    _show_decisions(decisions, outbound)
    _show_replay(replayed, workspace)


def _replay(workspace: Workspace):  # type: ignore[no-untyped-def]
    """The bank's newest app and web events through the worker, on a clock that follows them."""
    from savile.react.replay import ReplayClock, recent_events, replay
    from savile.react.runtime import RealTime

    events = recent_events(workspace.analytics, REPLAYED)
    clock = ReplayClock()
    realtime = RealTime.open(workspace, clock=clock)
    with Progress(TextColumn("replaying events"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task("events", total=len(events))
        summary = replay(realtime, clock, events, progress=lambda done, total: bar.update(task, completed=done))
    return summary


def _show_replay(summary, workspace: Path) -> None:  # type: ignore[no-untyped-def]
    table = Table(title=f"Real time: {summary.events:,} events from {summary.start:%Y-%m-%d %H:%M} to {summary.end:%Y-%m-%d %H:%M}",
                  title_justify="left")
    for column in ("trigger", "channel", "status", "messages"):
        table.add_column(column, justify="right" if column == "messages" else "left")
    for (trigger, channel, status), count in sorted(summary.sent.items(), key=lambda item: (item[0][0] or "", -item[1])):
        table.add_row(trigger or "-", channel, status, f"{count:,}")
    console.print(table)
    for row in summary.examples:
        content = row["content"]
        console.print(f"[bold]{row['trigger_id']}[/] → {row['customer_id']} on {row['channel']} ({row['status']}"
                      f"{': ' + row['last_error'] if row['last_error'] else ''}): {escape(content.get('subject') or '')} — "
                      f"{escape((content.get('text') or '')[:120])}", soft_wrap=True, highlight=False)
    console.print(f"Why each was chosen: GET /v1/decisions/{{decision_id}} (savile serve -w {workspace}); "
                  f"emails written to {workspace}/outbox/email/", soft_wrap=True)


def _decide(workspace: Workspace, as_of, folder: Path):  # type: ignore[no-untyped-def]
    """Profiles as of the data's last day, three online decisions and an outbound email run.
    Nothing is left running: the API is not started (savile serve does that)."""
    from collections import Counter
    from datetime import datetime, timezone

    from savile.cli.decide_cmd import decision_service, refresh
    from savile.decide import DecisionRequest
    from savile.store.tables import feature_snapshots

    refresh(workspace, as_of)
    service = decision_service(workspace)
    now = datetime.now(timezone.utc)
    with workspace.store.begin() as connection:
        rows = connection.execute(sa.select(feature_snapshots.c.customer_id, feature_snapshots.c.flags)
                                  .join(golden_customers, golden_customers.c.customer_id == feature_snapshots.c.customer_id)
                                  .where(golden_customers.c.language == "fa").limit(200)).all()
        plain = connection.execute(sa.select(feature_snapshots.c.customer_id).order_by(feature_snapshots.c.customer_id).limit(1)).scalar()
        troubled = connection.execute(sa.select(feature_snapshots.c.customer_id, feature_snapshots.c.flags).limit(5000)).all()
    picks = [plain] + [r[0] for r in rows[:1]] + [r[0] for r in troubled if (r[1] or {}).get("financial_difficulty")][:1]
    decisions = [service.decide(DecisionRequest(customer_id, "mobile_app", now, limit=2, seed=1), actor="demo") for customer_id in picks]
    out = folder / "outbound-email.csv"
    service.outbound("email", out, now, actor="demo")
    with out.open(encoding="utf-8") as handle:
        outbound = Counter(line.split(",")[1] for line in list(handle)[1:])
    return decisions, outbound


def _show_decisions(decisions: list, outbound: dict) -> None:  # type: ignore[type-arg]
    table = Table(title="next best actions on mobile_app, with reasons (full traces: GET /v1/decisions/{id})", title_justify="left")
    for column in ("customer", "action", "score", "why", "message", "dropped"):
        table.add_column(column)
    for decision in decisions:
        dropped = Counter(c.reason for c in decision.candidates if c.status == "dropped")
        summary = ", ".join(f"{reason} {n}" for reason, n in dropped.most_common(4))
        for action in decision.actions:
            table.add_row(decision.customer_id, action.action_id, f"{action.score:.3f}", "; ".join(action.reasons),
                          action.content["subject"], summary)
    console.print(table)
    console.print("outbound email run: " + ", ".join(f"{action} {n:,}" for action, n in sorted(outbound.items(), key=lambda i: -i[1])))


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
