"""Responses that arrived in batch (the interactions table) join the contact history.

Channel apps report impressions, clicks, accepts, declines and dismissals as interaction events
carrying ``action_id`` (and ``decision_id``) in ``properties``. Imported once each, by event id,
so a decline recorded in any system suppresses the action on every channel.
"""

from __future__ import annotations

from collections.abc import Callable

from savile.decide.log import insert_responses
from savile.store import DuckDBAnalyticalStore, SqlStore

KINDS = {"offer_impression": "impression", "offer_click": "click", "offer_accept": "accept", "offer_decline": "decline",
         "offer_dismiss": "dismiss"}


def import_responses(store: SqlStore, analytics: DuckDBAnalyticalStore, is_marketing: Callable[[str], bool]) -> int:
    """Copy resolved offer responses into ``contacts``, each event once; returns how many were new."""
    types = ", ".join(f"'{kind}'" for kind in KINDS)
    rows = analytics.run(f"""
        SELECT event_id, customer_id, json_extract_string(properties, '$.action_id'), channel, event_type, occurred_at,
               json_extract_string(properties, '$.decision_id')
        FROM interactions_resolved
        WHERE event_type IN ({types}) AND customer_id IS NOT NULL AND json_extract_string(properties, '$.action_id') IS NOT NULL""")
    if not rows:
        return 0
    new = [{"event_id": e, "customer_id": c, "action_id": a, "channel": ch, "kind": KINDS[t], "occurred_at": when, "decision_id": d,
            "marketing": is_marketing(a)} for e, c, a, ch, t, when, d in rows]
    with store.begin() as connection:
        return insert_responses(connection, new)
