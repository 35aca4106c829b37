"""Record linkage on Spark is a change of setting: the same Splink model gives the same people."""

from __future__ import annotations

from savile.identity.features import load_records, match_features, to_match_table
from savile.identity.linkage import LinkageBackend
from savile.identity.matching import match_records
from savile.workspace import Workspace
from tests.spark import require_java

require_java()


def test_spark_backend_finds_the_same_people_as_duckdb(small_bank: Workspace, spark: object) -> None:
    records = to_match_table([match_features(row) for row in load_records(small_bank.store)])
    on_duckdb = match_records(records)
    on_spark = match_records(records, backend=LinkageBackend("spark", "local[2]"))
    assert sorted(map(sorted, on_spark.clusters)) == sorted(map(sorted, on_duckdb.clusters))
    assert sum(len(c) > 1 for c in on_spark.clusters) > 50  # people with several records were really linked
    model_links = {pair for pair, evidence in on_spark.evidence.items() if evidence.method == "splink"}
    assert len(model_links) > 20  # some links are Splink's alone, not only the deterministic rules'
