"""What the engine knows about a customer at decision time, read from the operational store.

One loader serves both paths: the API asks for one customer, the outbound run for thousands
at a time; the same three queries, bound to one id or to an ``IN`` list.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson
import sqlalchemy as sa

from savile.features.catalogue import slugs
from savile.identity._queries import linked_on
from savile.store.prepared import Prepared
from savile.store.tables import consents, contact_counters, contacts, customer_links, customers, feature_snapshots, holdings, live_profiles, preferences

CONTACT_HISTORY = 500  # newest contacts per customer the engine reads (caps, cooldowns, impressions)
GOLDEN_ATTRIBUTES = ("first_name", "last_name", "birth_date", "gender", "email", "phone", "city", "postcode", "country",
                     "language", "customer_since", "income_annual", "employment_status")


@dataclass(frozen=True)
class Contact:
    action_id: str
    channel: str
    kind: str
    marketing: bool
    occurred_at: datetime
    decision_id: str | None


@dataclass
class CustomerState:
    customer_id: str
    attributes: dict[str, Any]
    features: dict[str, Any] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    flags: dict[str, Any] = field(default_factory=dict)
    segment: str | None = None
    held: set[str] = field(default_factory=set)
    consents: dict[tuple[str, str | None], tuple[bool, datetime]] = field(default_factory=dict)
    contacts: list[Contact] = field(default_factory=list)
    model_version: str | None = None
    as_of: date | None = None
    live: dict[str, Any] = field(default_factory=dict)  # the live profile: what events said since the snapshot
    decisions_made: int = 0  # the customer's decision count when read: a decision made meanwhile changes it
    # sha256 of the features as the store holds them: the inputs digest takes it instead of
    # encoding hundreds of values in every decision (0.2 ms of a few).
    features_digest: str | None = None

    def granted(self, purpose: str, channel: str | None) -> bool:
        """The newest of the channel's own record and the every-channel record decides; no record = not granted."""
        found = [self.consents[key] for key in ((purpose, channel), (purpose, None)) if key in self.consents]
        return max(found, key=lambda entry: entry[1])[0] if found else False

    def age(self, today: date) -> int | None:
        if "age_years" in self.features:
            return int(self.features["age_years"])
        born = self.attributes.get("birth_date")
        if not born:
            return None
        born = date.fromisoformat(born) if isinstance(born, str) else born
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    def open_applications(self, product_codes: list[str]) -> set[str]:
        """Products with an application started and neither abandoned nor (yet) held."""
        out = set()
        for code, slug in slugs(product_codes).items():
            started = self.features.get(f"application_started_{slug}_90d", 0)
            abandoned = self.features.get(f"application_abandoned_{slug}_90d", 0)
            if started > abandoned and code not in self.held:
                out.add(code)
        return out | {code for code in self.live.get("open_applications", {}) if code not in self.held}


# Built once: the hot path only binds ids, so no statement is rebuilt or recompiled per
# decision. Three statements, not seven: on a database server each is a round trip. Each comes
# in two forms: ``= :id`` for the API's one customer (an expanding ``IN`` is re-rendered on every
# execution) and ``IN :ids`` for the outbound run's thousands.
_SNAPSHOT = "snapshot_"
_LIVE = "live_"


def _statements(matches: Callable[[sa.ColumnElement[str]], sa.ColumnElement[bool]]) -> tuple[sa.Select, sa.CompoundSelect, sa.Select]:
    # The golden record with its feature snapshot, live profile and decision count, one row per customer.
    profiles = (
        sa.select(customers, *[(sa.cast(c, sa.Text) if c is feature_snapshots.c.features else c).label(_SNAPSHOT + c.name)
                               for c in feature_snapshots.c],  # features as stored: decoded once, hashed as they are
                  *[c.label(_LIVE + c.name) for c in live_profiles.c], contact_counters.c.decisions.label("decisions_made"))
        .outerjoin(feature_snapshots, feature_snapshots.c.customer_id == customers.c.customer_id)
        .outerjoin(live_profiles, live_profiles.c.customer_id == customers.c.customer_id)
        .outerjoin(contact_counters, contact_counters.c.customer_id == customers.c.customer_id)
        .where(matches(customers.c.customer_id), customers.c.status == "active")
    )
    # Consents from every source, the preference centre's choices, and what is held, as one list.
    facts = sa.union_all(
        sa.select(customer_links.c.customer_id, sa.literal("consent").label("kind"), consents.c.purpose, consents.c.channel,
                  consents.c.granted, consents.c.recorded_at).join(customer_links, linked_on(consents))
        .where(matches(customer_links.c.customer_id)),
        sa.select(preferences.c.customer_id, sa.literal("consent"), preferences.c.purpose, preferences.c.channel,
                  preferences.c.granted, preferences.c.recorded_at).where(matches(preferences.c.customer_id)),
        sa.select(customer_links.c.customer_id, sa.literal("held"), holdings.c.product_code, sa.cast(sa.null(), consents.c.channel.type),
                  sa.cast(sa.null(), consents.c.granted.type), sa.cast(sa.null(), consents.c.recorded_at.type))
        .join(customer_links, linked_on(holdings)).where(matches(customer_links.c.customer_id), holdings.c.closed_at.is_(None)),
    )
    recent = (sa.select(contacts).where(matches(contacts.c.customer_id))
              .order_by(contacts.c.occurred_at.desc(), contacts.c.contact_id.desc())  # same-instant contacts in a set order
              .limit(sa.bindparam("most")))
    return profiles, facts, recent


