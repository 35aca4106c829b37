"""Refresh every customer's online profile: what a decision reads in one row.

Features as of a date, the segment, each product's calibrated propensity from the newest model
trained by then (with the features that raised the top products most), and the flags that
policies act on: financial difficulty with its evidence, transaction decline, attrition risk
(from the newest attrition model) and high-value lookalike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

from savile.exceptions import NotFoundError
from savile.features import FeatureBuilder
from savile.features.online import save_snapshot
from savile.insight import assess
from savile.models import at_risk, attrition_scores, load_attrition, load_model, lookalikes, transaction_decline
from savile.models.next_best_product import explain_scores, propensities
from savile.models.registry import ATTRITION, NEXT_BEST_PRODUCT
from savile.models.segments import segment_base
from savile.events.store_queue import StoreQueue
from savile.events.signals import SIGNALS
from savile.store import DuckDBAnalyticalStore, SqlStore
from savile.store.tables import feature_snapshots

EXPLAINED = 3  # products per customer whose score is explained
LOOKALIKE = 0.5  # resemblance to the most valuable tenth that raises the flag


@dataclass(frozen=True)
class ProfileSummary:
    as_of: date
    customers: int
    model_version: str | None
    segments: int
    in_difficulty: int
    declining: int
    flags_raised: int = 0  # flags newly on since the previous refresh, queued for the triggers


def refresh_profiles(store: SqlStore, analytics: DuckDBAnalyticalStore, models: Path, as_of: date) -> ProfileSummary:
    """``models``: the folder holding each model's registry (``next_best_product``, ``attrition``)."""
    builder = FeatureBuilder(store, analytics)
    features = builder.features_as_of(as_of)
    customers = features.customers
    profiles: dict[str, dict[str, Any]] = {c: {"flags": {}} for c in customers}
    version = _add_scores(builder, features, models / NEXT_BEST_PRODUCT, as_of, profiles)
    _add_attrition_risk(features, models / ATTRITION, as_of, profiles)
    for customer_id, resemblance in lookalikes(features, builder.products):
        if resemblance >= LOOKALIKE:
            profiles[customer_id]["flags"].update(high_value_lookalike=True, lookalike_resemblance=resemblance)
    difficulty = assess(store, analytics, as_of)
    for customer_id, found in difficulty.items():
        if customer_id in profiles and found.flagged:
            profiles[customer_id]["flags"].update(financial_difficulty=True, financial_difficulty_evidence=found.evidence)
    declining = transaction_decline(features)
    for decline in declining:
        profiles[decline.customer_id]["flags"].update(transaction_decline=True, activity_ratio=decline.ratio)
    segmenter, named = segment_base(features, {f.name: f.meaning for f in builder.catalogue()}) if len(customers) > 10 else (None, {})
    before = _flags_before(store)
    saved = save_snapshot(store, features, named, profiles)
    raised = _signal_raised_flags(store, before, profiles, as_of)
    flagged = sum(1 for p in profiles.values() if p["flags"].get("financial_difficulty"))
    return ProfileSummary(as_of, saved, version, segmenter.k_ if segmenter else 0, flagged, len(declining), raised)


SIGNALLED_FLAGS = ("financial_difficulty", "transaction_decline", "attrition_risk")


def _add_attrition_risk(features: Any, registry: Path, as_of: date, profiles: dict[str, dict[str, Any]]) -> None:
    try:
        model, _ = load_attrition(registry, as_of)
    except NotFoundError:
        return  # no model yet: the flag stays off, the transaction-decline monitor still runs
    for customer_id, risk in at_risk(model, attrition_scores(model, features)).items():
        profiles[customer_id]["flags"].update(attrition_risk=True, attrition_risk_score=risk)


def _flags_before(store: SqlStore) -> dict[str, dict[str, Any]]:
    with store.begin() as connection:
        return {c: f or {} for c, f in connection.execute(sa.select(feature_snapshots.c.customer_id, feature_snapshots.c.flags))}


def _signal_raised_flags(store: SqlStore, before: dict[str, dict[str, Any]], profiles: dict[str, dict[str, Any]], as_of: date) -> int:
    """Queue a signal for each flag that went from off to on since the previous refresh, so that
    triggers can act on it (a customer seen for the first time has crossed nothing)."""
    signals = [{"table": SIGNALS, "event_id": f"flag:{customer_id}:{flag}:{as_of.isoformat()}", "customer_id": customer_id, "flag": flag,
                "raised_at": datetime.combine(as_of, time(23, 59, 59), tzinfo=timezone.utc).isoformat()}
               for customer_id, profile in profiles.items() if customer_id in before
               for flag in SIGNALLED_FLAGS if profile["flags"].get(flag) and not before[customer_id].get(flag)]
    return StoreQueue(store).put(signals, [s["event_id"] for s in signals])


def _add_scores(builder: FeatureBuilder, features: Any, registry: Path, as_of: date, profiles: dict[str, dict[str, Any]]) -> str | None:
    try:
        model, meta = load_model(registry, as_of)
        customers, X, scores, eligible = propensities(builder, model, meta, features)
    except NotFoundError:
        return None  # no model yet: offers fall back to the policy's default propensity
    codes = builder.product_codes
    ranked = np.argsort(-np.where(eligible, scores, -1.0), axis=1, kind="stable")[:, :EXPLAINED]
    chosen = [(i, int(j)) for i in range(len(customers)) for j in ranked[i] if eligible[i, j]]
    reasons = explain_scores(model, X, list(model.feature_names_in_), chosen, 3)
    for i, customer_id in enumerate(customers):
        profiles[customer_id]["scores"] = {code: round(float(scores[i, j]), 6) for j, code in enumerate(codes)}
        profiles[customer_id]["reasons"] = {codes[j]: reasons[(i, j)] for j in ranked[i] if (i, int(j)) in reasons}
        profiles[customer_id]["model_version"] = meta["version"]
    return str(meta["version"])
