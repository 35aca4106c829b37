"""Commands of the decision engine: profiles, outbound runs, the catalogue, API keys, the server."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from savile.cli._common import WorkspaceOption, console, friendly_errors, print_table
from savile.cli.models_cmd import AsOf, models_root, parse_day
from savile.decide.catalogue import catalogue_folder
from savile.exceptions import ContractError
from savile.workspace import Workspace, find_workspace

catalogue_app = typer.Typer(help="The action catalogue (YAML files in the workspace's catalogue/ folder).", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys for the HTTP API, each with one role.", no_args_is_help=True)


@friendly_errors
def refresh_command(as_of: AsOf, workspace: WorkspaceOption = Path(".")) -> None:
    """Refresh every customer's online profile as of --as-of: features, segment, propensities, flags."""
    with find_workspace(workspace) as opened:
        summary = refresh(opened, parse_day(as_of))
    console.print(f"{summary.customers:,} profiles as of {summary.as_of}: model {summary.model_version or 'none (train one first)'}, "
                  f"{summary.segments} segments, {summary.in_difficulty:,} in financial difficulty, {summary.declining:,} with falling activity"
                  f"{f'; {summary.flags_raised:,} newly raised flags queued for the triggers' if summary.flags_raised else ''}.")


def refresh(workspace: Workspace, day):  # type: ignore[no-untyped-def]
    """Profiles as of ``day``, and offer responses that arrived in batch into the contact history."""
    from savile.decide import MARKETING_KINDS, load_catalogue, load_products, refresh_profiles
    from savile.decide.responses import import_responses
    from savile.react.history import absorb_streamed

    with console.status(f"refreshing profiles as of {day} ..."):
        absorb_streamed(workspace.store, workspace.analytics)  # events sent through the API count like ingested ones
        summary = refresh_profiles(workspace.store, workspace.analytics, models_root(workspace), day)
        kinds = {a.id: a.kind for a in load_catalogue(catalogue_folder(workspace.path), load_products(workspace.store)).actions}
        # an action the catalogue no longer knows still counts against caps: the customer saw marketing
        import_responses(workspace.store, workspace.analytics, lambda action: kinds.get(action, "offer") in MARKETING_KINDS)
    return summary


