"""Events in through the API, messages out through the inbox and the unsubscribe link."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from savile.api import create_app, create_key
from savile.decide.state import load_states
from savile.store.tables import events_received
from savile.workspace import Workspace, init_workspace
from tests.decide.helpers import add_customer, add_products
from tests.react.helpers import event


@pytest.fixture
def api(tmp_path) -> Iterator[tuple[TestClient, dict[str, str], Workspace]]:  # noqa: ANN001
    workspace = init_workspace(tmp_path / "ws")
    add_products(workspace.store)
    add_customer(workspace.store, "c1", language="fa", first_name="<script>alert(1)</script>{{ 7*7 }}")
    add_customer(workspace.store, "c2")
    keys = {"channel": create_key(workspace.store, "channel", "app"), "c1": create_key(workspace.store, "customer", "c1", customer_id="c1"),
            "c2": create_key(workspace.store, "customer", "c2", customer_id="c2")}
    with TestClient(create_app(workspace), raise_server_exceptions=False) as client:
        yield client, keys, workspace
    workspace.close()


def post(client: TestClient, key: str, body: object):  # noqa: ANN201
    return client.post("/v1/events", json=body, headers={"Authorization": f"Bearer {key}"})


def test_events_are_accepted_once_by_id_and_processed(api) -> None:  # noqa: ANN001
    client, keys, workspace = api
    first = event("page_view", page="transfers", error_code="E1")
    assert post(client, keys["channel"], first).json() == {"accepted": 1}
    assert post(client, keys["channel"], {"events": [first, event("login")]}).status_code == 202  # the repeat is ignored
    realtime = client.app.state.realtime
    realtime.step()
    with workspace.store.begin() as connection:
        rows = connection.execute(sa.select(events_received.c.event_id, events_received.c.processed_at)).all()
    assert len(rows) == 2 and all(processed for _, processed in rows)
    [message] = client.get("/v1/customers/c1/inbox", headers={"Authorization": f"Bearer {keys['c1']}"}).json()["messages"]
    assert message["direction"] == "rtl" and message["language"] == "fa"


def test_a_bad_event_is_refused_with_the_field_named_and_nothing_taken(api) -> None:  # noqa: ANN001
    client, keys, workspace = api
    answer = post(client, keys["channel"], {"events": [event("login"), {"event_id": "x", "channel": "web", "event_type": "login"}]})
    assert answer.status_code == 422
    assert "events[1]" in answer.text and "occurred_at" in answer.text
    with workspace.store.begin() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(events_received)).scalar_one() == 0
    assert post(client, keys["channel"], [1, 2]).status_code == 422
    assert post(client, keys["channel"], {"events": []}).status_code == 422


def test_a_customer_sees_only_their_own_inbox(api) -> None:  # noqa: ANN001
    client, keys, _ = api
    assert client.get("/v1/customers/c1/inbox", headers={"Authorization": f"Bearer {keys['c2']}"}).status_code == 403


def test_injected_markup_in_a_name_renders_as_text(api) -> None:  # noqa: ANN001
    client, keys, workspace = api
    realtime = client.app.state.realtime
    post(client, keys["channel"], event("application_started", product_code="SAVE"))
    realtime.step()
    realtime.processor.clock = realtime.dispatcher.clock = lambda: _later(hours=30)
    realtime.step()
    realtime.step()
    html = _deliveries(workspace)[0]["content"]["html"]
    assert "<script>" not in html and "&lt;script&gt;" in html and "{{ 7*7 }}" in html and "49" not in html
    assert 'dir="rtl"' in html


def test_the_unsubscribe_link_withdraws_consent_and_cannot_be_forged(api) -> None:  # noqa: ANN001
    client, keys, workspace = api
    realtime = client.app.state.realtime
    post(client, keys["channel"], event("application_started", customer_id="c2", product_code="SAVE"))
    realtime.step()
    realtime.processor.clock = realtime.dispatcher.clock = lambda: _later(hours=30)
    realtime.step()
    link = _deliveries(workspace)[0]["content"]["unsubscribe_url"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    assert client.get(urlsplit(link).path, params=query).status_code == 200  # a GET only asks
    with workspace.store.begin() as connection:
        assert load_states(connection, ["c2"])["c2"].granted("marketing", "email")
    forged = {**query, "customer": "c1"}
    assert client.post("/v1/preferences/unsubscribe", data=forged).status_code == 403
    assert client.post("/v1/preferences/unsubscribe", data=query).status_code == 200
    with workspace.store.begin() as connection:
        states = load_states(connection, ["c1", "c2"])
    assert not states["c2"].granted("marketing", "email") and states["c1"].granted("marketing", "email")


def test_the_served_app_processes_events_in_the_background(tmp_path) -> None:  # noqa: ANN001
    workspace = init_workspace(tmp_path / "ws")
    add_products(workspace.store)
    add_customer(workspace.store, "c1")
    key = create_key(workspace.store, "channel", "app")
    with TestClient(create_app(workspace, worker=True)) as client:
        assert post(client, key, event("page_view", page="cards", error_code="E9")).status_code == 202
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not _deliveries(workspace):
            time.sleep(0.1)
    assert [d["status"] for d in _deliveries(workspace)] == ["sent"]
    workspace.close()


def _later(**delta: float):  # noqa: ANN202
    from datetime import timedelta

    from tests.react.helpers import Clock
    return Clock().now + timedelta(**delta)


def _deliveries(workspace: Workspace) -> list[dict]:
    from savile.store.tables import deliveries
    with workspace.store.begin() as connection:
        return [dict(r) for r in connection.execute(sa.select(deliveries).order_by(deliveries.c.created_at)).mappings()]


def test_streamed_events_are_cleaned_at_the_door_like_batch_rows(api) -> None:  # noqa: ANN001
    client, keys, workspace = api
    chat = {"table": "communications", "communication_id": "m-9", "source": "core", "source_customer_id": "src-c2",
            "occurred_at": "2026-11-01T09:00:00Z", "channel": "chat", "text": "my card 4111 1111 1111 1111 was declined"}
    login = {**event("login"), "phone": "07700 900123", "email": "  Alex.Doe@Example.ORG ",
             "properties": {"note": "card 4111111111111111", "nested": {"ref": "5500 0000 0000 0004"}}}
    assert post(client, keys["channel"], {"events": [chat, login]}).status_code == 202
    with workspace.store.begin() as connection:
        stored = {row.event_id: row.payload for row in connection.execute(sa.select(events_received.c.event_id, events_received.c.payload))}
    text = str(stored)
    assert "4111 1111 1111 1111" not in text and "4111111111111111" not in text and "5500 0000 0000 0004" not in text
    assert "1111" in stored["communications:m-9"]["text"]  # the last four stay
    assert stored[login["event_id"]]["phone"] == "+447700900123" and stored[login["event_id"]]["email"] == "alex.doe@example.org"
