from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from savile.cli._common import WorkspaceOption, console, friendly_errors, print_table
from savile.exceptions import ContractError
from savile.models.registry import ATTRITION, NEXT_BEST_PRODUCT
from savile.workspace import Workspace, find_workspace

features_app = typer.Typer(help="The feature catalogue.", no_args_is_help=True)
AsOf = Annotated[str, typer.Option("--as-of", help="Use only what was known at the end of this date (YYYY-MM-DD).")]


def models_root(workspace: Workspace) -> Path:
    return workspace.path / "models"


def registry(workspace: Workspace) -> Path:
    return models_root(workspace) / NEXT_BEST_PRODUCT


def attrition_registry(workspace: Workspace) -> Path:
    return models_root(workspace) / ATTRITION


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ContractError(f"--as-of must be a date YYYY-MM-DD. Got {text!r} instead.") from None


@features_app.command("list")
@friendly_errors
def list_features(workspace: WorkspaceOption = Path(".")) -> None:
    """Every feature: name, family, window and meaning."""
    from savile.features import FeatureBuilder

    with find_workspace(workspace) as opened:
        catalogue = FeatureBuilder(opened.store, opened.analytics).catalogue()
    print_table(f"{len(catalogue)} features", ["name", "family", "window", "meaning"],
                [[f.name, f.family, f"{f.window_days}d" if f.window_days else "", f.meaning] for f in catalogue])


@friendly_errors
def train_command(as_of: AsOf, workspace: WorkspaceOption = Path(".")) -> None:
    """Train the models (next best product, attrition risk) from what was known at the end of --as-of."""
    day = parse_day(as_of)
    with find_workspace(workspace) as opened:
        meta, attrition = run_train(opened, day)
    print_metrics(meta)
    print_attrition_metrics(attrition)


def run_train(workspace: Workspace, day: date) -> tuple[dict, dict]:  # type: ignore[type-arg]
    """Every model as of ``day``: (next-best-product meta, attrition meta)."""
    from savile.features import FeatureBuilder
    from savile.models import train, train_attrition

    builder = FeatureBuilder(workspace.store, workspace.analytics)
    with console.status(f"training next-best-product as of {day} ..."):
        products = train(builder, day, registry(workspace))
    with console.status(f"training attrition risk as of {day} ..."):
        return products, train_attrition(builder, day, attrition_registry(workspace))


def print_attrition_metrics(meta: dict) -> None:  # type: ignore[type-arg]
    metrics = meta["metrics"]
    if "auc" not in metrics:
        console.print(f"attrition model {meta['version']}: no declines to backtest on in the 30 days after {meta['backtest_as_of']}.")
        return
    console.print(f"attrition model {meta['version']} — backtest on the 30 days after {meta['backtest_as_of']}: "
                  f"AUC {metrics['auc']:.3f} (the decline monitor alone {metrics['monitor_auc']:.3f}); the riskiest tenth declined "
                  f"{metrics['lift_top_tenth']:.1f}× as often as everyone ({metrics['declined']:,} of {metrics['customers']:,}).")


def print_metrics(meta: dict) -> None:  # type: ignore[type-arg]
    metrics = meta["metrics"]
    table = Table(title=f"model {meta['version']} — backtest on the month after {meta['backtest_month_after']}", title_justify="left")
    for column in ("metric", "model", "popularity"):
        table.add_column(column, justify="right" if column != "metric" else "left")
    for k in (3, 7):
        table.add_row(f"MAP@{k}", f"{metrics[f'map@{k}']:.4f}", f"{metrics[f'popularity_map@{k}']:.4f}")
    for code, auc in metrics["auc"].items():
        table.add_row(f"AUC {code}", f"{auc:.3f}", "0.500")
    console.print(table)
    console.print(f"{metrics['adopters']:,} of {metrics['customers']:,} customers adopted something that month.")
    if "learners" in meta:  # models trained before the backtest chose between learners have one
        tried = ", ".join(f"{name} {figures['map@3']:.4f}" for name, figures in meta["learners"].items())
        console.print(f"learner: {meta['learner']}, the best backtest MAP@3 of {tried}.")


