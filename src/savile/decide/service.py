"""Decisions against the operational store: one customer online, or the whole base outbound."""

from __future__ import annotations

import contextlib
import csv
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import uuid6

from savile.decide.actions import Product
from savile.decide.catalogue import Catalogue, load_catalogue
from savile.decide.engine import Decision, DecisionRequest, decide
from savile.decide.log import append, lock_customer, lock_customers, read_decision
from savile.decide.policy import DecisionPolicy
from savile.decide.state import CustomerState, load_states
from savile.exceptions import NotFoundError
from savile.metrics import DECIDED_AGAIN, WRITE_GROUP, count_decisions
from savile.store import SqlStore
from savile.store.group_commit import GroupCommit
from savile.store.tables import customer_links, customers, feature_snapshots, products

OUTBOUND_CHUNK = 2_000


class DecisionService:
    def __init__(self, store: SqlStore, catalogue: Catalogue, policy: DecisionPolicy) -> None:
        self.store = store
        self.policy = policy
        self.use(catalogue)
        self._commits: GroupCommit[_Made, Decision] = GroupCommit(self._write)

    def use(self, catalogue: Catalogue) -> None:
        """Switch to another catalogue (after an edit); decisions in flight keep the one they started with."""
        self.catalogue = catalogue
        self._marketing = {a.id: a.is_marketing for a in catalogue.actions}

    @classmethod
    def open(cls, store: SqlStore, catalogue_folder: Path | None, policy: DecisionPolicy, features: set[str] | None = None) -> DecisionService:
        return cls(store, load_catalogue(catalogue_folder, load_products(store), features), policy)

    def decide(self, request: DecisionRequest, actor: str = "cli") -> Decision:
        """One decision, logged; concurrent decisions for the same customer are serialised.

        Optimistic: the state is read and the decision made outside the writer's queue, then
        written under the customer's lock only if no other decision for them landed in between
        (their decision count is the version); if one did, it is decided again under the lock.
        On SQLite's one writer, the queue then holds only the writes and the commit, not the
        reads and the engine (two server processes were capped by the whole decision queueing).
        The writes of decisions made at the same moment are committed together (``GroupCommit``)."""
        catalogue, marketing = self.catalogue, self._marketing
        with self.store.reading() as connection:
            state = _state_of(connection, request.customer_id)
        decision = self._decision(request, state, catalogue)
        logged = self._commits.submit(_Made(decision, state.decisions_made, request, catalogue, marketing, actor))
        count_decisions([logged], "online")
        return logged

    def _write(self, group: list[_Made]) -> list[Decision | BaseException]:
        """Log a group of decisions in one transaction. If it fails, each is tried on its own,
        so that one decision's failure (its customer merged meanwhile) fails only that one."""
        WRITE_GROUP.observe(len(group))
        try:
            with self.writing() as connection:
                return self._write_in(connection, group)
        except Exception:
            if len(group) == 1:
                raise
        outcomes: list[Decision | BaseException] = []
        for made in group:
            try:
                with self.writing() as connection:
                    outcomes.extend(self._write_in(connection, [made]))
            except Exception as error:  # noqa: BLE001 — handed to the request that made it
                outcomes.append(error)
        return outcomes

    def _write_in(self, connection: sa.Connection, group: list[_Made]) -> list[Decision]:
        # Customers are locked in id order, so two server processes' groups on PostgreSQL cannot deadlock.
        order = sorted(range(len(group)), key=lambda i: group[i].decision.customer_id)
        written = [made.decision for made in group]
        pending: list[_Made] = []
        for i in order:
            made = group[i]
            request = made.request
            if lock_customer(connection, request.customer_id, request.now) != made.decisions_made + 1:  # another landed meanwhile
                DECIDED_AGAIN.inc()
                _append(connection, pending)  # so that the state read again sees the decisions already written
                pending = []
                made = replace(made, decision=self._decision(request, _state_of(connection, request.customer_id), made.catalogue))
                written[i] = made.decision
            pending.append(made)
        _append(connection, pending)
        return written

    def _decision(self, request: DecisionRequest, state: CustomerState, catalogue: Catalogue) -> Decision:
        seed = request.seed if request.seed is not None else uuid.uuid4().int % 2**32
        return decide(new_decision_id(), state, replace(request, seed=seed), catalogue, self.policy)

    @contextlib.contextmanager
    def writing(self) -> Iterator[sa.Connection]:
        """A write transaction, queued for SQLite's one writer (``SqlStore.writer``)."""
        with self.store.writer(), self.store.begin() as connection:
            yield connection

    def decide_in(self, connection: sa.Connection, request: DecisionRequest, actor: str, mode: str = "online",
                  state: CustomerState | None = None) -> Decision:
        """A decision inside the caller's transaction (a trigger logs it with the event that caused it).
        A caller that holds the customer's lock and has just read their state passes it in."""
        catalogue, marketing = self.catalogue, self._marketing
        if state is None:
            lock_customers(connection, [request.customer_id], request.now)
            state = _state_of(connection, request.customer_id)
        decision = self._decision(request, state, catalogue)
        append(connection, [decision], mode, actor, marketing)
        return decision  # counted by the caller once its transaction commits

    def outbound(self, channel: str, out: Path, now: datetime | None = None, progress: Callable[[int, int], None] | None = None,
                 actor: str = "cli") -> int:
        """The action each customer should get now on ``channel`` (the contract's ``savile decide``)."""
        now = now or datetime.now(timezone.utc)
        with self.store.begin() as connection:
            ids = [row[0] for row in connection.execute(sa.select(customers.c.customer_id).where(customers.c.status == "active")
                                                         .order_by(customers.c.customer_id))]
        out.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        with out.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["customer_id", "action_id", "product_code", "score"])
            for start in range(0, len(ids), OUTBOUND_CHUNK):
                chunk = ids[start : start + OUTBOUND_CHUNK]
                made = self._outbound_chunk(chunk, channel, now, actor)
                for decision in made:
                    for action in decision.actions:
                        writer.writerow([decision.customer_id, action.action_id, action.product_code or "", action.score])
                        written += 1
                if progress:
                    progress(min(start + OUTBOUND_CHUNK, len(ids)), len(ids))
        return written

    def _outbound_chunk(self, chunk: list[str], channel: str, now: datetime, actor: str) -> list[Decision]:
        with self.store.writer(), self.store.begin() as connection:
            lock_customers(connection, chunk, now)
            states = load_states(connection, chunk)
            made = []
            for customer_id in chunk:
                if customer_id in states:
                    seed = uuid.uuid4().int % 2**32
                    request = DecisionRequest(customer_id, channel, now, limit=1, seed=seed)
                    made.append(decide(new_decision_id(), states[customer_id], request, self.catalogue, self.policy))
            made = [d for d in made if d.actions]
            append(connection, made, "outbound", actor, self._marketing)
        count_decisions(made, "outbound")
        return made

    def trace(self, decision_id: str) -> dict[str, Any]:
        with self.store.begin() as connection:
            return read_decision(connection, decision_id)


