"""Spark tests need Java 17: without it they skip on a laptop and fail in CI, which must run them."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest


def require_java() -> None:
    if shutil.which("java") is None:  # pyspark is a dev dependency; Spark itself runs on Java 17
        if os.environ.get("CI") == "true":
            raise RuntimeError("Spark needs Java 17 on PATH; CI must run the Spark tests (apt install openjdk-17-jre-headless).")
        pytest.skip("Spark needs Java 17 on PATH", allow_module_level=True)


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One Spark session per test process, with Splink's similarity UDFs: a JVM keeps the jars of
    its first session, so a session without them would break linkage on Spark run after it."""
    require_java()
    from savile.identity.linkage import spark_session

    session = spark_session("local[2]")
    session.conf.set("spark.sql.session.timeZone", "UTC")
    yield session
    session.stop()
