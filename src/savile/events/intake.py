"""What ``POST /v1/events`` accepts: one event or ``{"events": [...]}``, all valid or none taken."""

from __future__ import annotations

from typing import Any

from savile.contract import parse_event
from savile.exceptions import ContractError
from savile.ingest.normalise import mask_nested, to_e164
from savile.ingest.prepare import FREE_TEXT

MAX_BATCH = 10_000


def parse_batch(body: Any, region: str = "GB") -> list[dict[str, Any]]:
    """Validated events as JSON-ready payloads (with ``table``); every bad event named at once.

    A batch with any bad event is refused whole, so the sender fixes it and sends it again:
    nothing is half-accepted and nothing accepted is lost.
    """
    if isinstance(body, dict) and "events" in body:
        events = body["events"]
        if not isinstance(events, list):
            raise ContractError(f"'events' must be a list of event objects. Got {type(events).__name__} instead.")
    else:
        events = [body]
    if not events:
        raise ContractError("The batch holds no events. Send one event object or {\"events\": [...]} with at least one.")
    if len(events) > MAX_BATCH:
        raise ContractError(f"A batch holds at most {MAX_BATCH} events. Got {len(events)}; split it.")
    accepted, problems = [], []
    for index, payload in enumerate(events):
        try:
            row = parse_event(payload)
        except ContractError as error:
            problems.append(f"events[{index}]: {error}")
            continue
        accepted.append(at_the_door(row.table, {"table": row.table, **row.model_dump(mode="json", exclude_none=True)}, region))
    if problems:
        shown = problems[:20] + ([f"... and {len(problems) - 20} more"] if len(problems) > 20 else [])
        raise ContractError(f"{len(problems)} of {len(events)} events are invalid; none were accepted. " + " ".join(shown))
    return accepted


def at_the_door(table: str, event: dict[str, Any], region: str) -> dict[str, Any]:
    """What batch ingest does to a row before anything is stored, done to a streamed event: card
    numbers in free text masked (PCI DSS), phones to E.164 (``region`` reads local formats),
    emails trimmed and lower-cased."""
    for name in (*FREE_TEXT.get(table, ()), "extra"):
        if name in event:
            event[name] = mask_nested(event[name])
    if event.get("phone"):
        event["phone"] = to_e164(event["phone"], region) or event["phone"]
    if event.get("email"):
        event["email"] = event["email"].strip().lower()
    return event

