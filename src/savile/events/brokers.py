"""Brokers for the event stream, on FastStream: NATS JetStream, Redis Streams and Kafka by URL
(``SAVILE_BROKER_URL``; see docs/react.md).

Publishing waits for the broker's acknowledgement, so an event answered 202 is stored. NATS
drops a repeat of an event id inside its duplicate window (``Nats-Msg-Id``); the worker's
ledger drops any later repeat, on every broker.
"""

from __future__ import annotations

import asyncio
import json
import warnings
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from faststream import AckPolicy

from savile.exceptions import ConfigError

SUBJECT = "savile.events"
PIPELINE = 256  # publishes in flight at once
STREAM = "SAVILE_EVENTS"
GROUP = "savile-worker"

Handler = Callable[[list[dict[str, Any]]], Awaitable[None]]  # events in the order sent


class BrokerBus:
    """One broker connection; ``publish`` for the API, ``subscribe`` then ``start`` for the worker."""

    def __init__(self, url: str, subject: str = SUBJECT, consumer: str = "worker", claim_after_ms: int = 30_000) -> None:
        self.url, self.subject, self.consumer, self.claim_after_ms = url, subject, consumer, claim_after_ms
        self.kind = urlsplit(url).scheme
        if self.kind in ("nats", "tls"):
            from faststream.nats import JStream, NatsBroker
            self.broker: Any = NatsBroker(url, logger=None)
            self.stream = JStream(STREAM + "_" + _safe(subject), subjects=[subject])
        elif self.kind in ("redis", "rediss"):
            from faststream.redis import RedisBroker
            self.broker = RedisBroker(url, logger=None)
            self.stream = None
        elif self.kind == "kafka":
            from faststream.kafka import KafkaBroker
            # Idempotent producer, every replica acknowledging: a retried send is neither lost nor doubled,
            # and the pipelined sends below keep their order within a partition.
            self.broker = KafkaBroker(urlsplit(url).netloc.split(","), acks="all", enable_idempotence=True, logger=None)
            self.stream = None
        else:
            raise ConfigError(f"Unsupported broker URL {url!r}. Expected nats://host:4222, redis://host:6379 or kafka://host:9092 "
                              "(leave SAVILE_BROKER_URL unset for the in-process queue).")
        self._started = False

    async def start(self) -> None:
        if not self._started:
            await self.broker.start()
            self._started = True
            if self.stream is not None:
                # A publisher may start before any worker has declared the stream.
                from nats.js.errors import BadRequestError
                try:
                    await self.broker.config.connection_state.stream.add_stream(name=self.stream.name, subjects=[self.subject])
                except BadRequestError:
                    pass  # it exists, perhaps with settings an operator chose

    async def close(self) -> None:
        if self._started:
            await self.broker.stop()
            self._started = False

    async def publish(self, events: list[dict[str, Any]], keys: list[str]) -> None:
        await self.start()
        if self.kind in ("redis", "rediss"):
            for event, key in zip(events, keys, strict=True):  # one at a time: pooled connections could reorder them
                await self.broker.publish(event, stream=self.subject, headers={"event_key": key})
            return
        if self.kind == "kafka":
            # Keyed by the customer as the source knows them: one customer's events share a partition, so
            # they keep their order while workers in the group share the partitions.
            sent = [await self.broker.publish(event, topic=self.subject, key=partition_key(event).encode(),
                                              headers={"event_key": key}, no_confirm=True)
                    for event, key in zip(events, keys, strict=True)]
            await asyncio.gather(*(ack for ack in sent if ack is not None))  # FastStream's test broker hands back none
            return
        # Written one after another (order kept), acknowledgements awaited together: JetStream's
        # asynchronous publish, which FastStream does not expose.
        jetstream = self.broker.config.connection_state.stream
        pending = []
        for event, key in zip(events, keys, strict=True):
            pending.append(await jetstream.publish_async(
                self.subject, json.dumps(event).encode(), stream=self.stream.name,
                headers={"Nats-Msg-Id": key, "content-type": "application/json"}))
            if len(pending) >= PIPELINE:
                await asyncio.gather(*pending)
                pending = []
        await asyncio.gather(*pending)

    async def consume(self, handler: Handler) -> None:
        """Deliver events to ``handler`` in order, from now on; they are acknowledged only after it returns."""
        if self.kind in ("redis", "rediss"):
            await self._redis_group()

        async def one(payload: dict[str, Any]) -> None:
            await handler([payload])
        chosen: Any = one
        subscribers = self._subscribers()
        for subscriber in subscribers:
            subscriber(chosen)
        if self._started:  # the broker runs already (this process published first): start the newcomers
            for subscriber in subscribers:
                await subscriber.start()
        else:
            await self.start()

    def _subscribers(self) -> list[Any]:
        if self.kind in ("redis", "rediss"):
            from faststream.redis import StreamSub
            # New entries, one per read: an entry waits unacknowledged only while it is processed, so
            # the claim below never takes one that is merely queued behind others (and reorders it) ...
            fresh = self.broker.subscriber(stream=StreamSub(self.subject, group=GROUP, consumer=self.consumer, max_records=1),
                                           ack_policy=AckPolicy.NACK_ON_ERROR)
            # ... and entries a stopped worker took and never acknowledged, claimed once idle.
            abandoned = self.broker.subscriber(stream=StreamSub(self.subject, group=GROUP, consumer=self.consumer,
                                                                min_idle_time=self.claim_after_ms, polling_interval=1000),
                                               ack_policy=AckPolicy.NACK_ON_ERROR)
            return [fresh, abandoned]
        if self.kind == "kafka":
            # A consumer group reading from the earliest offset (events sent before any worker ran are
            # read too); offsets are committed only after the handler returns.
            return [self.broker.subscriber(self.subject, group_id=GROUP, auto_offset_reset="earliest",
                                           ack_policy=AckPolicy.NACK_ON_ERROR)]
        from nats.js.api import DeliverPolicy
        # A durable push consumer: the server sends as soon as an event is stored (a pull waits to fill a
        # batch, and a short pull wait left messages unacknowledged until the ack wait ran out), and one
        # subscription handles them one at a time, in order.
        # One worker per consumer: several would need a deliver group (and would lose per-customer order).
        with warnings.catch_warnings():  # FastStream's advice to scale with pull consumers: the choice above is deliberate
            warnings.filterwarnings("ignore", message="The JetStream Push consumer", category=RuntimeWarning)
            return [self.broker.subscriber(self.subject, stream=self.stream, durable=GROUP + "-" + _safe(self.subject),
                                           deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NACK_ON_ERROR)]


    async def _redis_group(self) -> None:
        """Make the consumer group at the stream's start, so events sent before any worker ran are read too
        (FastStream would make it at the stream's end)."""
        from redis.asyncio import from_url
        from redis.exceptions import ResponseError
        client = from_url(self.url)
        try:
            await client.xgroup_create(self.subject, GROUP, id="0", mkstream=True)
        except ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise
        finally:
            await client.aclose()


def partition_key(event: dict[str, Any]) -> str:
    """Who an event is about, as its source names them (the golden id is not known yet at the door)."""
    for field in ("source_customer_id", "account_id", "device_id", "email", "phone"):
        if event.get(field):
            return f"{field}:{event.get('source', '') if field == 'source_customer_id' else ''}:{event[field]}"
    return str(event.get("event_id", ""))


def _safe(subject: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in subject).upper()
