"""Sending: quiet hours in the customer's time zone, caps and consent at send time, retries,
expiry, recovery after a crash, and the real transports (SMTP, webhooks)."""

from __future__ import annotations

import email
import threading
from datetime import datetime, time, timedelta, timezone
from email import policy as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from savile.deliver.channels import DeliveryFailed, SmtpEmail, Webhook
from savile.deliver.outbox import enqueue
from savile.deliver.timing import quiet_until
from savile.store.tables import deliveries
from savile.workspace import Workspace
from tests.decide.helpers import NOW
from tests.react.helpers import open_bank

MESSAGE = {"language": "en", "direction": "ltr", "subject": "Hello", "text": "Body", "cta": "", "html": "<p>Body</p>",
           "unsubscribe_url": "http://x/unsubscribe"}


def queue(bank, delivery_id: str, channel: str = "email", marketing: bool = True, **content) -> None:  # noqa: ANN001
    with bank.workspace.store.begin() as connection:
        enqueue(connection, delivery_id=delivery_id, customer_id="c1", channel=channel, address="c1@example.org", action_id="offer_save",
                decision_id=None, trigger_id="test", marketing=marketing, content={**MESSAGE, **content}, now=bank.clock.now,
                expires_at=content.pop("expires_at", None))


def status(bank, delivery_id: str) -> dict:  # noqa: ANN001
    return bank.deliveries(delivery_id=delivery_id)[0]


def test_quiet_hours_hold_a_message_until_morning_in_the_customers_zone(workspace: Workspace) -> None:
    bank = open_bank(workspace, {"c1": {"country": "IR"}})  # Tehran, UTC+3:30
    bank.clock.now = datetime(2026, 11, 1, 19, 0, tzinfo=timezone.utc)  # 22:30 in Tehran, 19:00 in London
    queue(bank, "d1")
    bank.realtime.dispatcher.run_once()
    held = status(bank, "d1")
    assert held["status"] == "pending" and bank.sent == []
    assert held["not_before"].astimezone(ZoneInfo("Asia/Tehran")).time() == time(8, 0)
    bank.clock.now = held["not_before"]
    bank.realtime.dispatcher.run_once()
    assert status(bank, "d1")["status"] == "sent" and len(bank.sent) == 1


def test_the_inbox_is_not_held_by_quiet_hours(workspace: Workspace) -> None:
    bank = open_bank(workspace)
    bank.clock.now = datetime(2026, 11, 1, 23, 0, tzinfo=timezone.utc)
    queue(bank, "d1", channel="in_app")
    bank.realtime.dispatcher.run_once()
    assert status(bank, "d1")["status"] == "sent"


@pytest.mark.parametrize(("marketing", "sent_now"), [(False, True), (True, False)])
def test_a_service_message_asked_for_at_night_goes_now_and_marketing_never_does(workspace: Workspace, marketing: bool,
                                                                               sent_now: bool) -> None:
    bank = open_bank(workspace)
    bank.clock.now = datetime(2026, 11, 1, 23, 0, tzinfo=timezone.utc)
    with bank.workspace.store.begin() as connection:
        enqueue(connection, delivery_id="d1", customer_id="c1", channel="push", address="phone-1", action_id="service_nearest_atm",
                decision_id=None, trigger_id="nearby_atm", marketing=marketing, content=MESSAGE, now=bank.clock.now,
                expires_at=None, during_quiet_hours=True)
    bank.realtime.dispatcher.run_once()
    assert (status(bank, "d1")["status"] == "sent") is sent_now


def test_caps_and_a_withdrawn_consent_are_checked_again_at_send_time(workspace: Workspace) -> None:
    bank = open_bank(workspace)
    for i in range(3):
        queue(bank, f"d{i}")  # the email cap is 2 a week
    queue(bank, "service", marketing=False)
    bank.realtime.dispatcher.run_once()
    assert [status(bank, f"d{i}")["status"] for i in range(3)] == ["sent", "sent", "suppressed"]
    assert status(bank, "service")["status"] == "sent"  # service messages are not marketing
    bank.send({"event_id": "u1", "occurred_at": bank.clock.now.isoformat(), "channel": "email", "event_type": "unsubscribe",
               "source": "core", "source_customer_id": "src-c1", "properties": {"channel": "email"}})
    bank.realtime.drain_queue()
    bank.clock.advance(days=8)
    queue(bank, "after")
    bank.realtime.dispatcher.run_once()
    assert status(bank, "after")["status"] == "suppressed" and "withdrawn" in status(bank, "after")["last_error"]


