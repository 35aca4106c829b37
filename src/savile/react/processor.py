"""Process one event: link it to a customer, update the live profile, record responses and
preferences, and let triggers ask the decision engine. Everything an event causes is written
in the transaction that marks it processed, so a crash either keeps all of it or none, and a
redelivered event finds itself processed and does nothing (idempotent by event id).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
import structlog

from savile.contract import parse_event
from savile.contract.tables import TABLES
from savile.decide import DecisionService
from savile.decide.service import load_products
from savile.decide.engine import Decision, DecisionRequest
from savile.decide.log import dialect_insert, insert_responses, lock_customers
from savile.decide.state import CustomerState, load_states
from savile.deliver.messages import Composer
from savile.deliver.outbox import enqueue
from savile.events.signals import SIGNALS
from savile.events.store_queue import add_to_ledger
from savile.identity._queries import linked_on
from savile.identity.realtime import match_event, stitch_device
from savile.insight.lexicon import difficulty_cues
from savile.react.geo import NearestLocations
from savile.react.live import apply_interaction, read_live, touch, write_live
from savile.react.triggers import (ApplicationUnfinished, FlagRaised, LocationNear, MoneyIn, PageTrouble, Trigger, as_decimal,
                                   candidates_for, due_after)
from savile.store.tables import communications, customer_links, events_received, holdings, identifiers, preferences, scheduled_jobs

log = structlog.get_logger(__name__)
RESPONSE_KINDS = {"offer_impression": "impression", "offer_click": "click", "offer_accept": "accept", "offer_decline": "decline",
                  "offer_dismiss": "dismiss"}
INBOX_CHANNELS = ("in_app", "mobile_app", "web")


@dataclass
class Outcome:
    event_id: str
    customer_id: str | None = None
    linked_by: str | None = None
    fired: list[str] = field(default_factory=list)
    scheduled: list[str] = field(default_factory=list)
    cancelled: int = 0
    deliveries: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list, repr=False)  # made by triggers; counted once committed

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k != "decisions" and v not in (None, [], 0)}


def ledger_key(table: str, payload: dict[str, Any]) -> str:
    """The idempotency key: ``event_id`` for interactions, the table's own key otherwise."""
    if table in ("interactions", SIGNALS):
        return str(payload["event_id"])
    return f"{table}:" + "|".join(str(payload.get(k)) for k in TABLES[table].key)


def claim(connection: sa.Connection, key: str, table: str, payload: dict[str, Any], now: datetime) -> bool:
    """Take the event for processing; False when it was processed before (a duplicate or a redelivery)."""
    add_to_ledger(connection, [{"event_id": key, "event_table": table, "payload": payload, "received_at": now}])
    taken = connection.execute(sa.update(events_received).where(events_received.c.event_id == key,
                                                                events_received.c.processed_at.is_(None)).values(processed_at=now))
    return taken.rowcount == 1


