"""Each default trigger fires on its event sequence and not on a near miss; every policy still applies."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from savile.workspace import Workspace
from tests.react.helpers import ATM, event, open_bank

NEAR = {"latitude": ATM["latitude"] + 0.0018, "longitude": ATM["longitude"]}  # about 200 m north
FAR = {"latitude": ATM["latitude"] + 0.0036, "longitude": ATM["longitude"]}  # about 400 m: outside the default 300 m
LOCATION = {("marketing", "email"): True, ("marketing", "in_app"): True, ("profiling", None): True, ("location", None): True}


def test_a_location_ping_near_an_atm_pushes_its_name_and_distance(workspace: Workspace) -> None:
    bank = open_bank(workspace, {"c1": {"grants": LOCATION}})
    bank.send({**event("location_ping", **NEAR), "device_id": "phone-1"})
    bank.run()
    [sent] = bank.deliveries(trigger_id="nearby_atm")
    assert sent["channel"] == "push" and sent["address"] == "phone-1" and sent["status"] == "sent"
    assert "High Street ATM" in sent["content"]["text"] and "200 m" in sent["content"]["text"]


def test_the_atm_push_goes_at_once_at_night_while_a_reminder_waits_for_morning(workspace: Workspace) -> None:
    bank = open_bank(workspace, {"c1": {"grants": LOCATION}})
    bank.clock.now = datetime(2026, 11, 1, 23, 0, tzinfo=timezone.utc)  # 23:00 in London
    bank.send({**event("location_ping", at=bank.clock.now, **NEAR), "device_id": "phone-1"},
              event("application_started", product_code="SAVE", at=bank.clock.now - timedelta(hours=25)))
    bank.run()
    bank.run()
    assert [d["status"] for d in bank.deliveries(trigger_id="nearby_atm")] == ["sent"]
    [reminder] = bank.deliveries(trigger_id="unfinished_application")
    assert reminder["status"] == "pending" and reminder["not_before"].astimezone(timezone.utc).hour == 8


@pytest.mark.parametrize("near_miss", ["too far", "no location consent"])
def test_no_atm_message_on_a_near_miss(workspace: Workspace, near_miss: str) -> None:
    grants = LOCATION if near_miss == "too far" else {k: v for k, v in LOCATION.items() if k[0] != "location"}
    bank = open_bank(workspace, {"c1": {"grants": grants}})
    bank.send({**event("location_ping", **(FAR if near_miss == "too far" else NEAR)), "device_id": "phone-1"})
    bank.run()
    assert bank.deliveries(trigger_id="nearby_atm") == []


def test_an_application_not_submitted_within_a_day_gets_one_reminder(workspace: Workspace) -> None:
    bank = open_bank(workspace)
    bank.send(event("application_started", product_code="SAVE", at=bank.clock.now))
    bank.run()
    assert bank.deliveries() == []  # not yet due
    bank.clock.advance(hours=25)
    bank.run()
    bank.run()
    [sent] = bank.deliveries(trigger_id="unfinished_application")
    assert sent["channel"] == "email" and "Easy Saver" in sent["content"]["subject"]
    assert sent["content"]["unsubscribe_url"] and "unsubscribe" in sent["content"]["html"].lower()


@pytest.mark.parametrize(("language", "country", "written"), [
    ("en", "GB", "1 November 2026"), ("en", "US", "November 1, 2026"), ("ru", "RU", "1 ноября 2026"), ("fa", "IR", "نوامبر")])  # Babel writes the Gregorian month in Persian
def test_the_reminder_gives_the_start_date_as_the_customer_writes_it(workspace: Workspace, language: str, country: str,
                                                                     written: str) -> None:
    bank = open_bank(workspace, {"c1": {"language": language, "country": country}})
    bank.send(event("application_started", product_code="SAVE", at=bank.clock.now))
    bank.clock.advance(hours=25)
    bank.run()
    bank.run()
    [sent] = bank.deliveries(trigger_id="unfinished_application")
    assert written in sent["content"]["text"]
    assert sent["content"]["direction"] == ("rtl" if language == "fa" else "ltr")


def test_a_submitted_application_cancels_the_reminder(workspace: Workspace) -> None:
    bank = open_bank(workspace)
    bank.send(event("application_started", product_code="SAVE", at=bank.clock.now),
              event("application_submitted", product_code="SAVE", at=bank.clock.now + timedelta(hours=2)))
    bank.run()
    bank.clock.advance(hours=30)
    bank.run()
    assert bank.deliveries(trigger_id="unfinished_application") == []


@pytest.mark.parametrize(("properties", "fires"), [
    ({"page": "transfers", "duration_ms": 180_000}, True),
    ({"page": "transfers", "error_code": "E42"}, True),
    ({"page": "transfers", "duration_ms": 119_000}, False),
])
def test_trouble_on_a_page_offers_help_in_the_app(workspace: Workspace, properties: dict, fires: bool) -> None:
    bank = open_bank(workspace)
    bank.send(event("page_view", **properties))
    bank.run()
    found = bank.deliveries(trigger_id="stuck_on_a_page")
    assert len(found) == fires
    if fires:
        assert found[0]["channel"] == "in_app" and "transfers" in found[0]["content"]["text"]


def test_a_large_deposit_suggests_savings_but_a_small_one_does_not(workspace: Workspace) -> None:
    bank = open_bank(workspace)
    deposit = {"table": "transactions", "account_id": "c1-0", "booked_at": bank.clock.now.isoformat(), "currency": "GBP"}
    bank.send({**deposit, "transaction_id": "t-small", "amount": "4999.99"}, {**deposit, "transaction_id": "t-big", "amount": "7500"})
    bank.run()
    [sent] = bank.deliveries(trigger_id="money_in")
    assert "£7,500.00" in sent["content"]["subject"]


def test_a_pay_rise_is_noticed_against_the_previous_salary(workspace: Workspace) -> None:
    bank = open_bank(workspace)
    salary = {"table": "transactions", "account_id": "c1-0", "currency": "GBP", "channel": "salary"}
    bank.send({**salary, "transaction_id": "s1", "amount": "2000", "booked_at": bank.clock.now.isoformat()},
              {**salary, "transaction_id": "s2", "amount": "2100", "booked_at": (bank.clock.now + timedelta(days=30)).isoformat()},
              {**salary, "transaction_id": "s3", "amount": "2400", "booked_at": (bank.clock.now + timedelta(days=60)).isoformat()})
    bank.run()
    fired = bank.deliveries(trigger_id="money_in")
    assert len(fired) == 1  # 2100 is +5%, below the 10% rise; 2400 is +14%


def test_words_of_money_trouble_bring_support_and_an_agent_alert_not_credit(workspace: Workspace) -> None:
    bank = open_bank(workspace)
    bank.send({"table": "communications", "communication_id": "m1", "source": "core", "source_customer_id": "src-c1",
               "occurred_at": bank.clock.now.isoformat(), "channel": "chat", "language": "ru",
               "text": "Я потерял работу и не могу платить по кредиту"})
    bank.run()
    channels = sorted(d["channel"] for d in bank.deliveries(trigger_id="money_worries"))
    assert channels == ["agent", "in_app"]
    [support] = bank.deliveries(trigger_id="money_worries", channel="in_app")
    assert support["action_id"] == "support_money_worries"


def test_a_trigger_respects_a_withdrawn_consent(workspace: Workspace) -> None:
    bank = open_bank(workspace)
    bank.send(event("unsubscribe", purpose="marketing", channel="email"),
              event("application_started", product_code="SAVE", at=bank.clock.now))
    bank.run()
    bank.clock.advance(hours=25)
    bank.run()
    [sent] = bank.deliveries(trigger_id="unfinished_application")
    assert sent["channel"] == "push" or sent["channel"] == "in_app"  # email withdrawn: the next channel in the trigger's order


def test_a_flag_newly_raised_by_a_refresh_fires_once_and_a_flag_already_on_does_not(workspace: Workspace) -> None:
    import sqlalchemy as sa

    from savile.decide.profiles import _signal_raised_flags
    from savile.store.tables import feature_snapshots

    bank = open_bank(workspace, {"c1": {}, "c2": {}, "c3": {}})
    before = {"c1": {}, "c2": {"transaction_decline": True}}  # c3 had no profile: it crossed nothing
    after = {c: {"flags": {"transaction_decline": True}} for c in ("c1", "c2", "c3")}
    day = bank.clock.now.date()
    assert _signal_raised_flags(workspace.store, before, after, day) == 1
    assert _signal_raised_flags(workspace.store, before, after, day) == 0  # the same refresh again: queued once
    with workspace.store.begin() as connection:
        connection.execute(sa.insert(feature_snapshots), [{"customer_id": "c1", "as_of": day, "features": {}, "computed_at": bank.clock.now,
                                                           "flags": {"transaction_decline": True}}])
    bank.run()
    [sent] = bank.deliveries(trigger_id="activity_falling")
    assert sent["customer_id"] == "c1" and sent["action_id"] == "retention_check_in"


def test_streamed_events_join_the_analytical_history_once(workspace: Workspace) -> None:
    from savile.react.history import absorb_streamed

    bank = open_bank(workspace)
    page = event("page_view", page="loans")
    bank.send(page, {"table": "transactions", "transaction_id": "t-1", "account_id": "c1-0", "amount": "-12.50", "currency": "GBP",
                     "booked_at": bank.clock.now.isoformat(), "description": "COFFEE"})
    bank.run()
    assert absorb_streamed(workspace.store, workspace.analytics) == {"interactions": 1, "transactions": 1}
    bank.send(page, event("login"))  # a repeat and one new event
    bank.run()
    assert absorb_streamed(workspace.store, workspace.analytics) == {"interactions": 1, "transactions": 0}
    rows = workspace.analytics.run("SELECT event_type, properties->>'page' FROM interactions ORDER BY occurred_at, event_type")
    assert sorted(rows) == [("login", None), ("page_view", "loans")]
    assert workspace.analytics.run("SELECT amount FROM transactions")[0][0] == __import__("decimal").Decimal("-12.5000")


def test_a_streamed_communication_is_kept_like_an_ingested_one(workspace: Workspace) -> None:
    import sqlalchemy as sa

    from savile.store.tables import communications

    bank = open_bank(workspace)
    said = {"table": "communications", "communication_id": "m7", "source": "core", "source_customer_id": "src-c1",
            "occurred_at": bank.clock.now.isoformat(), "channel": "chat", "text": "When does my statement arrive?"}
    bank.send(said, said)
    bank.run()
    with workspace.store.begin() as connection:
        rows = connection.execute(sa.select(communications.c.communication_id, communications.c.text)).all()
    assert [tuple(r) for r in rows] == [("m7", "When does my statement arrive?")]
