"""Probabilistic record linkage with Splink, plus deterministic evidence and the household guard.

Splink runs on DuckDB by default; ``LinkageBackend("spark", master)`` runs the very same model
on Spark (the setting ``linkage_backend``), so scaling out is a change of setting, not of code.
Custom comparison levels are written in DuckDB's SQL and translated by Splink (SQLGlot).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import duckdb
import pyarrow as pa
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule
from splink.backends.duckdb import DuckDBAPI
from splink.internals.database_api import DatabaseAPI
from splink.internals.exceptions import SplinkException
from splink.internals.splink_dataframe import SplinkDataFrame

log = logging.getLogger(__name__)

# Pairs below this probability are not linked. High on purpose: a wrong merge shows one
# person another's money; a missed link only leaves two records apart.
MATCH_THRESHOLD = 0.95


def _level(sql_condition: str, label: str) -> cll.CustomLevel:
    return cll.CustomLevel(sql_condition, label, base_dialect_str="duckdb")


def _names_swapped() -> cll.CustomLevel:
    # First and last name entered the other way round in one system (or one transliterated
    # with the family name first): both comparisons see it, neither sees a different name.
    # (Damerau-Levenshtein, not Jaro-Winkler: SQLGlot names the latter for Spark a function
    # Spark lacks, while Splink's jar supplies the former.)
    def close(one: str, other: str) -> str:
        return (f'("{one}_key_l" = "{other}_key_r" '
                f'OR damerau_levenshtein("{one}_latin_l", "{other}_latin_r") <= 1)')

    return _level(f"{close('first', 'last')} AND {close('last', 'first')}", "first and last name swapped")


def _first_name() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="first_name",
        comparison_levels=[
            cll.Or(cll.NullLevel("first_latin"), cll.NullLevel("first_initial")),
            cll.ExactMatchLevel("first_latin").configure(tf_adjustment_column="first_latin"),
            _level('"first_key_l" = "first_key_r"', "same phonetic key (spelling, script)"),
            _level("array_length(array_intersect(first_forms_l, first_forms_r)) > 0", "nickname of one another"),
            cll.JaroWinklerLevel("first_latin", 0.88),
            _level('("first_abjad_l" OR "first_abjad_r") AND damerau_levenshtein("first_key_l", "first_key_r") <= 1',
                            "Persian script, sounds one letter apart"),
            _level(
                '("first_is_initial_l" OR "first_is_initial_r") AND "first_initial_l" = "first_initial_r"',
                "one side is only an initial, and it agrees",
            ),
            _names_swapped(),
            cll.ElseLevel(),
        ],
    )


def _last_name() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="last_name",
        comparison_levels=[
            cll.NullLevel("last_latin"),
            cll.ExactMatchLevel("last_latin").configure(tf_adjustment_column="last_latin"),
            _level('"last_key_l" = "last_key_r"', "same phonetic key (spelling, script)"),
            cll.JaroWinklerLevel("last_latin", 0.88),
            _level('("last_abjad_l" OR "last_abjad_r") AND damerau_levenshtein("last_key_l", "last_key_r") <= 1',
                            "Persian script, sounds one letter apart"),
            _names_swapped(),
            cll.ElseLevel(),
        ],
    )


def _one_typo_apart(column: str) -> cl.CustomComparison:
    # Identifiers keyed by hand: a slipped or swapped digit is still much likelier the same one.
    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[cll.NullLevel(column), cll.ExactMatchLevel(column),
                           cll.DamerauLevenshteinLevel(column, 1), cll.ElseLevel()],
    )


def _birth_date() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="birth_date",
        comparison_levels=[
            cll.NullLevel("birth_date"),
            cll.ExactMatchLevel("birth_date"),
            cll.DamerauLevenshteinLevel("birth_date", 1),
            cll.ElseLevel(),
        ],
    )


def settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            _first_name(),
            _last_name(),
            _birth_date(),
            cl.ExactMatch("email_key").configure(term_frequency_adjustments=True),
            cl.ExactMatch("phone").configure(term_frequency_adjustments=True),
            _one_typo_apart("postcode_key"),
            cl.ExactMatch("address_key"),
            _one_typo_apart("national_id"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("email_key"),
            block_on("phone"),
            block_on("national_id"),
            block_on("postcode_key", "last_key"),
            block_on("postcode_key", "first_key"),  # a surname changed (marriage) or mistyped
            block_on("last_key", "birth_date"),
            block_on("first_key", "birth_date"),
            block_on("last_key", "first_initial", "house_number"),
            block_on("postcode_key", "birth_date"),
            # First and last name swapped between systems.
            CustomRule('l."first_key" = r."last_key" AND l."last_key" = r."first_key"', sql_dialect="duckdb"),
        ],
        retain_intermediate_calculation_columns=False,
        additional_columns_to_retain=["source"],
    )


DEFAULT_PRIOR = 0.0001  # Splink's own default for probability_two_random_records_match


@dataclass
class Edges:
    """Scored pairs of record ids that the model would link, before any guard."""

    left: list[int]
    right: list[int]
    probability: list[float]


LOCAL_SHUFFLE_PARTITIONS = 4


@dataclass(frozen=True)
class LinkageBackend:
    """Where Splink runs: ``duckdb`` in process, or ``spark`` on ``master`` (``local[*]``, ``spark://host:7077``)."""

    engine: Literal["duckdb", "spark"] = "duckdb"
    spark_master: str = "local[*]"
    spark_checkpoint_dir: str | None = None  # shared storage on a cluster; default a temporary folder


def predict_edges(records: pa.Table, threshold: float = MATCH_THRESHOLD, seed: int = 7,
                  backend: LinkageBackend = LinkageBackend()) -> Edges:
    """Train a Splink model on ``records`` (no labels) and return the pairs above ``threshold``."""
    with _database(backend) as db_api:
        linker = Linker(db_api.register(records, table_name="records"), settings(), log_level=logging.ERROR)
        _train(linker, seed, _training_errors(backend))
        predictions = linker.inference.predict(threshold_match_probability=threshold)
        columns = _pairs(predictions, backend).sort_by([("unique_id_l", "ascending"), ("unique_id_r", "ascending")])
    return Edges(columns["unique_id_l"].to_pylist(), columns["unique_id_r"].to_pylist(),
                 [float(p) for p in columns["match_probability"].to_pylist()])


@contextmanager
def _database(backend: LinkageBackend) -> Iterator[DatabaseAPI[Any]]:
    if backend.engine == "duckdb":
        connection = duckdb.connect()
        try:
            yield DuckDBAPI(connection)
        finally:
            connection.close()
        return
    from splink.backends.spark import SparkAPI  # the optional ``spark`` extra

    session = spark_session(backend.spark_master)
    # Splink cuts the lineage of each step's table by writing it under the checkpoint folder.
    with tempfile.TemporaryDirectory(prefix="savile-linkage-") as scratch:
        session.sparkContext.setCheckpointDir(backend.spark_checkpoint_dir or scratch)
        yield SparkAPI(spark_session=session)


def spark_session(master: str) -> Any:
    """The Spark session linkage runs in (an existing one is reused). Start it here, before any
    other Spark work in the process: a JVM keeps its first session's jars, and Splink's
    string-similarity functions are Scala UDFs shipped in its jar."""
    from pyspark.sql import SparkSession
    from splink.internals.spark.jar_location import similarity_jar_location

    builder = (SparkSession.builder.master(master).appName("savile-linkage")
               .config("spark.jars", similarity_jar_location()).config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false"))
    if master.startswith("local"):
        # Spark's 200 shuffle partitions are meant for a cluster; on one machine they make
        # Splink's many small steps slow.
        builder = builder.config("spark.sql.shuffle.partitions", str(LOCAL_SHUFFLE_PARTITIONS))
    return builder.getOrCreate()


def _training_errors(backend: LinkageBackend) -> tuple[type[Exception], ...]:
    # What a training step raises when the bank lacks the pairs it needs, per engine.
    if backend.engine == "duckdb":
        return (ValueError, SplinkException, duckdb.Error)
    from pyspark.errors import PySparkException

    return (ValueError, SplinkException, PySparkException)


def _pairs(predictions: SplinkDataFrame, backend: LinkageBackend) -> pa.Table:
    wanted = ["unique_id_l", "unique_id_r", "match_probability"]
    if backend.engine == "duckdb":
        return predictions.as_duckdbpyrelation().select(*wanted).to_arrow_table()
    return predictions.as_spark_dataframe().select(*wanted).toArrow()


def _train(linker: Linker, seed: int, errors: tuple[type[Exception], ...]) -> None:
    # Strong identifiers give the prior; u from random pairs; m by EM within blocks that
    # leave the trained comparisons free to vary. A small bank (or a test) may not have the
    # pairs a step needs: that step keeps Splink's defaults and says so in the log.
    steps = [
        ("prior", lambda: linker.training.estimate_probability_two_random_records_match(
            [block_on("email_key"), block_on("national_id"), block_on("phone", "birth_date")], recall=0.7)),
        ("u", lambda: linker.training.estimate_u_using_random_sampling(max_pairs=2_000_000, seed=seed)),
    ]
    for columns in (("email_key",), ("phone",), ("last_key", "birth_date"), ("postcode_key",)):
        rule = block_on(*columns)
        steps.append((f"m by EM within blocks of {' + '.join(columns)}",
                      lambda rule=rule: linker.training.estimate_parameters_using_expectation_maximisation(rule)))
    for name, step in steps:
        before = linker._settings_obj.core_model_settings.copy()  # noqa: SLF001
        try:
            step()
        except errors as error:
            # Splink's EM session drops the blocked comparisons and sets the in-block prior on
            # the linker's own model before it finds the block empty; a failed step must leave
            # the model as it was (it had left FEBRL4 with a prior of 0.99).
            linker._settings_obj.core_model_settings = before  # noqa: SLF001
            log.warning("linkage training step %r skipped: %s", name, str(error).splitlines()[0])
        if name == "prior":
            _keep_prior_inside(linker)


def _keep_prior_inside(linker: Linker) -> None:
    # With no pair sharing a strong identifier Splink estimates the prior as 0 (or 1 when every
    # pair does), and scoring then fails on log2(0); such a bank keeps Splink's default prior.
    # Splink sets it on its settings object and offers no public setter.
    settings_object = linker._settings_obj  # noqa: SLF001
    if not 0 < settings_object._probability_two_random_records_match < 1:  # noqa: SLF001
        log.warning("linkage prior estimated at %s from too few pairs; kept at %s", settings_object._probability_two_random_records_match,  # noqa: SLF001
                    DEFAULT_PRIOR)
        settings_object._probability_two_random_records_match = DEFAULT_PRIOR  # noqa: SLF001
