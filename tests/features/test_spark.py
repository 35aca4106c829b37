"""The feature SQL, translated for Spark by SQLGlot, gives Spark the same features as DuckDB."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any


from savile.features import FeatureBuilder
from savile.identity import resolve
from savile.workspace import init_workspace
from tests.ingest.helpers import ingest
from tests.spark import require_java

TABLES = ("golden", "holdings_resolved", "transactions", "account_map", "interactions_resolved")

require_java()


def test_spark_computes_the_same_features_as_duckdb(spark: Any, example_folder: Path, tmp_path: Path) -> None:
    workspace = init_workspace(tmp_path / "ws")  # the operational store does not matter here: SQLite only
    ingest(workspace, example_folder)
    resolve(workspace.store, workspace.analytics, ["core"])
    builder = FeatureBuilder(workspace.store, workspace.analytics)
    compared = []
    for as_of in (date(2026, 2, 28), date(2026, 1, 15)):
        expected = builder.features_as_of(as_of).table.to_pylist()
        for name in TABLES:
            path = tmp_path / f"{name}.parquet"
            workspace.analytics.connection.sql(f"COPY (SELECT * FROM {name}) TO '{path}' (FORMAT parquet)")
            spark.read.parquet(str(path)).createOrReplaceTempView(name)
        got = [row.asDict() for row in spark.sql(builder.spark_sql(as_of)).collect()]
        assert [r["customer_id"] for r in got] == [r["customer_id"] for r in expected]
        different = [(name, e[name], g[name]) for e, g in zip(expected, got, strict=True) for name in e
                     if name != "customer_id" and not _same(e[name], g[name])]
        assert not different, different[:10]
        compared += got
    assert any(v not in (None, 0) for row in compared for k, v in row.items() if k.startswith("txn_"))  # not an empty comparison
    workspace.close()


def _same(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)  # type: ignore[arg-type]
