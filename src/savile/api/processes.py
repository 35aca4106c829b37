"""The API in several server processes (``savile serve --workers N``).

uvicorn starts each process afresh and imports the app by name, so the workspace travels in
an environment variable. Metrics are per process unless prometheus-client is told, before it
is imported, where the processes write their counts (``PROMETHEUS_MULTIPROC_DIR``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from fastapi import FastAPI

WORKSPACE_VARIABLE = "SAVILE_WORKSPACE"
WORKER_VARIABLE = "SAVILE_SERVE_WORKER"
METRICS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def app_from_environment() -> FastAPI:
    """One server process's app (uvicorn's ``factory``)."""
    from savile.api.app import create_app
    from savile.workspace import find_workspace

    return create_app(find_workspace(Path(os.environ[WORKSPACE_VARIABLE])), worker=bool(os.environ.get(WORKER_VARIABLE)))


@contextlib.contextmanager
def share_metrics() -> Iterator[Path]:
    """A fresh folder for the processes' counts, unless the operator chose one; removed afterwards
    (counts left from an earlier run would be added to the new one's)."""
    chosen = os.environ.get(METRICS_VARIABLE)
    if chosen:
        yield Path(chosen)
        return
    folder = Path(tempfile.mkdtemp(prefix="savile-metrics-"))
    os.environ[METRICS_VARIABLE] = str(folder)
    try:
        yield folder
    finally:
        del os.environ[METRICS_VARIABLE]
        shutil.rmtree(folder, ignore_errors=True)
