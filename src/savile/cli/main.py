"""``savile``: the command-line contract (see ../shared/contract/README.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from savile.cli import contract_cmd, decide_cmd, demo_cmd, identity_cmd, ingest_cmd, models_cmd, realtime_cmd, synth_cmd
from savile.cli._common import WorkspaceOption, configure_logging, console, friendly_errors
from savile.config import load_settings
from savile.workspace import init_workspace

app = typer.Typer(name="savile", help="Savile: a personalization engine for banks.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
app.add_typer(contract_cmd.app, name="contract")
app.add_typer(ingest_cmd.quarantine_app, name="quarantine")
app.command("ingest")(ingest_cmd.ingest)
app.command("synth")(synth_cmd.synth)
app.command("demo")(demo_cmd.demo)
app.command("resolve")(identity_cmd.resolve_command)
app.add_typer(identity_cmd.export_app, name="export")
app.add_typer(identity_cmd.customer_app, name="customer")
app.add_typer(models_cmd.features_app, name="features")
app.command("train")(models_cmd.train_command)
app.command("recommend")(models_cmd.recommend_command)
app.command("difficulty")(models_cmd.difficulty_command)
app.command("segments")(models_cmd.segments_command)
app.command("value")(models_cmd.value_command)
app.command("refresh")(decide_cmd.refresh_command)
app.command("decide")(decide_cmd.decide_command)
app.add_typer(decide_cmd.catalogue_app, name="catalogue")
app.add_typer(decide_cmd.apikey_app, name="apikey")
app.command("serve")(decide_cmd.serve_command)
app.command("worker")(realtime_cmd.worker_command)
app.add_typer(realtime_cmd.events_app, name="events")


@app.callback()
def _main(log_level: Annotated[str, typer.Option(envvar="SAVILE_LOG_LEVEL", help="debug, info, warning")] = "warning") -> None:
    configure_logging(log_level)


@app.command()
@friendly_errors
def init(workspace: WorkspaceOption = Path(".")) -> None:
    """Make a workspace here (or in --workspace DIR): savile.toml and the embedded stores."""
    made = init_workspace(workspace)
    console.print(f"Workspace ready in [bold]{made.path}[/] (operational store: {made.store.safe_url}).")
    made.close()


@app.command()
@friendly_errors
def settings(workspace: WorkspaceOption = Path(".")) -> None:
    """Show the settings in force (savile.toml, then SAVILE_* variables)."""
    console.print_json(json.dumps(load_settings(workspace).model_dump()))