# The API's one customer runs on the driver's cursor (``Prepared``: a third of the reads' time);
# the outbound run's lists are rendered per list, so they go through ``Connection.execute``.
_FOR_ONE = [Prepared(statement) for statement in _statements(lambda column: column == sa.bindparam("id"))]
_FOR_MANY = _statements(lambda column: column.in_(sa.bindparam("ids", expanding=True)))


PROFILES, FACTS, RECENT = range(3)  # the statements, in ``_statements``' order


def _read(connection: sa.Connection, customer_ids: list[str], which: int, params: dict[str, Any]) -> list[Any]:
    """Rows of statement ``which``: mappings for the profiles and the contacts, tuples for the facts."""
    as_tuples = which == FACTS
    if len(customer_ids) == 1:
        prepared, bound = _FOR_ONE[which], {"id": customer_ids[0], **params}
        return prepared.rows(connection, bound) if as_tuples else prepared.mappings(connection, bound)
    result = connection.execute(_FOR_MANY[which], {"ids": list(customer_ids), **params})
    return list(result) if as_tuples else list(result.mappings())


def load_states(connection: sa.Connection, customer_ids: list[str]) -> dict[str, CustomerState]:
    """The state of every active customer in ``customer_ids`` (missing or merged ids are left out)."""
    states = {}
    for row in _read(connection, customer_ids, PROFILES, {}):
        state = CustomerState(row["customer_id"], {k: _plain(row[k]) for k in GOLDEN_ATTRIBUTES if row[k] is not None},
                              decisions_made=row["decisions_made"] or 0)
        if row[_SNAPSHOT + "customer_id"] is not None:
            stored = row[_SNAPSHOT + "features"]
            state.features, state.features_digest = orjson.loads(stored), hashlib.sha256(stored.encode()).hexdigest()
            state.segment, state.as_of = row[_SNAPSHOT + "segment"], row[_SNAPSHOT + "as_of"]
            state.scores, state.reasons = row[_SNAPSHOT + "scores"] or {}, row[_SNAPSHOT + "reasons"] or {}
            state.flags, state.model_version = row[_SNAPSHOT + "flags"] or {}, row[_SNAPSHOT + "model_version"]
        if row[_LIVE + "customer_id"] is not None:
            state.live = {column.name: row[_LIVE + column.name] for column in live_profiles.c}
            state.flags = {**state.flags, **(state.live["flags"] or {})}  # raised live since the snapshot
        states[state.customer_id] = state
    if not states:
        return states
    found = list(states)
    for customer_id, kind, code, channel, granted, recorded_at in _read(connection, found, FACTS, {}):
        if kind == "held":
            states[customer_id].held.add(code)
            continue
        entries = states[customer_id].consents
        if (code, channel) not in entries or recorded_at > entries[(code, channel)][1]:  # newest wins, any source
            entries[(code, channel)] = (bool(granted), recorded_at)
    history: dict[str, list[Contact]] = defaultdict(list)
    for row in _read(connection, found, RECENT, {"most": CONTACT_HISTORY * len(states)}):
        if len(history[row["customer_id"]]) < CONTACT_HISTORY:
            history[row["customer_id"]].append(Contact(row["action_id"], row["channel"], row["kind"], row["marketing"],
                                                       row["occurred_at"], row["decision_id"]))
    for customer_id, entries in history.items():
        states[customer_id].contacts = entries
    return states


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return float(value) if isinstance(value, Decimal) else value
