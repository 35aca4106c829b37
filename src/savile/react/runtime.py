"""Wiring for real time: the processor, the dispatcher and the channels a workspace's settings
name, and the worker loop that drives them (a broker subscription plus the in-process queue,
due delayed jobs and the outbox)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import anyio
import structlog

from savile.decide import DecisionService, load_policy
from savile.decide.catalogue import catalogue_folder
from savile.deliver.channels import Channel, FileDrop, SmtpEmail, Stored, Webhook
from savile.deliver.dispatcher import Dispatcher, Sent
from savile.deliver.links import LinkSigner, workspace_secret
from savile.deliver.messages import Composer
from savile.events.brokers import BrokerBus
from savile.events.store_queue import StoreQueue
from savile.metrics import EVENTS, TRIGGERS_FIRED, count_decisions
from savile.react.processor import EventProcessor, ledger_key
from savile.react.triggers import load_triggers
from savile.workspace import Workspace

log = structlog.get_logger(__name__)
OUTBOX_FOLDER = "outbox"


@dataclass
class RealTime:
    processor: EventProcessor
    dispatcher: Dispatcher
    queue: StoreQueue
    bus: BrokerBus | None
    links: LinkSigner
    region: str = "GB"  # how streamed phones in a local format are read
    processed: int = 0
    failures: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, workspace: Workspace, service: DecisionService | None = None,
             clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc), channels: dict[str, Channel] | None = None) -> RealTime:
        settings = workspace.settings
        policy = load_policy(workspace.path)
        service = service or DecisionService.open(workspace.store, catalogue_folder(workspace.path), policy)
        links = LinkSigner(workspace_secret(workspace.path, settings.link_secret), settings.public_url)
        processor = EventProcessor(service, load_triggers(workspace.path, service.catalogue), Composer(links), clock)
        dispatcher = Dispatcher(workspace.store, channels or channels_for(workspace), service.policy, clock)
        bus = BrokerBus(settings.broker_url, settings.broker_subject, claim_after_ms=settings.broker_claim_after_ms) if settings.broker_url else None
        return cls(processor, dispatcher, StoreQueue(workspace.store), bus, links, settings.default_region)

    def handle(self, payload: dict[str, Any]) -> int:
        """Process one event; one that cannot be processed is kept in the ledger with its error, not retried forever.
        Returns the deliveries it caused."""
        try:
            outcome = self.processor.handle(payload)
            EVENTS.labels("duplicate" if outcome is None else "processed").inc()
            if outcome is not None:
                self.processed += 1
                for trigger in outcome.fired:
                    TRIGGERS_FIRED.labels(trigger).inc()
                count_decisions(outcome.decisions, "trigger")
                return len(outcome.deliveries)
        except Exception as error:  # noqa: BLE001 — one bad event must not stop the stream; it is kept with its reason
            key = _key_or_none(payload)
            self.failures.append(f"{key}: {error}")
            EVENTS.labels("failed").inc()
            log.error("event failed", event_key=key, error=str(error))
            if key is not None:  # without an id there is no row to keep it in; the log line is its record
                self.processor.mark_failed(key, payload, error)
        return 0

    def handle_all(self, payloads: list[dict[str, Any]]) -> int:
        return sum(self.handle(payload) for payload in payloads)

    def drain_queue(self, limit: int = 500) -> int:
        waiting = self.queue.waiting(limit)
        self.handle_all(waiting)
        return len(waiting)

    def step(self) -> tuple[int, int, Sent]:
        """One pass: queued events, due jobs, the outbox."""
        return self.drain_queue(), self.processor.run_due_jobs(), self.dispatcher.run_once()

    def accept(self, events: list[dict[str, Any]]) -> int:
        """Store events for the worker (the in-process queue); returns how many were new."""
        return self.queue.put(events, _keys(events))

    async def publish(self, events: list[dict[str, Any]]) -> None:
        keys = _keys(events)
        if self.bus is None:
            await anyio.to_thread.run_sync(self.queue.put, events, keys)
        else:
            await self.bus.publish(events, keys)

    async def run(self, stop: asyncio.Event, idle_seconds: float = 0.2, stale_after: timedelta = timedelta(minutes=5)) -> None:
        """The worker: until ``stop`` is set."""
        recovered = await anyio.to_thread.run_sync(self.dispatcher.recover, stale_after)
        if recovered:
            log.warning("deliveries left sending by a stopped worker marked unknown", count=recovered)
        if self.bus is not None:
            async def consume(payloads: list[dict[str, Any]]) -> None:
                if await anyio.to_thread.run_sync(self.handle_all, payloads):
                    await anyio.to_thread.run_sync(self.dispatcher.run_once)  # what it caused goes out now
            await self.bus.consume(consume)
        try:
            while not stop.is_set():
                queued, jobs, sent = await anyio.to_thread.run_sync(self.step)
                if not (queued or jobs or sent.sent or sent.retried):
                    try:
                        await asyncio.wait_for(stop.wait(), idle_seconds)
                    except TimeoutError:
                        pass
        finally:
            if self.bus is not None:
                await self.bus.close()


def _keys(events: list[dict[str, Any]]) -> list[str]:
    return [ledger_key(e.get("table", "interactions"), e) for e in events]


def _key_or_none(payload: dict[str, Any]) -> str | None:
    try:
        return ledger_key(payload.get("table", "interactions"), payload)
    except (KeyError, TypeError):
        return None


def channels_for(workspace: Workspace) -> dict[str, Channel]:
    settings = workspace.settings
    files = FileDrop(workspace.path / OUTBOX_FOLDER, settings.email_from)
    return {
        "email": SmtpEmail(settings.smtp_url, settings.email_from) if settings.smtp_url else files,
        "sms": Webhook(settings.sms_webhook_url) if settings.sms_webhook_url else files,
        "push": Webhook(settings.push_webhook_url) if settings.push_webhook_url else files,
        "inbox": Stored(),
    }
