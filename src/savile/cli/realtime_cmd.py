"""``savile worker`` and ``savile events``: process the event stream, send what it causes."""

from __future__ import annotations

import asyncio
import signal
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from savile.cli._common import WorkspaceOption, console, friendly_errors, print_table
from savile.workspace import find_workspace

events_app = typer.Typer(help="The event ledger: what arrived, what it caused.", no_args_is_help=True)


@friendly_errors
def worker_command(
    once: Annotated[bool, typer.Option("--once", help="Process what is waiting, send what is due, then stop.")] = False,
    stale_after: Annotated[float, typer.Option(help="Seconds after which a delivery left 'sending' by a stopped worker is "
                                                    "marked unknown (never resent).")] = 300.0,
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Consume events (the broker in SAVILE_BROKER_URL, and the in-process queue), fire triggers, send messages."""
    from savile.react.runtime import RealTime

    with find_workspace(workspace) as opened:
        realtime = RealTime.open(opened)
        if once:
            realtime.dispatcher.recover(timedelta(seconds=stale_after))
            queued, jobs, sent = realtime.step()
            console.print(f"{queued} events, {jobs} due jobs; sent {sent.sent}, deferred {sent.deferred}, "
                          f"suppressed {sent.suppressed}, failed {sent.failed}.")
            return
        source = f"broker {realtime.bus.url}" if realtime.bus else "the in-process queue"
        console.print(f"Worker consuming {source}; Ctrl+C stops it.")
        asyncio.run(_run_until_signal(realtime, timedelta(seconds=stale_after)))
        console.print(f"Stopped after {realtime.processed} events ({len(realtime.failures)} kept with an error).")


async def _run_until_signal(realtime, stale_after: timedelta) -> None:  # noqa: ANN001
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sign in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sign, stop.set)
    await realtime.run(stop, stale_after=stale_after)


@events_app.command("status")
@friendly_errors
def events_status(workspace: WorkspaceOption = Path(".")) -> None:
    """Events waiting, processed and failed; deliveries by channel and status."""
    from savile.react.report import ledger_summary

    with find_workspace(workspace) as opened:
        summary = ledger_summary(opened.store)
    print_table("Events", ["state", "count"], [[k, str(v)] for k, v in summary["events"].items()])
    print_table("Deliveries", ["channel", "status", "count"], [[c, s, str(n)] for c, s, n in summary["deliveries"]])
