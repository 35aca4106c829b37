"""What a running Savile counts, for Prometheus (``GET /v1/metrics``).

The counters live in prometheus-client's default registry, one per process. Under several
server processes (uvicorn ``--workers``), set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder
before they start: each process then writes its counts there and any of them answers for all.
Labels take only bounded values (channels, modes, reason codes, catalogue action ids, trigger
ids), never a customer.
"""

from __future__ import annotations

import os
from collections import Counter as Tally
from collections.abc import Iterable
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess

if TYPE_CHECKING:
    from savile.decide.engine import Decision

DECISIONS = Counter("savile_decisions", "Decisions logged, by channel and mode (online, trigger, outbound).", ["channel", "mode"])
ACTIONS_CHOSEN = Counter("savile_decision_actions_chosen", "Actions chosen in logged decisions, by action.", ["action"])
CANDIDATES_DROPPED = Counter("savile_decision_candidates_dropped",
                             "Candidates a policy step dropped in logged decisions, by step and reason code.", ["step", "reason"])
DECIDED_AGAIN = Counter("savile_decisions_decided_again",
                        "Online decisions made again under the customer's lock because something changed the customer "
                        "between their read and their write (another decision, a response, a preference).")
WRITE_GROUP = Histogram("savile_decision_write_group_size", "Online decisions committed per transaction (group commit).",
                        buckets=(1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64))
EVENTS = Counter("savile_events", "Events the worker took, by outcome (processed, duplicate, failed).", ["outcome"])
TRIGGERS_FIRED = Counter("savile_triggers_fired", "Real-time triggers fired, by trigger.", ["trigger"])
DELIVERIES = Counter("savile_deliveries", "Delivery attempts, by outcome (sent, deferred, suppressed, failed, retried).",
                     ["outcome"])


def count_decisions(made: Iterable[Decision], mode: str) -> None:
    """Count decisions that were logged: per decision, what it chose and why it dropped the rest."""
    decisions: Tally[str] = Tally()
    chosen: Tally[str] = Tally()
    dropped: Tally[tuple[str, str]] = Tally()
    for decision in made:
        decisions[decision.channel] += 1
        chosen.update(action.action_id for action in decision.actions)
        dropped.update((c.step or "", c.reason or "") for c in decision.candidates if c.status == "dropped")
    for channel, n in decisions.items():
        DECISIONS.labels(channel, mode).inc(n)
    for action, n in chosen.items():
        ACTIONS_CHOSEN.labels(action).inc(n)
    for (step, reason), n in dropped.items():
        CANDIDATES_DROPPED.labels(step, reason).inc(n)


def exposition(*registries: CollectorRegistry) -> tuple[bytes, str]:
    """The text Prometheus scrapes: this process's counts and ``registries``', or, under several
    processes, every process's counts from ``PROMETHEUS_MULTIPROC_DIR``."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        every_process = CollectorRegistry()
        multiprocess.MultiProcessCollector(every_process)
        return generate_latest(every_process), CONTENT_TYPE_LATEST
    return b"".join(generate_latest(registry) for registry in (REGISTRY, *registries)), CONTENT_TYPE_LATEST