class EventProcessor:
    def __init__(self, service: DecisionService, triggers: list[Trigger], composer: Composer,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.service, self.store, self.triggers, self.composer, self.clock = service, service.store, triggers, composer, clock
        self.products = load_products(self.store)
        with self.store.begin() as connection:
            self.places = NearestLocations.load(connection)

    # --- events ---

    def handle(self, payload: dict[str, Any]) -> Outcome | None:
        """Process one event (validated again: a broker is not trusted); None when seen before."""
        table = payload.get("table", "interactions")
        if table == SIGNALS:
            event: dict[str, Any] = dict(payload)
            event["raised_at"] = datetime.fromisoformat(str(payload["raised_at"]))
        else:
            event = parse_event(payload).model_dump()
        key = ledger_key(table, event)
        now = self.clock()
        with self.service.writing() as connection:
            if not claim(connection, key, table, _jsonable(payload), now):
                return None
            outcome = Outcome(key)
            if table == "communications":  # kept like an ingested one: the next refresh's difficulty signal reads it
                connection.execute(dialect_insert(connection)(communications).values(
                    **{k: event.get(k) for k in communications.c.keys() if k != "extra"}).on_conflict_do_nothing(
                    index_elements=["communication_id"]))
            customer_id, outcome.linked_by = self._link(connection, table, event)
            outcome.customer_id = customer_id
            if customer_id:
                self._apply(connection, table, event, customer_id, now, outcome)
            connection.execute(sa.update(events_received).where(events_received.c.event_id == key).values(
                customer_id=customer_id, outcome=outcome.as_json()))
        return outcome

    def mark_failed(self, key: str, payload: dict[str, Any], error: Exception) -> None:
        """Keep an event that could not be processed, with its error, so that nothing is lost or retried forever."""
        now = self.clock()
        with self.service.writing() as connection:
            add_to_ledger(connection, [{"event_id": key, "event_table": payload.get("table", "interactions"),
                                        "payload": _jsonable(payload), "received_at": now}])
            connection.execute(sa.update(events_received).where(events_received.c.event_id == key).values(
                processed_at=now, outcome={"error": f"{type(error).__name__}: {error}"[:1000]}))

    def _link(self, connection: sa.Connection, table: str, event: dict[str, Any]) -> tuple[str | None, str | None]:
        if table == "interactions":
            found = match_event(connection, event)
            if found.customer_id and found.linked_by != "device" and event.get("device_id"):
                stitch_device(connection, None, event["device_id"], found.customer_id)
            return found.customer_id, found.linked_by
        if table == SIGNALS:
            return event["customer_id"], "signal"
        if table == "transactions":
            owner = sa.select(customer_links.c.customer_id).join(holdings, linked_on(holdings)).where(holdings.c.account_id == event["account_id"])
            return connection.execute(owner).scalar(), "account"
        if event.get("source") and event.get("source_customer_id"):
            found = connection.execute(sa.select(customer_links.c.customer_id).where(
                customer_links.c.source == event["source"], customer_links.c.source_customer_id == event["source_customer_id"])).scalar()
            return found, "source_id" if found else None
        return None, None

    def _apply(self, connection: sa.Connection, table: str, event: dict[str, Any], customer_id: str, now: datetime,
               outcome: Outcome) -> None:
        lock_customers(connection, [customer_id], now)  # one event per customer at a time: the live profile is read-modify-write
        state = load_states(connection, [customer_id]).get(customer_id)
        if state is None:
            outcome.notes.append("customer is not active")
            return
        profile = read_live(connection, customer_id)
        firings: list[tuple[Trigger, dict[str, Any]]] = []
        if table == "interactions":
            apply_interaction(profile, event, state.granted("location", None))
            self._responses(connection, event, customer_id, outcome)
            self._preferences(connection, event, customer_id, outcome)
            firings += self._interaction_triggers(connection, event, state, outcome)
        elif table == "transactions":
            touch(profile, event["booked_at"], event.get("channel"))
            firings += self._money_triggers(event, profile)
        elif table == "communications":
            touch(profile, event["occurred_at"], event.get("channel"))
            cues = difficulty_cues(event.get("text"))
            if cues and not state.flags.get("financial_difficulty"):
                profile["flags"].update(financial_difficulty=True, financial_difficulty_evidence=[
                    f"said on {event['channel']}: \"{phrase}\" ({cue.replace('_', ' ')})" for cue, phrase in cues])
                firings += self._flag_triggers("financial_difficulty")
        elif table == SIGNALS:
            touch(profile, event["raised_at"], None)
            firings += self._flag_triggers(event["flag"])
        write_live(connection, profile, now)
        if firings:
            state.live = profile  # what the decision must see: this event's effect included
            state.flags = {**state.flags, **profile["flags"]}
        for fired, (trigger, context) in enumerate(firings):
            if fired:  # an earlier trigger's decision presented something: caps must count it
                state = load_states(connection, [customer_id])[customer_id]
            self.fire(connection, trigger, state, context, cause=outcome.event_id, now=now, outcome=outcome)

    def _responses(self, connection: sa.Connection, event: dict[str, Any], customer_id: str, outcome: Outcome) -> None:
        kind = RESPONSE_KINDS.get(event["event_type"])
        properties = event.get("properties") or {}
        if kind is None or not properties.get("action_id"):
            return
        action = self.service.catalogue.by_id.get(str(properties["action_id"]))
        insert_responses(connection, [{"event_id": event["event_id"], "customer_id": customer_id, "action_id": str(properties["action_id"]),
                                       "channel": event["channel"], "kind": kind, "occurred_at": event["occurred_at"],
                                       "decision_id": properties.get("decision_id"), "marketing": bool(action and action.is_marketing)}])
        outcome.notes.append(f"response {kind} to {properties['action_id']}")

    def _preferences(self, connection: sa.Connection, event: dict[str, Any], customer_id: str, outcome: Outcome) -> None:
        properties = event.get("properties") or {}
        if event["event_type"] == "unsubscribe":
            granted, purpose = False, str(properties.get("purpose") or "marketing")
        elif event["event_type"] == "preference_change" and "granted" in properties and properties.get("purpose"):
            granted, purpose = bool(properties["granted"]), str(properties["purpose"])
        else:
            return
        channel = properties.get("channel") or None
        record_preference(connection, customer_id, purpose, channel, granted, event["occurred_at"], f"event {event['event_type']}",
                          event["event_id"])
        outcome.notes.append(f"{purpose} on {channel or 'every channel'}: {'granted' if granted else 'withdrawn'}")

    # --- detectors ---

    def _interaction_triggers(self, connection: sa.Connection, event: dict[str, Any], state: CustomerState,
                              outcome: Outcome) -> list[tuple[Trigger, dict[str, Any]]]:
        kind, properties = event["event_type"], event.get("properties") or {}
        fired = []
        for trigger in self.triggers:
            if isinstance(trigger, LocationNear) and kind == "location_ping":
                if not state.granted("location", None):
                    outcome.notes.append(f"{trigger.id}: no location consent")
                    continue
                lat, lon = as_decimal(properties.get("latitude")), as_decimal(properties.get("longitude"))
                place = self.places.nearest(float(lat), float(lon), list(trigger.location_kinds)) if lat is not None and lon is not None else None
                if place and place.distance_m <= trigger.within_metres:
                    fired.append((trigger, {"location_id": place.location_id, "location_name": place.name,
                                            "distance_m": round(place.distance_m, 1), "location_kind": place.kind}))
            elif isinstance(trigger, ApplicationUnfinished) and properties.get("product_code"):
                code = str(properties["product_code"])
                if kind == "application_started":
                    self._schedule(connection, trigger, state.customer_id, code, event, outcome)
                elif kind == "application_submitted":
                    outcome.cancelled += self._cancel(connection, trigger, state.customer_id, code)
            elif isinstance(trigger, PageTrouble) and kind in ("page_view", "screen_view"):
                duration = as_decimal(properties.get("duration_ms"))
                slow = trigger.min_duration_ms is not None and duration is not None and duration >= trigger.min_duration_ms
                failed = trigger.on_error and bool(properties.get("error_code"))
                if slow or failed:
                    fired.append((trigger, {"page": str(properties.get("page") or properties.get("screen") or ""),
                                            "error_code": properties.get("error_code"), "why": "error" if failed else "slow"}))
        return fired

    def _money_triggers(self, event: dict[str, Any], profile: dict[str, Any]) -> list[tuple[Trigger, dict[str, Any]]]:
        amount = as_decimal(event.get("amount"))
        if amount is None or amount <= 0:
            return []
        fired = []
        is_salary = (event.get("channel") or "").lower() == "salary"
        previous = as_decimal(profile["counts"].get("last_salary"))
        for trigger in self.triggers:
            if not isinstance(trigger, MoneyIn):
                continue
            large = trigger.min_amount is not None and amount >= trigger.min_amount
            rise = (is_salary and trigger.salary_rise is not None and previous is not None and previous > 0
                    and amount >= previous * (1 + as_decimal(trigger.salary_rise)))
            if large or rise:
                fired.append((trigger, {"amount": str(amount), "currency": event.get("currency"),
                                        "why": "salary rise" if rise else "large deposit"}))
        if is_salary:
            profile["counts"]["last_salary"] = str(amount)
        return fired

    def _flag_triggers(self, flag: str) -> list[tuple[Trigger, dict[str, Any]]]:
        return [(t, {"flag": flag}) for t in self.triggers if isinstance(t, FlagRaised) and t.flag == flag]

    # --- delayed jobs ---

    def _schedule(self, connection: sa.Connection, trigger: ApplicationUnfinished, customer_id: str, code: str,
                  event: dict[str, Any], outcome: Outcome) -> None:
        job_id = f"{trigger.id}:{event['event_id']}"
        connection.execute(dialect_insert(connection)(scheduled_jobs).values(
            job_id=job_id, due_at=due_after(trigger, event["occurred_at"]), trigger_id=trigger.id, customer_id=customer_id,
            payload={"product_code": code, "started_at": event["occurred_at"].isoformat()}, status="pending",
            created_at=self.clock()).on_conflict_do_nothing(index_elements=["job_id"]))
        outcome.scheduled.append(job_id)

    def _cancel(self, connection: sa.Connection, trigger: Trigger, customer_id: str, code: str) -> int:
        pending = connection.execute(sa.select(scheduled_jobs.c.job_id, scheduled_jobs.c.payload).where(
            scheduled_jobs.c.customer_id == customer_id, scheduled_jobs.c.trigger_id == trigger.id,
            scheduled_jobs.c.status == "pending")).all()
        ids = [job_id for job_id, payload in pending if payload.get("product_code") == code]
        if ids:
            connection.execute(sa.update(scheduled_jobs).where(scheduled_jobs.c.job_id.in_(ids)).values(
                status="cancelled", finished_at=self.clock(), outcome="application submitted"))
        return len(ids)

    def run_due_jobs(self, limit: int = 200) -> int:
        """Fire the delayed jobs that are due; each is taken once, in the transaction that fires it."""
        now = self.clock()
        with self.store.begin() as connection:
            due = connection.execute(sa.select(scheduled_jobs.c.job_id).where(
                scheduled_jobs.c.status == "pending", scheduled_jobs.c.due_at <= now).order_by(scheduled_jobs.c.due_at).limit(limit)).scalars().all()
        by_id = {t.id: t for t in self.triggers}
        for job_id in due:
            with self.service.writing() as connection:
                job = connection.execute(sa.select(scheduled_jobs).where(scheduled_jobs.c.job_id == job_id)).mappings().first()
                taken = connection.execute(sa.update(scheduled_jobs).where(
                    scheduled_jobs.c.job_id == job_id, scheduled_jobs.c.status == "pending").values(status="done", finished_at=now))
                if taken.rowcount != 1 or job is None:
                    continue
                trigger = by_id.get(job["trigger_id"])
                outcome = Outcome(job_id, job["customer_id"])
                if trigger is None:
                    outcome.notes.append("trigger no longer defined")
                else:
                    lock_customers(connection, [job["customer_id"]], now)
                    state = load_states(connection, [job["customer_id"]]).get(job["customer_id"])
                    code = job["payload"].get("product_code")
                    if state is None or code in state.held:
                        outcome.notes.append("customer inactive or already holds the product")
                    else:
                        product = self.products.get(code)
                        context = {"product_code": code, "product_name": product.name if product else code,
                                   "product_category": product.category if product else "",
                                   "event_date": job["payload"].get("started_at")}
                        self.fire(connection, trigger, state, context, cause=job_id, now=now, outcome=outcome)
                connection.execute(sa.update(scheduled_jobs).where(scheduled_jobs.c.job_id == job_id).values(
                    outcome="; ".join(outcome.notes) or f"deliveries: {', '.join(outcome.deliveries) or 'none'}"))
        return len(due)

    # --- firing ---

    def fire(self, connection: sa.Connection, trigger: Trigger, state: CustomerState, context: dict[str, Any], *, cause: str,
             now: datetime, outcome: Outcome) -> None:
        """Ask the decision engine on each of the trigger's channels in turn; the first action chosen is delivered.
        ``state`` was read under the customer's lock in this transaction."""
        customer_id = state.customer_id
        preferred = state.live.get("preferred_channel")
        channels = sorted(trigger.channels, key=lambda c: c != preferred)
        only = candidates_for(trigger, self.service.catalogue)
        asked = {**context, "trigger": trigger.when, "trigger_id": trigger.id}
        outcome.fired.append(trigger.id)
        for channel in channels:
            address = address_for(connection, state, channel)
            if address is None and channel not in INBOX_CHANNELS:
                outcome.notes.append(f"{trigger.id}: no {channel} address")
                continue
            request = DecisionRequest(customer_id, channel, now, context=asked, limit=1, only=only)
            decision = self.service.decide_in(connection, request, actor=f"trigger:{trigger.id}", mode="trigger", state=state)
            outcome.decisions.append(decision)
            if not decision.actions:
                reasons = sorted({c.reason for c in decision.candidates if c.action_id in only and c.reason})
                outcome.notes.append(f"{trigger.id}: nothing on {channel} ({', '.join(reasons) or 'no candidate'})")
                continue
            chosen = decision.actions[0]
            expires = now + timedelta(minutes=trigger.expires_minutes) if trigger.expires_minutes else None
            marketing = self.service.catalogue.by_id[chosen.action_id].is_marketing
            message = self.composer.compose(state, chosen, marketing, self.service.policy.consent_channel_for(channel))
            delivery_id = _delivery_id(cause, trigger.id)
            if enqueue(connection, delivery_id=delivery_id, customer_id=customer_id, channel=channel, address=address,
                       action_id=chosen.action_id, decision_id=decision.decision_id, trigger_id=trigger.id,
                       marketing=marketing, content=message, now=now, expires_at=expires,
                       during_quiet_hours=trigger.quiet_hours == "send"):
                outcome.deliveries.append(delivery_id)
            break
        if trigger.alert_agents:
            alert = self.composer.agent_alert(state, trigger.id, trigger.description, context)
            delivery_id = _delivery_id(cause, trigger.id + ":agent")
            if enqueue(connection, delivery_id=delivery_id, customer_id=customer_id, channel="agent", address=None, action_id=None,
                       decision_id=None, trigger_id=trigger.id, marketing=False, content=alert, now=now, expires_at=None):
                outcome.deliveries.append(delivery_id)


def address_for(connection: sa.Connection, state: CustomerState, channel: str) -> str | None:
    """Where a message on ``channel`` goes: the golden email or phone, the newest app install for push."""
    if channel == "email":
        return state.attributes.get("email")
    if channel == "sms":
        return state.attributes.get("phone")
    if channel == "push":
        return connection.execute(sa.select(identifiers.c.value).where(
            identifiers.c.customer_id == state.customer_id, identifiers.c.kind == "device").order_by(identifiers.c.seen_at.desc()).limit(1)).scalar()
    return None


def record_preference(connection: sa.Connection, customer_id: str, purpose: str, channel: str | None, granted: bool,
                      recorded_at: datetime, via: str, event_id: str | None) -> bool:
    lock_customers(connection, [customer_id], datetime.now(timezone.utc))  # a decision read before it must decide again
    statement = dialect_insert(connection)(preferences).values(
        customer_id=customer_id, purpose=purpose, channel=channel, granted=granted, recorded_at=recorded_at, via=via, event_id=event_id)
    if event_id is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["event_id"])
    return connection.execute(statement).rowcount == 1


def _delivery_id(cause: str, trigger_id: str) -> str:
    return hashlib.sha256(f"{cause}\x00{trigger_id}".encode()).hexdigest()[:32]


def _jsonable(payload: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(payload, default=str))