def test_a_failing_gateway_is_retried_with_backoff_then_marked_failed(workspace: Workspace) -> None:
    class Down:
        calls = 0

        def send(self, delivery: dict) -> None:
            Down.calls += 1
            raise DeliveryFailed("connection refused")

    bank = open_bank(workspace, channels={"email": Down(), "inbox": Down(), "sms": Down(), "push": Down()})
    queue(bank, "d1", marketing=False)
    waits = []
    for _ in range(10):
        bank.realtime.dispatcher.run_once()
        row = status(bank, "d1")
        if row["status"] == "failed":
            break
        waits.append((row["not_before"] - bank.clock.now).total_seconds())
        bank.clock.now = row["not_before"]
    assert row["status"] == "failed" and row["attempts"] == 5 == Down.calls
    assert waits == [30, 60, 120, 240]


def test_a_stale_message_expires_instead_of_going_out_late(workspace: Workspace) -> None:
    bank = open_bank(workspace)
    queue(bank, "d1", channel="push", marketing=False, expires_at=bank.clock.now + timedelta(minutes=30))
    bank.clock.advance(minutes=31)
    bank.realtime.dispatcher.run_once()
    assert status(bank, "d1")["status"] == "expired" and bank.sent == []


def test_a_message_left_sending_by_a_dead_worker_is_never_resent(workspace: Workspace) -> None:
    bank = open_bank(workspace)
    queue(bank, "d1")
    with workspace.store.begin() as connection:
        connection.execute(sa.update(deliveries).values(status="sending"))
    bank.clock.advance(minutes=10)
    assert bank.realtime.dispatcher.recover() == 1
    bank.realtime.dispatcher.run_once()
    assert status(bank, "d1")["status"] == "unknown" and bank.sent == []


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(timezone.utc)),
       st.sampled_from(["Europe/London", "Asia/Tehran", "Europe/Moscow", "America/New_York"]))
def test_quiet_until_is_in_the_window_and_ends_it(moment: datetime, zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    until = quiet_until(moment, zone, (time(21), time(8)))
    local = moment.astimezone(zone).time()
    assert (until is not None) == (local >= time(21) or local < time(8))
    if until is not None:
        assert until > moment and until - moment <= timedelta(hours=11, minutes=1)
        assert until.astimezone(zone).time() == time(8)


def test_email_goes_over_smtp_with_html_text_and_one_click_unsubscribe(unused_port: int) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Keep(Message):
        def handle_message(self, message) -> None:  # noqa: ANN001
            received.append(message)

    server = Controller(Keep(), hostname="127.0.0.1", port=unused_port)
    server.start()
    try:
        SmtpEmail(f"smtp://127.0.0.1:{unused_port}", "Bank <bank@example.org>").send(
            {"delivery_id": "abc123", "address": "c1@example.org", "content": {**MESSAGE, "language": "fa", "direction": "rtl",
                                                                               "html": '<html dir="rtl"><p>سلام</p></html>', "text": "سلام"}})
    finally:
        server.stop()
    [message] = received
    parsed = email.message_from_bytes(message.as_bytes(), policy=email_policy.default)
    assert parsed["To"] == "c1@example.org" and "abc123" in parsed["Message-ID"]
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = parsed.get_body(("html",)).get_content()
    assert 'dir="rtl"' in html and "سلام" in html and parsed.get_body(("plain",)).get_content().strip() == "سلام"


def test_webhooks_post_json_with_an_idempotency_key_and_retry_only_what_may_succeed() -> None:
    seen = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            seen.append((self.path, self.headers["Idempotency-Key"], self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response({"/ok": 202, "/busy": 503, "/bad": 400}[self.path])
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    delivery = {"delivery_id": "d-9", "customer_id": "c1", "channel": "sms", "address": "+447700900000", "action_id": "a",
                "trigger_id": "t", "content": MESSAGE}
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        Webhook(base + "/ok").send(delivery)
        with pytest.raises(DeliveryFailed) as busy:
            Webhook(base + "/busy").send(delivery)
        with pytest.raises(DeliveryFailed) as bad:
            Webhook(base + "/bad").send(delivery)
    finally:
        server.shutdown()
    assert busy.value.retry and not bad.value.retry
    assert seen[0][1] == "d-9" and b'"address": "+447700900000"' in seen[0][2].replace(b'":"', b'": "')


@pytest.fixture
def unused_port() -> int:
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
