"""The workspace: a folder with ``savile.toml``, the embedded databases and model artefacts."""

from savile.workspace._workspace import Workspace, find_workspace, init_workspace

__all__ = ["Workspace", "find_workspace", "init_workspace"]