@friendly_errors
def recommend_command(
    as_of: AsOf,
    out: Annotated[Path, typer.Option(help="CSV: customer_id,rank,product_code,score.")],
    k: Annotated[int, typer.Option("--k", min=1, help="Products per customer.")] = 3,
    explain: Annotated[int, typer.Option(help="Add a reasons column with this many top contributing features.")] = 0,
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Up to K products per customer holding an open product at --as-of, best first, never one they hold."""
    from savile.features import FeatureBuilder
    from savile.models import load_model, recommend

    day = parse_day(as_of)
    with find_workspace(workspace) as opened:
        builder = FeatureBuilder(opened.store, opened.analytics)
        model, meta = load_model(registry(opened), day)
        rows = recommend(builder, model, meta, day, k, explain)
    columns = ["customer_id", "rank", "product_code", "score"] + (["reasons"] if explain else [])
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)
    console.print(f"Wrote {len(rows):,} recommendations for {len({r['customer_id'] for r in rows}):,} customers to {out} "
                  f"(model {meta['version']}).")


@friendly_errors
def difficulty_command(
    as_of: AsOf,
    out: Annotated[Path | None, typer.Option(help="CSV of every customer with a sign: customer_id,score,flagged,evidence.")] = None,
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Customers showing financial difficulty by --as-of, with the evidence (FCA resilience driver)."""
    from savile.insight import assess

    day = parse_day(as_of)
    with find_workspace(workspace) as opened:
        found = assess(opened.store, opened.analytics, day)
    flagged = sorted((d for d in found.values() if d.flagged), key=lambda d: -d.score)
    if out:
        with out.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["customer_id", "score", "flagged", "evidence"])
            for entry in sorted(found.values(), key=lambda d: -d.score):
                writer.writerow([entry.customer_id, entry.score, str(entry.flagged).lower(), " | ".join(entry.evidence)])
    print_table(f"{len(flagged):,} customers in financial difficulty as of {day} ({len(found):,} with any sign)",
                ["customer", "score", "evidence"],
                [[d.customer_id, f"{d.score:.1f}", "; ".join(d.evidence)] for d in flagged[:20]], right=("score",))


@friendly_errors
def segments_command(as_of: AsOf, workspace: WorkspaceOption = Path(".")) -> None:
    """Segment the whole base by behaviour as of --as-of; saves each customer's segment and features
    to the online snapshot the decision path reads."""
    from savile.features import FeatureBuilder
    from savile.features.online import save_snapshot
    from savile.models.segments import segment_base

    day = parse_day(as_of)
    with find_workspace(workspace) as opened:
        builder = FeatureBuilder(opened.store, opened.analytics)
        features = builder.features_as_of(day)
        with console.status("segmenting (choosing k by silhouette)..."):
            segmenter, named = segment_base(features, {f.name: f.meaning for f in builder.catalogue()})
        saved = save_snapshot(opened.store, features, named)
    print_table(f"{segmenter.k_} segments (silhouette {segmenter.silhouette_:.2f}); {saved:,} snapshots saved",
                ["segment", "customers", "what sets it apart"],
                [[s.name, f"{s.size:,}", ", ".join(f"{n} {d:+.1f}σ" for n, d in s.distinguishing)] for s in segmenter.segments_],
                right=("customers",))


@friendly_errors
def value_command(as_of: AsOf, top: Annotated[int, typer.Option(help="Rows to show per list.")] = 10,
                  workspace: WorkspaceOption = Path(".")) -> None:
    """Attrition (transaction decline and its risk), lifetime value and high-value lookalikes as of --as-of."""
    from savile.features import FeatureBuilder
    from savile.models import attrition_scores, load_attrition, lookalikes, transaction_decline

    day = parse_day(as_of)
    with find_workspace(workspace) as opened:
        builder = FeatureBuilder(opened.store, opened.analytics)
        features = builder.features_as_of(day)
        declining = transaction_decline(features)
        alike = lookalikes(features, builder.products)
        model, meta = load_attrition(attrition_registry(opened), day)
        at_risk = sorted(attrition_scores(model, features).items(), key=lambda item: -item[1])
    print_table(f"{len(declining):,} customers whose activity fell below half their usual month",
                ["customer", "last 30 days", "usual month", "ratio"],
                [[d.customer_id, f"{d.recent:.0f}", f"{d.usual:.1f}", f"{d.ratio:.2f}"] for d in declining[:top]],
                right=("last 30 days", "usual month", "ratio"))
    print_table(f"highest risk of falling below half their usual month in the next 30 days (model {meta['version']})", ["customer", "risk"],
                [[customer, f"{risk:.3f}"] for customer, risk in at_risk[:top]], right=("risk",))
    print_table("customers most like the most valuable tenth, not yet among them", ["customer", "resemblance"],
                [[customer, f"{score:.3f}"] for customer, score in alike[:top]], right=("resemblance",))