@dataclass(frozen=True)
class _Made:
    """A decision waiting to be logged, with what it was decided on."""

    decision: Decision
    decisions_made: int  # the customer's decision count when their state was read: the version
    request: DecisionRequest
    catalogue: Catalogue
    marketing: dict[str, bool]
    actor: str


def _append(connection: sa.Connection, group: list[_Made]) -> None:
    """``append`` for decisions of possibly different callers (and catalogues, across an edit)."""
    by_caller: dict[tuple[str, int], list[_Made]] = {}
    for made in group:
        by_caller.setdefault((made.actor, id(made.marketing)), []).append(made)
    for (actor, _), same in by_caller.items():
        append(connection, [made.decision for made in same], "online", actor, same[0].marketing)


def new_decision_id() -> str:
    """A UUIDv7: ordered by time, so the decision log's key index grows at its end instead of
    one random page of it in every commit."""
    return str(uuid6.uuid7())


def _state_of(connection: sa.Connection, customer_id: str) -> CustomerState:
    state = load_states(connection, [customer_id]).get(customer_id)
    if state is None:
        raise NotFoundError(f"No active customer {customer_id}.")
    return state


def resolve_customer(store: SqlStore, *, customer_id: str | None = None, source: str | None = None,
                     source_customer_id: str | None = None) -> str:
    """The active golden id for a golden id or a source record, following merges."""
    with store.reading() as connection:
        if customer_id is None:
            customer_id = connection.execute(sa.select(customer_links.c.customer_id).where(
                customer_links.c.source == source, customer_links.c.source_customer_id == source_customer_id)).scalar()
            if customer_id is None:
                raise NotFoundError(f"No customer record {source}/{source_customer_id}.")
        for _ in range(10):  # a steward's merges may chain
            row = connection.execute(sa.select(customers.c.status, customers.c.merged_into).where(customers.c.customer_id == customer_id)).first()
            if row is None:
                raise NotFoundError(f"No customer {customer_id}.")
            if row.status != "merged" or not row.merged_into:
                return customer_id
            customer_id = row.merged_into
    return customer_id


def load_products(store: SqlStore) -> dict[str, Product]:
    with store.begin() as connection:
        rows = connection.execute(sa.select(products)).mappings().all()
    return {r["product_code"]: Product(r["product_code"], r["name"], r["category"], bool(r["is_credit"]),
                                       float(r["annual_value"]) if r["annual_value"] is not None else None, r["min_age"], r["max_age"])
            for r in rows}


def has_profiles(store: SqlStore) -> bool:
    with store.begin() as connection:
        return connection.execute(sa.select(feature_snapshots.c.customer_id).limit(1)).first() is not None
