"""Every command a bank can script is documented (README or docs/)."""

from __future__ import annotations

from pathlib import Path

import typer.main

from savile.cli import app

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[str]:
    group = typer.main.get_command(app)
    names = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        sub = getattr(command, "commands", None)
        names += [f"savile {name} {child}" for child in sub] if sub else [f"savile {name}"]
    return names


def test_every_command_is_documented() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8") + "".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md"))
    missing = [command for command in _commands() if command not in text]
    assert missing == [], f"undocumented commands: {missing}"
