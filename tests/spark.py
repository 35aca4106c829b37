"""Spark tests need Java 17: without it they skip on a laptop and fail in CI, which must run them."""

from __future__ import annotations

import os
import shutil

import pytest


def require_java() -> None:
    if shutil.which("java") is None:  # pyspark is a dev dependency; Spark itself runs on Java 17
        if os.environ.get("CI") == "true":
            raise RuntimeError("Spark needs Java 17 on PATH; CI must run the Spark tests (apt install openjdk-17-jre-headless).")
        pytest.skip("Spark needs Java 17 on PATH", allow_module_level=True)
