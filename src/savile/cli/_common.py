"""What every command shares: the workspace option, error rendering, consoles."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import structlog
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from savile.exceptions import SavileError

console = Console()
errors = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])

WorkspaceOption = Annotated[
    Path,
    typer.Option("--workspace", "-w", envvar="SAVILE_WORKSPACE", help="Workspace folder (default: current folder).",
                 file_okay=False),
]


def friendly_errors(command: F) -> F:
    """Show a SavileError as one clear line and exit 2, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except SavileError as error:
            errors.print(f"[bold red]error[/] [dim]({error.code})[/]: {escape(str(error))}", highlight=False, markup=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def configure_logging(level: str) -> None:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping().get(level.upper(), logging.WARNING)))


def print_table(title: str, columns: list[str], rows: list[list[str]], right: tuple[str, ...] = ()) -> None:
    """A titled table of text cells; columns named in ``right`` are right-aligned (numbers)."""
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, justify="right" if column in right else "left")
    for row in rows:
        table.add_row(*row)
    console.print(table)
