"""Settings: ``SAVILE_*`` environment variables override ``savile.toml`` in the workspace.

Only the composition roots (the CLI, later the API factory) read settings; domain code
receives what it needs as arguments.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from savile.exceptions import ConfigError

CONFIG_FILE = "savile.toml"
ENV_PREFIX = "SAVILE_"


class Settings(BaseModel):
    """Everything configurable, with defaults that run on one machine with no server."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    database_url: str | None = Field(
        None, description="SQLAlchemy URL of the operational store; default: SQLite file in the workspace"
    )
    analytics_path: str | None = Field(
        None, description="DuckDB file of the analytical store; default: analytics.duckdb in the workspace"
    )
    default_region: str = Field(
        "GB", description="ISO 3166-1 region used to read phone numbers written in a local format"
    )
    sqlite_synchronous: Literal["full", "normal"] = Field(
        "full", description="SQLite store: full = every commit is on disk before Savile answers; normal = a commit survives "
        "Savile crashing but the last ones may roll back if the machine loses power (the file stays consistent), for faster writes")
    ingest_batch_rows: int = Field(250_000, gt=0, description="rows per batch while ingesting (memory grows with it)")
    duckdb_memory_limit: str = Field(
        "1GB", description="memory DuckDB may use per connection before it spills to disk (keeps ingest memory flat)"
    )
    log_level: str = Field("WARNING", description="structlog level")
    source_trust: list[str] = Field(
        ["core_banking", "branch", "crm", "cards", "mobile_app", "web", "contact_centre"],
        description="sources in the order their values are trusted for golden records (comma-separated in SAVILE_SOURCE_TRUST); "
        "unlisted sources come last",
    )
    linkage_backend: Literal["duckdb", "spark"] = Field(
        "duckdb", description="where record linkage (Splink) runs: duckdb in process, or spark (the spark extra, Java 17)")
    spark_master: str = Field("local[*]", description="Spark master URL when linkage_backend is spark (spark://host:7077)")
    spark_checkpoint_dir: str | None = Field(
        None, description="folder all Spark workers can reach for intermediate tables; default: a temporary local folder")

    broker_url: str | None = Field(
        None, description="nats://host:4222 or redis://host:6379 for the event broker; default: the in-process queue in the store")
    broker_subject: str = Field("savile.events", description="the subject (NATS) or stream key (Redis) events travel on")
    broker_claim_after_ms: int = Field(30_000, gt=0, description="Redis: an entry a stopped worker never acknowledged is "
                                       "taken over after this long")
    smtp_url: str | None = Field(None, description="smtp://host:port for email; default: .eml files in the workspace's outbox folder")
    email_from: str = Field("Savile <no-reply@savile.invalid>", description="the From of every email")
    sms_webhook_url: str | None = Field(None, description="SMS gateway endpoint (JSON POST); default: files in the outbox folder")
    push_webhook_url: str | None = Field(None, description="push gateway endpoint (JSON POST); default: files in the outbox folder")
    public_url: str = Field("http://127.0.0.1:8000", description="where customers reach the API (unsubscribe links)")
    link_secret: str | None = Field(None, description="signs unsubscribe links; default: a random key kept in the workspace")

    @field_validator("source_trust", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value

    @field_validator("duckdb_memory_limit")
    @classmethod
    def _is_a_size(cls, value: str) -> str:
        if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", value.strip(), re.IGNORECASE):
            raise ValueError(f"must be a size such as 512MB or 2GB. Got {value!r} instead")
        return value.strip()

    @field_validator("default_region")
    @classmethod
    def _region_is_alpha2(cls, value: str) -> str:
        if len(value) != 2 or not value.isalpha():
            raise ValueError(f"must be an ISO 3166-1 alpha-2 code such as GB. Got {value!r} instead")
        return value.upper()


def load_settings(workspace: Path | None, environ: dict[str, str] | None = None) -> Settings:
    """Read ``savile.toml`` from ``workspace`` (if any) and apply ``SAVILE_*`` overrides."""
    values: dict[str, Any] = {}
    if workspace is not None and (workspace / CONFIG_FILE).is_file():
        path = workspace / CONFIG_FILE
        try:
            values.update(tomllib.loads(path.read_text(encoding="utf-8")).get("savile", {}))
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path} is not valid TOML: {error}. Fix the file or run 'savile init' again.") from error
    environ = os.environ if environ is None else environ
    for name in Settings.model_fields:
        env_name = ENV_PREFIX + name.upper()
        if env_name in environ:
            values[name] = environ[env_name]
    try:
        return Settings(**values)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise ConfigError(f"Invalid Savile settings ({problems}). Check savile.toml and SAVILE_* variables.") from error
