"""Shared fixtures: the operational store on SQLite and on PostgreSQL, workspaces, example data.

PostgreSQL tests use SAVILE_TEST_POSTGRES_URL, by default the local server these machines run
(127.0.0.1:5432, trust auth, database test). They run wherever it answers. A laptop without
PostgreSQL skips them, so `make test` works on a bare machine; with CI=true an unreachable server
fails the run instead.
"""

from __future__ import annotations

import functools
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from savile.store import DuckDBAnalyticalStore, SqlStore
from savile.workspace import Workspace, init_workspace
from tests.spark import spark  # noqa: F401 (one Spark session for every Spark test)

EXAMPLE = Path(__file__).resolve().parents[2] / "shared" / "contract" / "example"
if not EXAMPLE.is_dir():  # CI clones main next to shared/; keep a copy for other layouts
    EXAMPLE = Path(__file__).resolve().parent / "data" / "example"
POSTGRES_URL = os.environ.get("SAVILE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI") == "true"


@functools.cache
def _postgres_problem() -> str | None:
    engine = sa.create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        return None
    except sa.exc.OperationalError as error:
        return str(error.orig).strip().splitlines()[0]
    finally:
        engine.dispose()


def postgres_url_or_skip() -> str:
    problem = _postgres_problem()
    if problem is None:
        return POSTGRES_URL
    if IN_CI:
        pytest.fail(f"CI=true but PostgreSQL at {POSTGRES_URL} is unreachable ({problem}); the storage suite must run in CI.")
    pytest.skip(f"no PostgreSQL at {POSTGRES_URL} ({problem}); set SAVILE_TEST_POSTGRES_URL to run these tests")
    raise AssertionError  # unreachable


@pytest.fixture
def postgres_schema_url() -> Iterator[str]:
    """A URL whose search_path is a fresh schema, dropped afterwards: tests run in parallel."""
    base = postgres_url_or_skip()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in base else "?"
    yield f"{base}{separator}options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'savile.db'}"
    return request.getfixturevalue("postgres_schema_url")


@pytest.fixture
def store(store_url: str) -> Iterator[SqlStore]:
    opened = SqlStore(store_url)
    opened.upgrade()
    yield opened
    opened.dispose()


@pytest.fixture
def analytics(tmp_path: Path) -> Iterator[DuckDBAnalyticalStore]:
    opened = DuckDBAnalyticalStore(tmp_path / "analytics.duckdb")
    yield opened
    opened.close()


@pytest.fixture
def workspace(tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    monkeypatch.setenv("SAVILE_DATABASE_URL", store_url)
    opened = init_workspace(tmp_path / "ws")
    yield opened
    opened.close()


@pytest.fixture
def example_folder(tmp_path: Path) -> Path:
    """A private copy of the contract's example folder, free to modify."""
    target = tmp_path / "example"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("README.md"))
    return target


@pytest.fixture(scope="session")
def small_bank(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """A synthetic bank of 400 people over 6 months, ingested and resolved (SQLite); shared, so
    tests that change it must undo their changes."""
    from savile.identity import resolve
    from savile.ingest import Ingestor
    from savile.synth import synthesize

    root = tmp_path_factory.mktemp("small-bank")
    synthesize(root / "bank", customers=400, months=6, seed=3)
    workspace = Workspace(root)
    workspace.__dict__["store"] = store = SqlStore(f"sqlite:///{root / 'savile.db'}")
    workspace.__dict__["analytics"] = DuckDBAnalyticalStore(root / "analytics.duckdb")
    store.upgrade()
    Ingestor(store, workspace.analytics).ingest_folder(root / "bank")
    resolve(store, workspace.analytics, ["core_banking", "crm", "cards", "mobile_app", "contact_centre"])
    yield workspace
    workspace.close()
