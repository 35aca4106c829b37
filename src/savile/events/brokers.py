"""Brokers for the event stream, on FastStream: NATS JetStream and Redis Streams by URL
(``SAVILE_BROKER_URL``); Kafka works the same way through ``faststream.kafka`` (see docs/react.md).

Publishing waits for the broker's acknowledgement, so an event answered 202 is stored. NATS
drops a repeat of an event id inside its duplicate window (``Nats-Msg-Id``); the worker's
ledger drops any later repeat, on every broker.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from faststream import AckPolicy

from savile.exceptions import ConfigError

SUBJECT = "savile.events"
STREAM = "SAVILE_EVENTS"
GROUP = "savile-worker"

Handler = Callable[[dict[str, Any]], Awaitable[None]]


class BrokerBus:
    """One broker connection; ``publish`` for the API, ``subscribe`` then ``start`` for the worker."""

    def __init__(self, url: str, subject: str = SUBJECT) -> None:
        self.url, self.subject = url, subject
        self.kind = urlsplit(url).scheme
        if self.kind in ("nats", "tls"):
            from faststream.nats import JStream, NatsBroker
            self.broker: Any = NatsBroker(url, logger=None)
            self.stream = JStream(STREAM + "_" + _safe(subject), subjects=[subject])
        elif self.kind in ("redis", "rediss"):
            from faststream.redis import RedisBroker
            self.broker = RedisBroker(url, logger=None)
            self.stream = None
        else:
            raise ConfigError(f"Unsupported broker URL {url!r}. Expected nats://host:4222 or redis://host:6379 "
                              "(leave SAVILE_BROKER_URL unset for the in-process queue).")
        self._started = False

    async def start(self) -> None:
        if not self._started:
            await self.broker.start()
            self._started = True

    async def close(self) -> None:
        if self._started:
            await self.broker.stop()
            self._started = False

    async def publish(self, events: list[dict[str, Any]], keys: list[str]) -> None:
        await self.start()
        for event, key in zip(events, keys, strict=True):
            if self.kind == "redis" or self.kind == "rediss":
                await self.broker.publish(event, stream=self.subject, headers={"event_key": key})
            else:
                await self.broker.publish(event, self.subject, stream=self.stream.name, headers={"Nats-Msg-Id": key})

    def subscribe(self, handler: Handler, max_batch: int = 100) -> None:
        """Deliver each event to ``handler``; it is acknowledged only after the handler returns."""
        if self.kind in ("redis", "rediss"):
            from faststream.redis import StreamSub
            subscriber = self.broker.subscriber(stream=StreamSub(self.subject, group=GROUP, consumer="worker", max_records=max_batch),
                                                ack_policy=AckPolicy.NACK_ON_ERROR)
        else:
            from faststream.nats import PullSub
            subscriber = self.broker.subscriber(self.subject, stream=self.stream, durable=GROUP + "-" + _safe(self.subject),
                                                pull_sub=PullSub(batch_size=max_batch, timeout=0.5),
                                                ack_policy=AckPolicy.NACK_ON_ERROR)
        subscriber(handler)


def _safe(subject: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in subject).upper()
