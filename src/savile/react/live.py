"""The live profile: what events said since the last batch refresh, one row per customer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from savile.store.tables import live_profiles

APPLICATION_EVENTS = ("application_started", "application_submitted", "application_abandoned")


def read_live(connection: sa.Connection, customer_id: str) -> dict[str, Any]:
    row = connection.execute(sa.select(live_profiles).where(live_profiles.c.customer_id == customer_id)).mappings().first()
    if row is None:
        return {"customer_id": customer_id, "counts": {}, "open_applications": {}, "flags": {}, "location": None,
                "preferred_channel": None, "last_seen_at": None, "last_channel": None, "new": True}
    return {**dict(row), "counts": dict(row["counts"]), "open_applications": dict(row["open_applications"]),
            "flags": dict(row["flags"]), "new": False}


def apply_interaction(profile: dict[str, Any], event: dict[str, Any], location_allowed: bool) -> None:
    """Fold one interaction into the profile (in memory; ``write_live`` stores it)."""
    kind, properties = event["event_type"], event.get("properties") or {}
    occurred = event["occurred_at"]
    counts = profile["counts"]
    counts[kind] = counts.get(kind, 0) + 1
    if kind == "feature_used" and properties.get("feature"):
        name = f"feature:{properties['feature']}"
        counts[name] = counts.get(name, 0) + 1
    if kind in APPLICATION_EVENTS and properties.get("product_code"):
        code = str(properties["product_code"])
        if kind == "application_started":
            profile["open_applications"][code] = occurred.isoformat()
        else:
            profile["open_applications"].pop(code, None)
    if kind == "location_ping" and location_allowed:
        profile["location"] = {"latitude": properties.get("latitude"), "longitude": properties.get("longitude"),
                               "at": occurred.isoformat()}
    if kind == "preference_change" and properties.get("preferred_channel"):
        profile["preferred_channel"] = str(properties["preferred_channel"])
    touch(profile, occurred, event.get("channel"))


def touch(profile: dict[str, Any], occurred: datetime, channel: str | None) -> None:
    if profile["last_seen_at"] is None or occurred >= profile["last_seen_at"]:
        profile["last_seen_at"], profile["last_channel"] = occurred, channel or profile["last_channel"]


def write_live(connection: sa.Connection, profile: dict[str, Any], now: datetime) -> None:
    values = {k: profile[k] for k in ("counts", "open_applications", "flags", "location", "preferred_channel", "last_seen_at",
                                      "last_channel")}
    values["updated_at"] = now
    if profile["new"]:
        connection.execute(sa.insert(live_profiles).values(customer_id=profile["customer_id"], **values))
        profile["new"] = False
    else:
        connection.execute(sa.update(live_profiles).where(live_profiles.c.customer_id == profile["customer_id"]).values(**values))
