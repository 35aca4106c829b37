"""Send what the outbox holds: quiet hours, caps and consent checked again at send time, retries
with backoff, and a log of every delivery's status.

A delivery is marked ``sending`` (committed) before it goes out and ``sent`` after. A worker
killed in between leaves it ``sending``; recovery marks it ``unknown`` rather than sending it
again, because a customer must never get the same message twice. Gateways may also drop
repeats by the delivery id (``Idempotency-Key``, ``Message-ID``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
import structlog

from savile.decide.policy import DecisionPolicy
from savile.decide.state import load_states
from savile.deliver.channels import Channel, DeliveryFailed
from savile.deliver.timing import customer_zone, quiet_until
from savile.metrics import DELIVERIES
from savile.store import SqlStore
from savile.store.tables import customers, deliveries

log = structlog.get_logger(__name__)
INBOX = ("in_app", "mobile_app", "web", "agent")


@dataclass
class Sent:
    sent: int = 0
    deferred: int = 0
    suppressed: int = 0
    failed: int = 0
    retried: int = 0


class Dispatcher:
    def __init__(self, store: SqlStore, channels: Mapping[str, Channel], policy: DecisionPolicy,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.store, self.channels, self.policy, self.clock = store, channels, policy, clock

    def recover(self, stale_after: timedelta = timedelta(minutes=5)) -> int:
        """Deliveries a stopped worker left ``sending`` become ``unknown`` (never resent)."""
        with self.store.begin() as connection:
            done = connection.execute(sa.update(deliveries).where(
                deliveries.c.status == "sending", deliveries.c.not_before <= self.clock() - stale_after).values(
                status="unknown", last_error="the worker stopped while sending; not resent so that no one gets it twice"))
        return done.rowcount

    def run_once(self, limit: int = 200) -> Sent:
        now = self.clock()
        tally = Sent()
        with self.store.begin() as connection:
            due = connection.execute(sa.select(deliveries).where(deliveries.c.status == "pending", deliveries.c.not_before <= now)
                                     .order_by(deliveries.c.not_before, deliveries.c.created_at).limit(limit)).mappings().all()
        for row in due:
            self._one(dict(row), now, tally)
        for outcome, n in vars(tally).items():
            if n:
                DELIVERIES.labels(outcome).inc(n)
        return tally

    def _one(self, delivery: dict[str, Any], now: datetime, tally: Sent) -> None:
        verdict = self._hold_back(delivery, now)
        if verdict is not None:
            status, until, why = verdict
            with self.store.begin() as connection:
                connection.execute(sa.update(deliveries).where(deliveries.c.delivery_id == delivery["delivery_id"],
                                                               deliveries.c.status == "pending").values(
                    status=status, not_before=until or delivery["not_before"], last_error=why))
            if status == "pending":
                tally.deferred += 1
            else:
                tally.suppressed += 1
            return
        with self.store.begin() as connection:
            taken = connection.execute(sa.update(deliveries).where(deliveries.c.delivery_id == delivery["delivery_id"],
                                                                   deliveries.c.status == "pending").values(
                status="sending", attempts=deliveries.c.attempts + 1, not_before=now))
        if taken.rowcount != 1:
            return  # another dispatcher took it
        try:
            self.channels[_channel_kind(delivery["channel"])].send(delivery)
        except DeliveryFailed as error:
            attempts = delivery["attempts"] + 1
            again = error.retry and attempts < self.policy.max_attempts
            wait = timedelta(seconds=self.policy.retry_seconds * 2 ** (attempts - 1))
            with self.store.begin() as connection:
                connection.execute(sa.update(deliveries).where(deliveries.c.delivery_id == delivery["delivery_id"]).values(
                    status="pending" if again else "failed", not_before=now + wait if again else now, last_error=str(error)[:500]))
            tally.retried += again
            tally.failed += not again
            log.warning("delivery failed", delivery_id=delivery["delivery_id"], channel=delivery["channel"], error=str(error), retry=again)
            return
        with self.store.begin() as connection:
            connection.execute(sa.update(deliveries).where(deliveries.c.delivery_id == delivery["delivery_id"]).values(
                status="sent", sent_at=self.clock(), last_error=None))
        tally.sent += 1

    def _hold_back(self, delivery: dict[str, Any], now: datetime) -> tuple[str, datetime | None, str] | None:
        """(status, not_before, why) when the delivery must wait or not go at all; None to send now."""
        expires = delivery["content"].get("expires_at")
        if expires and datetime.fromisoformat(expires) <= now:
            return "expired", None, "not sent in time; the moment has passed"
        with self.store.begin() as connection:
            golden = connection.execute(sa.select(customers.c.status, customers.c.country).where(
                customers.c.customer_id == delivery["customer_id"])).first()
            if golden is None or golden.status != "active":
                return "suppressed", None, "customer no longer active"
            if delivery["marketing"]:
                state = load_states(connection, [delivery["customer_id"]])[delivery["customer_id"]]
                consent_channel = self.policy.consent_channel_for(delivery["channel"])
                if not state.granted("marketing", consent_channel):
                    return "suppressed", None, f"marketing consent for {consent_channel} withdrawn before sending"
                cap = self.policy.channel_caps.get(delivery["channel"])
                if cap is not None and _sent_lately(connection, delivery, now - timedelta(days=self.policy.cap_window_days)) >= cap:
                    return "suppressed", None, f"{cap} marketing messages on {delivery['channel']} already sent in {self.policy.cap_window_days} days"
        # The outbox marks only service messages to go during quiet hours, never marketing.
        if delivery["channel"] in self.policy.quiet_channels and not delivery["content"].get("during_quiet_hours"):
            zone = customer_zone(golden.country, self.policy.default_time_zone)
            until = quiet_until(now, zone, self.policy.quiet_hours)
            if until is not None:
                return "pending", until, f"quiet hours in {zone.key} until {until.astimezone(zone):%H:%M}"
        return None


def _sent_lately(connection: sa.Connection, delivery: dict[str, Any], since: datetime) -> int:
    return connection.execute(sa.select(sa.func.count()).select_from(deliveries).where(
        deliveries.c.customer_id == delivery["customer_id"], deliveries.c.channel == delivery["channel"], deliveries.c.marketing.is_(True),
        deliveries.c.status == "sent", deliveries.c.sent_at >= since)).scalar_one()


def _channel_kind(channel: str) -> str:
    return "inbox" if channel in INBOX else channel
