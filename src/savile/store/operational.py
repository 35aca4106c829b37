"""The operational store: SQLAlchemy on SQLite (default) or PostgreSQL, schema by Alembic."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import IO

import orjson
import sqlalchemy as sa
import structlog
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from savile.exceptions import MissingExtraError, StoreError
from savile.store.disk import flush_to_disk, start_writeback

try:
    import fcntl
except ImportError:  # Windows: threads still queue; processes fall back on SQLite's busy handler
    fcntl = None  # type: ignore[assignment]

MIGRATIONS = Path(__file__).with_name("migrations")
log = structlog.get_logger(__name__)


class SqlStore:
    """Operational store on any SQLAlchemy URL Savile supports (``sqlite``, ``postgresql``)."""

    def __init__(self, url: str, sqlite_synchronous: str = "full") -> None:
        self.url = url
        self.engine = _create_engine(url, sqlite_synchronous)
        self._threads = threading.RLock()
        self._held = 0  # how deep the thread that holds ``_threads`` is (the file lock is taken once)
        self._database = _shared_database_file(self.engine)
        self._lock_file = _beside(self._database, ".writer-lock") if self._database else None
        self._lock_handle: IO[str] | None = None  # opened once per process (``_writer_lock``)
        self._lock_opened_by = 0
        self._checkpoints: _Checkpoints | None = None

    @contextmanager
    def writer(self) -> Iterator[None]:
        """Queue for SQLite's one writer: threads on an in-process lock, processes on an OS file
        lock beside the database. A blocked ``flock`` wakes the moment the holder lets go, where
        SQLite's busy handler sleeps on a schedule of up to 100 ms (two server processes had a
        p99 of a second). PostgreSQL needs neither: it locks rows."""
        if self.dialect != "sqlite":
            yield
            return
        with self._threads:
            self._held += 1
            try:
                if self._held > 1 or self._lock_file is None:  # nested, or a database no other process opens
                    yield
                    return
                handle = self._writer_lock()
                fcntl.flock(handle, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
            finally:
                self._held -= 1

    def _writer_lock(self) -> IO[str]:
        """The lock file, opened once rather than at every write (3 % of a decision's CPU). A
        forked process opens its own: an ``flock`` belongs to the open file, which a fork shares,
        so parent and child would otherwise both hold it at once. Called under ``_threads``."""
        if self._lock_handle is None or self._lock_opened_by != os.getpid():
            self._lock_handle = open(self._lock_file, "a")  # noqa: PTH123, SIM115 — the descriptor is the lock, closed by dispose()
            self._lock_opened_by = os.getpid()
        return self._lock_handle

    def checkpoint_in_background(self, every: float = 2.0, restart_at: int = 32_768) -> None:
        """For a server on SQLite: copy the write-ahead log into the database from a background
        thread instead of inside whichever commit crosses SQLite's threshold. A decision writes
        about ten pages, so that threshold (1,000 pages) fell on every hundredth decision or so,
        and that commit also wrote 4 MB back and flushed it: the decisions' p99. No-op on
        PostgreSQL (it has no such step). Every 2 s rather than 0.25 s: each checkpoint syncs the
        database file, and under load the commits' own syncs queued behind it (with
        ``synchronous = full``, p99 5.9–7.1 ms against 6.9–13.2 ms at 0.25 s; docs/benchmarks.md).
        Once the log holds ``restart_at`` frames (a page each: 128 MB), it starts again from its
        beginning (``_Checkpoints``)."""
        if self._database is None or self._checkpoints is not None:
            return
        sa.event.listen(self.engine, "connect", _no_automatic_checkpoints)
        self.engine.dispose()  # connections already pooled were opened with automatic checkpoints
        self._checkpoints = _Checkpoints(self.engine, self._database, every, restart_at, self.writer)

    def stop_background_checkpoints(self) -> None:
        if self._checkpoints is not None:
            self._checkpoints.stop()
            sa.event.remove(self.engine, "connect", _no_automatic_checkpoints)
            self._checkpoints = None
            self.engine.dispose()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A connection inside one transaction, committed on success."""
        with self._failures_explained(), self.engine.begin() as connection:
            yield connection

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reads only: nothing to commit (a commit is a disk flush on SQLite)."""
        with self._failures_explained(), self.engine.connect() as connection:
            yield connection

    @contextmanager
    def _failures_explained(self) -> Iterator[None]:
        try:
            yield
        except sa.exc.OperationalError as error:
            raise StoreError(f"The operational store at {self.safe_url} failed: {error.orig}. Is the database reachable?") from error

    def refresh_statistics(self) -> None:
        """Let the query planner see the tables as they are after a bulk load. Without it a
        freshly loaded PostgreSQL joined consents to links by scanning a million rows: 150 ms
        per decision instead of 0.5 ms, until autovacuum got round to it."""
        from savile.store.tables import metadata

        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            if self.dialect == "postgresql":
                connection.exec_driver_sql("ANALYZE " + ", ".join(metadata.tables))  # Savile's tables, in this schema
            else:
                connection.exec_driver_sql("PRAGMA optimize")

    @property
    def safe_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def upgrade(self, revision: str = "head") -> None:
        """Bring the schema up to ``revision`` (Alembic)."""
        with self.engine.begin() as connection:
            command.upgrade(_alembic_config(connection), revision)

    def downgrade(self, revision: str = "base") -> None:
        with self.engine.begin() as connection:
            command.downgrade(_alembic_config(connection), revision)

    def current_revision(self) -> str | None:
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def dispose(self) -> None:
        self.stop_background_checkpoints()
        self.engine.dispose()
        with self._threads:
            if self._lock_handle is not None and self._lock_opened_by == os.getpid():
                self._lock_handle.close()
            self._lock_handle = None


def head_revision() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _create_engine(url: str, sqlite_synchronous: str = "full") -> Engine:
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    try:
        # A file needs no liveness check; a server connection may have been dropped while pooled.
        engine = sa.create_engine(url, future=True, pool_pre_ping=not url.startswith("sqlite"),
                                  json_serializer=_to_json, json_deserializer=_from_json)
    except sa.exc.NoSuchModuleError as error:
        raise StoreError(f"Unsupported database URL scheme in {url.split(':', 1)[0]!r}. Expected sqlite:// or postgresql://.") from error
    except ModuleNotFoundError as error:
        raise MissingExtraError.for_extra("A PostgreSQL operational store", "postgres") from error
    if engine.dialect.name == "sqlite":
        if sqlite_synchronous not in _SYNCHRONOUS:
            raise StoreError(f"sqlite_synchronous must be one of {', '.join(_SYNCHRONOUS)}. Got {sqlite_synchronous!r} instead.")
        sa.event.listen(engine, "connect", functools.partial(_sqlite_pragmas, synchronous=_SYNCHRONOUS[sqlite_synchronous]))
    return engine


def _to_json(value: object) -> str:
    """JSON columns' text. orjson, since a decision decodes hundreds of stored features and
    encodes every candidate it weighed (the standard library took five times as long)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _from_json(value: str | bytes | float) -> object:
    """A JSON column's value. SQLite gives a bare number stored in a JSON column back as a number
    (the column's numeric affinity), which orjson refuses and the standard library's decoder did not."""
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def _shared_database_file(engine: Engine) -> Path | None:
    """The SQLite file other processes may open too (not PostgreSQL, not in memory, not on Windows)."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or fcntl is None:
        return None
    return Path(database)


def _beside(database: Path, suffix: str) -> Path:
    return database.with_name(database.name + suffix)


class _Checkpoints:
    """A daemon thread copying the write-ahead log into the database every ``every`` seconds,
    and starting the log again from its beginning once it holds ``restart_at`` frames.

    PASSIVE checkpoints alone never let the log start again under steady load: SQLite reuses
    the log only once every frame in it was copied, and new frames always arrived before a
    checkpoint ended. The log grew by every write (474 MB in 20 s of two processes
    committing, docs/benchmarks.md) and so did the index readers search. So once the log is
    long enough, the copying is done PASSIVE, beside the writers, until little is left, and
    the database file is flushed (50–130 ms at a million customers); then the rest is copied
    under the writer's lock with RESTART, which waits for readers of the old frames to finish,
    so that the next writer starts the log from its beginning (3–8 ms held, against 25–35 ms
    without the flush first). Not at every tick: each restart flushes the database, and at a
    million customers the commits' own flushes queued behind it (p99 18.7 ms against 11.8–12.9)."""

    SMALL = 256  # frames (1 MB) left for the step that holds writers back

    def __init__(self, engine: Engine, database: Path, every: float, restart_at: int,
                 writer: Callable[[], AbstractContextManager[None]]) -> None:
        self._engine, self._database, self._every, self._restart_at, self._writer = engine, database, every, restart_at, writer
        # One checkpointer among a server's processes: a second found nothing to copy, yet held the writers back as long.
        self._checkpointer = _beside(database, ".checkpointer")
        self.is_checkpointer = False
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="savile-sqlite-checkpoints", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with open(self._checkpointer, "a") as lock:  # noqa: PTH123 — the descriptor is the lock
            while not self._stopping.wait(self._every):
                self.is_checkpointer = self.is_checkpointer or self._checkpointing(lock)
                if not self.is_checkpointer:
                    continue  # another process checkpoints; this one takes over if that one stops
                try:
                    with self._engine.connect() as connection:
                        self._checkpoint(connection)
                except (sa.exc.DBAPIError, OSError) as error:  # the next tick tries again; the log only grows meanwhile
                    log.warning("sqlite_checkpoint_failed", error=str(getattr(error, "orig", error)))

    @staticmethod
    def _checkpointing(lock: IO[str]) -> bool:
        """Whether this process is the checkpointer: it keeps the lock from its first tick until it stops."""
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _checkpoint(self, connection: Connection) -> None:
        for _ in range(8):  # each pass copies what the writers wrote during the last one: fewer frames each time
            busy, logged, copied = connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
            if busy:  # another connection is checkpointing (a command's automatic checkpoint): the next tick goes on
                return
            if logged - copied <= self.SMALL:
                break
        # What the passes copied starts for the disk now, a tick's worth at a time. Otherwise the
        # flush before a restart wrote up to 128 MB of scattered pages at once, and the commits'
        # own flushes queued behind it: at a million customers p99 8.5–11.3 ms against 5.7–7.7.
        start_writeback(self._database)
        if logged < self._restart_at:
            return
        flush_to_disk(self._database)  # what RESTART would otherwise flush while holding the writers back
        waited = connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one()
        connection.exec_driver_sql("PRAGMA busy_timeout = 20")  # a long reader makes this tick give up, not stall the writers
        try:
            with self._writer():
                busy, logged, copied = connection.exec_driver_sql("PRAGMA wal_checkpoint(RESTART)").one()
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(waited)}")
        if busy:
            log.debug("sqlite_log_not_restarted", frames=logged, copied=copied)

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()


def _no_automatic_checkpoints(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


# In WAL mode NORMAL skips the fsync of every commit: at two server processes it took decisions
# from about 420 to 680 a second (docs/benchmarks.md), at the price of durability on power loss.
_SYNCHRONOUS = {"full": "FULL", "normal": "NORMAL"}


# Once the log starts again, the first commit cuts its file back to this size. Without it the
# file stayed at its largest for good (458 MB seen while a million customers were loaded).
# Twice the size at which the checkpointer restarts the log, so that under a server's steady
# load the file is not cut and grown again at every restart.
LOG_FILE_KEPT = 256 * 1024 * 1024  # bytes


def _sqlite_pragmas(dbapi_connection: object, _record: object, synchronous: str) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the ingest writer
    cursor.execute(f"PRAGMA journal_size_limit={LOG_FILE_KEPT}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA synchronous={synchronous}")
    cursor.close()
