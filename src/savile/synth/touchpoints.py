"""Interactions: app sessions, page views, location pings, applications, emails."""

from __future__ import annotations

import json
from datetime import timedelta

import numpy as np

from savile.synth import names as N
from savile.synth.behaviour import Behaviour
from savile.synth.catalogue import CODES, PRODUCTS
from savile.synth.population import Population
from savile.synth.timeline import Timeline

PAGES = ["home", "accounts", "transactions", "payments", "cards", "help", "profile"]
PRODUCT_PAGE = {p.code: p.category for p in PRODUCTS}
EVENT_PAGES = {"moving_house": "mortgage", "new_baby": "savings", "travel": "insurance", "job_loss": "help", "salary_rise": "investment"}
FEATURES = ["transfer", "bill_pay", "statements", "card_freeze", "savings_goal"]
STEPS = ["details", "income", "documents", "review"]


def interactions(rng: np.random.Generator, people: Population, behaviour: Behaviour, timeline: Timeline,
                 where: dict[tuple[int, str], str], atms: dict[int, list[tuple[float, float]]], chunk: int) -> list[dict]:
    out: list[dict] = []
    events_at = {(i, m): e for i, m, e in behaviour.events}
    for i in np.flatnonzero(people.app_user):
        app_id, device = where.get((int(i), "mobile_app")), people.device[i]
        for m in range(timeline.months):
            start = timeline.start_at + timedelta(days=(timeline.month_start(m) - timeline.month_start(0)).days)
            for _ in range(int(rng.poisson(4))):
                _session(rng, out, int(i), m, start, app_id, device, events_at.get((int(i), m)))
            lat, lon = N.CITIES[people.city[i]][2:4]
            for _ in range(int(rng.poisson(1.2))):
                near = atms[int(people.city[i])][int(rng.integers(len(atms[int(people.city[i])])))] if rng.random() < 0.3 else (lat, lon)
                out.append(_event(rng, start, "mobile_app", "location_ping", app_id, device,
                                  {"latitude": round(near[0] + rng.normal(0, 0.002), 5), "longitude": round(near[1] + rng.normal(0, 0.002), 5)}))
    for i, j, m in behaviour.opened:
        if m >= 0 and people.app_user[i] and rng.random() < 0.5:
            start = timeline.start_at + timedelta(days=(timeline.month_start(m) - timeline.month_start(0)).days)
            app_id, device = where.get((i, "mobile_app")), people.device[i]
            for kind in ("application_started", "application_submitted"):
                out.append(_event(rng, start, "mobile_app", kind, app_id, device, {"product_code": CODES[j], "step": "review"}))
    for i, m, j in behaviour.abandoned:
        start = timeline.start_at + timedelta(days=(timeline.month_start(m) - timeline.month_start(0)).days)
        channel = "mobile_app" if people.app_user[i] else "web"
        app_id = where.get((i, "mobile_app")) if channel == "mobile_app" else None
        device = people.device[i] if channel == "mobile_app" else f"br-{(i * 7919 + chunk) % 10**9:09d}"
        step = STEPS[int(rng.integers(len(STEPS)))]
        out.append(_event(rng, start, channel, "application_started", app_id, device, {"product_code": CODES[j], "step": "details"},
                          email=people.email[i] if channel == "web" else None))
        out.append(_event(rng, start, channel, "application_abandoned", app_id, device, {"product_code": CODES[j], "step": step},
                          email=people.email[i] if channel == "web" else None))
    for i in np.flatnonzero(rng.random(len(people)) < 0.3):
        if people.email[i]:
            for m in rng.integers(timeline.months, size=int(rng.integers(1, 4))):
                start = timeline.start_at + timedelta(days=31 * int(m))
                out.append(_event(rng, start, "email", "email_open", None, None, {"campaign": f"news-{int(m):02d}"}, email=people.email[i]))
    out.sort(key=lambda row: row["occurred_at"])
    for n, row in enumerate(out):
        row["event_id"] = f"E{chunk:05d}{n:09d}"
    duplicates = [dict(row) for row in out if rng.random() < 0.003]  # at-least-once delivery sends some twice
    return out + duplicates


def _session(rng, out, i, m, start, app_id, device, event):  # type: ignore[no-untyped-def]
    session = f"s-{rng.integers(1 << 40):010x}"
    anonymous = rng.random() < 0.1  # browsing before logging in: only the device is known
    when = start + timedelta(days=int(rng.integers(28)), seconds=int(rng.integers(6 * 3600, 23 * 3600)))
    out.append(_event(rng, when, "mobile_app", "login", None if anonymous else app_id, device, None, session=session, exact=True))
    for k in range(int(rng.integers(1, 4))):
        page = EVENT_PAGES[event] if event and rng.random() < 0.5 else PAGES[int(rng.integers(len(PAGES)))]
        properties = {"page": page, "duration_ms": int(rng.lognormal(9.5, 0.8))}
        if rng.random() < 0.02:
            properties["error_code"] = str(rng.choice(["E500", "E_TIMEOUT", "E_AUTH"]))
        out.append(_event(rng, when + timedelta(seconds=20 * (k + 1)), "mobile_app", "screen_view", None if anonymous else app_id,
                          device, properties, session=session, exact=True))
    if rng.random() < 0.5:
        out.append(_event(rng, when + timedelta(seconds=90), "mobile_app", "feature_used", None if anonymous else app_id, device,
                          {"feature": FEATURES[int(rng.integers(len(FEATURES)))]}, session=session, exact=True))


def _event(rng, start, channel, kind, app_id, device, properties, email=None, session=None, exact=False):  # type: ignore[no-untyped-def]
    when = start if exact else start + timedelta(days=int(rng.integers(28)), seconds=int(rng.integers(6 * 3600, 23 * 3600)))
    return {
        "event_id": None, "occurred_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "channel": channel, "event_type": kind,
        "source": "mobile_app" if app_id else None, "source_customer_id": app_id, "email": email, "phone": None,
        "device_id": device, "session_id": session, "properties": json.dumps(properties, ensure_ascii=False) if properties else None,
    }
