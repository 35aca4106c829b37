"""The worker's counters: events by outcome, triggers fired, the decisions triggers made, deliveries."""

from __future__ import annotations

from prometheus_client import REGISTRY

from savile.workspace import Workspace
from tests.react.helpers import ATM, event, open_bank

NEAR = {"latitude": ATM["latitude"] + 0.0018, "longitude": ATM["longitude"]}
LOCATION = {("marketing", "in_app"): True, ("profiling", None): True, ("location", None): True}


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_the_worker_counts_events_triggers_decisions_and_deliveries(workspace: Workspace) -> None:
    names = [("savile_events_total", {"outcome": "processed"}), ("savile_events_total", {"outcome": "duplicate"}),
             ("savile_triggers_fired_total", {"trigger": "nearby_atm"}), ("savile_deliveries_total", {"outcome": "sent"}),
             ("savile_decisions_total", {"channel": "push", "mode": "trigger"})]
    before = {(name, tuple(labels.items())): value(name, **labels) for name, labels in names}
    bank = open_bank(workspace, {"c1": {"grants": LOCATION}})
    ping = {**event("location_ping", **NEAR), "device_id": "phone-1"}
    bank.send(ping)
    bank.run()
    bank.realtime.handle_all([ping])  # a redelivery
    [sent] = bank.deliveries(trigger_id="nearby_atm")
    grew = {key: value(key[0], **dict(key[1])) - was for key, was in before.items()}
    assert grew == {("savile_events_total", (("outcome", "processed"),)): 1, ("savile_events_total", (("outcome", "duplicate"),)): 1,
                    ("savile_triggers_fired_total", (("trigger", "nearby_atm"),)): 1,
                    ("savile_deliveries_total", (("outcome", "sent"),)): 1,
                    ("savile_decisions_total", (("channel", sent["channel"]), ("mode", "trigger"))): 1}