@friendly_errors
def decide_command(
    channel: Annotated[str, typer.Option(help="The channel the run sends on: email, sms, push, post, phone, in_app, ...")],
    out: Annotated[Path, typer.Option(help="CSV to write: customer_id,action_id,product_code,score.", dir_okay=False)],
    now: Annotated[str | None, typer.Option(help="Decide as at this ISO timestamp (default: now).")] = None,
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Outbound run: the action each customer should receive now on --channel, after every policy."""
    from savile.decide.catalogue import CHANNELS

    if channel not in CHANNELS:
        raise ContractError(f"--channel must be one of {', '.join(CHANNELS)}. Got {channel!r} instead.")
    moment = _moment(now)
    with find_workspace(workspace) as opened:
        service = decision_service(opened)
        with Progress(TextColumn("deciding"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console) as bar:
            task = bar.add_task("customers", total=None)
            written = service.outbound(channel, out, moment, progress=lambda done, total: bar.update(task, completed=done, total=total))
    console.print(f"{written:,} actions to send on {channel} written to {out}.")


def decision_service(workspace: Workspace):  # type: ignore[no-untyped-def]
    """The engine over the workspace's catalogue and policy; profiles are refreshed first if there are none."""
    from savile.decide import DecisionService, has_profiles, load_policy

    if not has_profiles(workspace.store):
        latest = workspace.analytics.run("SELECT CAST(max(booked_at) AS DATE) FROM transactions")[0][0]
        refresh(workspace, latest or datetime.now(timezone.utc).date())
    return DecisionService.open(workspace.store, catalogue_folder(workspace.path), load_policy(workspace.path))


@catalogue_app.command("check")
@friendly_errors
def catalogue_check(workspace: WorkspaceOption = Path(".")) -> None:
    """Validate the workspace catalogue (every problem at once) and list its actions."""
    from savile.decide import load_catalogue, load_products
    from savile.features import FeatureBuilder

    with find_workspace(workspace) as opened:
        features = {f.name for f in FeatureBuilder(opened.store, opened.analytics).catalogue()}
        catalogue = load_catalogue(catalogue_folder(opened.path), load_products(opened.store), features)
    print_table(f"{len(catalogue.actions)} actions ({catalogue.origin}), version {catalogue.version}",
                ["action", "kind", "product", "credit", "channels", "languages"],
                [[a.id, a.kind, a.action.product_code or "", "yes" if a.is_credit else "", ", ".join(a.action.channels or ["all"]),
                  ", ".join(a.action.content)] for a in catalogue.actions])


@catalogue_app.command("export")
@friendly_errors
def catalogue_export(workspace: WorkspaceOption = Path(".")) -> None:
    """Write the catalogue in force (the derived default, at first) as YAML files to edit."""
    from savile.decide import load_catalogue, load_products
    from savile.decide.editor import write_catalogue

    with find_workspace(workspace) as opened:
        folder = catalogue_folder(opened.path)
        written = write_catalogue(load_catalogue(folder, load_products(opened.store)), folder)
    console.print(f"{written} actions written to {folder}.")


@apikey_app.command("create")
@friendly_errors
def apikey_create(
    role: Annotated[str, typer.Option(help="channel, analyst, admin or customer.")],
    name: Annotated[str, typer.Option(help="Who or what uses the key, e.g. mobile-app.")],
    customer: Annotated[str | None, typer.Option(help="For a customer key: the only customer it may see.")] = None,
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Create an API key. Its secret is shown once and stored only as a hash."""
    from savile.api import create_key

    with find_workspace(workspace) as opened:
        key = create_key(opened.store, role, name, customer)
    console.print(key, highlight=False, soft_wrap=True)


@apikey_app.command("list")
@friendly_errors
def apikey_list(workspace: WorkspaceOption = Path(".")) -> None:
    """Every key's id, role, name and state (never the secret)."""
    from savile.api import list_keys

    with find_workspace(workspace) as opened:
        keys = list_keys(opened.store)
    print_table(f"{len(keys)} API keys", ["key id", "role", "name", "customer", "created", "revoked"],
                [[k["key_id"], k["role"], k["name"], k["customer_id"] or "", str(k["created_at"])[:19], str(k["revoked_at"] or "")[:19]]
                 for k in keys])


@apikey_app.command("revoke")
@friendly_errors
def apikey_revoke(key_id: Annotated[str, typer.Argument(help="The key id (the part after sav_).")],
                  workspace: WorkspaceOption = Path(".")) -> None:
    """Revoke a key; servers stop accepting it within 30 seconds."""
    from savile.api import revoke_key

    with find_workspace(workspace) as opened:
        revoke_key(opened.store, key_id)
    console.print(f"Key {key_id} revoked.")


@friendly_errors
def serve_command(host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
                  port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
                  worker: Annotated[bool, typer.Option(help="Also process events and send messages in this process "
                                                            "(turn off when 'savile worker' runs separately).")] = True,
                  workers: Annotated[int, typer.Option(min=1, help="Server processes (one per core; their metrics are "
                                                                   "summed through PROMETHEUS_MULTIPROC_DIR).")] = 1,
                  workspace: WorkspaceOption = Path(".")) -> None:
    """Run the HTTP API (events, decisions, customers, inbox, catalogue, audit, metrics)."""
    import uvicorn

    from savile.api import create_app
    from savile.api.processes import WORKER_VARIABLE, WORKSPACE_VARIABLE, share_metrics

    with find_workspace(workspace) as opened:
        if workers == 1:
            uvicorn.run(create_app(opened, worker=worker), host=host, port=port, log_level="warning")
            return
        os.environ[WORKSPACE_VARIABLE], os.environ[WORKER_VARIABLE] = str(opened.path), "1" if worker else ""
        with share_metrics():
            uvicorn.run("savile.api.processes:app_from_environment", factory=True, workers=workers, host=host, port=port,
                        log_level="warning")


def _moment(text: str | None) -> datetime:
    if text is None:
        return datetime.now(timezone.utc)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ContractError(f"--now must be an ISO timestamp such as 2026-11-01T09:00:00Z. Got {text!r} instead.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
