"""The HTTP API: each role gets exactly what it may, bad requests get 4xx problem JSON, never a 500."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from savile.api import ROLES, create_app, create_key
from savile.api.schemas import DecisionPublic
from savile.store.tables import customers
from savile.workspace import Workspace, init_workspace
from tests.decide.helpers import add_customer, add_products

DECISION = {"customer": {"customer_id": "c1"}, "channel": "mobile_app", "limit": 2}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str], Workspace]]:
    workspace = init_workspace(tmp_path_factory.mktemp("api") / "ws")
    add_products(workspace.store)
    add_customer(workspace.store, "c1", language="fa")
    add_customer(workspace.store, "c2")
    keys = {role: create_key(workspace.store, role, f"{role}-test") for role in ("channel", "analyst", "agent", "admin", "monitor")}
    keys["customer"] = create_key(workspace.store, "customer", "c2-app", customer_id="c2")
    keys["other_channel"] = create_key(workspace.store, "channel", "web")
    with TestClient(create_app(workspace), raise_server_exceptions=False) as client:
        yield client, keys, workspace
    workspace.close()


def call(client: TestClient, key: str | None, method: str, path: str, body: dict | None = None):  # noqa: ANN201
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return client.request(method, path, json=body, headers=headers)


MATRIX = [  # (method, path, body, roles allowed)
    ("POST", "/v1/decisions", DECISION, {"channel", "admin"}),
    ("GET", "/v1/customers/c1", None, {"channel", "analyst", "agent", "admin"}),
    ("GET", "/v1/customers/c2", None, {"channel", "analyst", "agent", "admin", "customer"}),
    ("GET", "/v1/actions", None, {"channel", "analyst", "agent", "admin"}),
    ("GET", "/v1/actions/offer_save", None, {"channel", "analyst", "agent", "admin"}),
    ("POST", "/v1/actions/check", {"actions": [{"id": "x", "kind": "service", "content": {"en": {"body": "hi"}}}]},
     {"channel", "analyst", "agent", "admin"}),
    ("GET", "/v1/audit", None, {"analyst", "admin"}),
    ("GET", "/v1/health", None, {"channel", "analyst", "agent", "admin", "customer", "monitor"}),
    ("GET", "/v1/metrics", None, {"analyst", "admin", "monitor"}),
    ("POST", "/v1/events", {"event_id": "m-1", "occurred_at": "2026-11-01T09:00:00Z", "channel": "web", "event_type": "login"},
     {"channel", "admin"}),
    ("GET", "/v1/customers/c2/inbox", None, {"channel", "analyst", "agent", "admin", "customer"}),
    ("GET", "/v1/agent-queue", None, {"analyst", "agent", "admin"}),
    ("GET", "/v1/deliveries", None, {"analyst", "admin"}),
]


@pytest.mark.parametrize(("method", "path", "body", "allowed"), MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX])
def test_role_matrix(api, method: str, path: str, body: dict | None, allowed: set[str]) -> None:  # noqa: ANN001
    client, keys, _ = api
    success = 202 if path == "/v1/events" else 200
    for role in ROLES:
        answer = call(client, keys[role], method, path, body)
        assert answer.status_code == (success if role in allowed else 403), (role, answer.text)
    assert call(client, None, method, path, body).status_code == 401
    assert call(client, "sav_000000000000_wrong", method, path, body).status_code == 401


def test_only_admins_change_the_catalogue_and_changes_apply(api) -> None:  # noqa: ANN001
    client, keys, workspace = api
    action = {"kind": "service", "content": {"en": {"body": "Go paperless"}}, "generic": True, "propensity": 0.9, "value": 1000}
    for role in ("channel", "analyst", "customer"):
        assert call(client, keys[role], "PUT", "/v1/actions/service_paperless", action).status_code == 403
    bad = call(client, keys["admin"], "PUT", "/v1/actions/broken", {"kind": "nope", "content": {}})
    assert bad.status_code == 422 and bad.json()["code"] == "catalogue_invalid" and len(bad.json()["errors"]) >= 2
    good = call(client, keys["admin"], "PUT", "/v1/actions/service_paperless", action)
    assert good.status_code == 200
    assert (workspace.path / "catalogue" / "service_paperless.yaml").is_file()
    assert (workspace.path / "catalogue" / "offer_save.yaml").is_file()  # the default was written out, not lost
    decided = call(client, keys["channel"], "POST", "/v1/decisions", {**DECISION, "customer": {"customer_id": "c2"}, "seed": 1}).json()
    assert decided["actions"][0]["action_id"] == "service_paperless"


def test_a_decision_answers_in_the_contract_shape_and_its_trace_is_private_to_its_channel(api) -> None:  # noqa: ANN001
    client, keys, _ = api
    answer = call(client, keys["channel"], "POST", "/v1/decisions", DECISION)
    body = answer.json()
    assert answer.headers["content-type"] == "application/json"
    assert set(body) == {"decision_id", "customer_id", "actions"} and body["customer_id"] == "c1"
    assert DecisionPublic.model_validate(body).model_dump() == body  # the route encodes it itself: the documented shape, exactly
    for action in body["actions"]:
        assert set(action) == {"action_id", "product_code", "score", "reasons", "content"}
        assert action["content"]["direction"] == ("rtl" if action["content"]["language"] == "fa" else "ltr")
    assert any(a["content"]["language"] == "fa" for a in body["actions"])  # c1 reads Persian
    path = f"/v1/decisions/{body['decision_id']}"
    assert call(client, keys["channel"], "GET", path).json()["candidates"]
    assert call(client, keys["other_channel"], "GET", path).status_code == 403
    assert call(client, keys["analyst"], "GET", path).status_code == 200
    by_source = call(client, keys["channel"], "POST", "/v1/decisions", {**DECISION, "customer": {"source": "core", "source_customer_id": "src-c1"}})
    assert by_source.status_code == 200 and by_source.json()["customer_id"] == "c1"


def metric_values(client: TestClient, key: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    answer = call(client, key, "GET", "/v1/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(answer.text) for sample in family.samples}


def test_metrics_count_what_a_decision_did(api) -> None:  # noqa: ANN001
    client, keys, _ = api
    before = metric_values(client, keys["monitor"])
    made = call(client, keys["channel"], "POST", "/v1/decisions", DECISION).json()
    trace = call(client, keys["admin"], "GET", f"/v1/decisions/{made['decision_id']}").json()
    after = metric_values(client, keys["monitor"])

    def grew(name: str, **labels: str) -> float:
        key = (name, frozenset(labels.items()))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert grew("savile_decisions_total", channel="mobile_app", mode="online") == 1
    for action in made["actions"]:
        assert grew("savile_decision_actions_chosen_total", action=action["action_id"]) >= 1
    dropped = [c for c in trace["candidates"] if c["status"] == "dropped"]
    assert dropped
    for step, reason in {(c["step"], c["reason"]) for c in dropped}:
        expected = sum(1 for c in dropped if (c["step"], c["reason"]) == (step, reason))
        assert grew("savile_decision_candidates_dropped_total", step=step, reason=reason) == expected
    assert grew("savile_http_requests_total", handler="/v1/decisions", method="POST", status="2xx") == 1
    assert grew("savile_decision_write_group_size_count") == 1


def test_reads_and_refusals_are_audited(api) -> None:  # noqa: ANN001
    client, keys, _ = api
    call(client, keys["customer"], "GET", "/v1/customers/c1")
    entries = call(client, keys["analyst"], "GET", "/v1/audit?subject=c1").json()
    assert any(e["action"] == "customer.read" and e["outcome"] == "denied" and e["role"] == "customer" for e in entries)


@pytest.mark.parametrize(("body", "field"), [
    ({"customer": {"customer_id": "c1"}, "channel": "pigeon"}, "channel"),
    ({"customer": {}, "channel": "email"}, "customer"),
    ({"customer": {"customer_id": "c1", "source": "core"}, "channel": "email"}, "customer"),
    ({"customer": {"customer_id": "c1"}, "channel": "email", "limit": 0}, "limit"),
    ({"customer": {"customer_id": "c1"}, "channel": "email", "context": {"nested": {"a": 1}}}, "context"),
    ({"customer": {"customer_id": "c1"}, "channel": "email", "surprise": 1}, "surprise"),
])
def test_bad_requests_name_the_field_to_fix(api, body: dict, field: str) -> None:  # noqa: ANN001
    client, keys, _ = api
    answer = call(client, keys["channel"], "POST", "/v1/decisions", body)
    assert answer.status_code == 422 and answer.headers["content-type"].startswith("application/problem+json")
    assert any(e["field"].startswith(field) for e in answer.json()["errors"]), answer.json()


def test_unknown_customers_are_404_not_500(api) -> None:  # noqa: ANN001
    client, keys, _ = api
    assert call(client, keys["channel"], "POST", "/v1/decisions", {**DECISION, "customer": {"customer_id": "nobody"}}).status_code == 404
    assert call(client, keys["analyst"], "GET", "/v1/customers/nobody").status_code == 404
    assert call(client, keys["analyst"], "GET", "/v1/decisions/nobody").status_code == 404


def test_a_merged_id_is_decided_for_the_customer_it_was_merged_into(api) -> None:  # noqa: ANN001
    client, keys, workspace = api
    add_customer(workspace.store, "c3-old")
    add_customer(workspace.store, "c4-retired")
    with workspace.store.begin() as connection:
        connection.execute(sa.update(customers).where(customers.c.customer_id == "c3-old").values(status="merged", merged_into="c2"))
        connection.execute(sa.update(customers).where(customers.c.customer_id == "c4-retired").values(status="merged"))  # into nobody
    merged = call(client, keys["channel"], "POST", "/v1/decisions", {**DECISION, "customer": {"customer_id": "c3-old"}})
    assert merged.status_code == 200 and merged.json()["customer_id"] == "c2"
    retired = call(client, keys["channel"], "POST", "/v1/decisions", {**DECISION, "customer": {"customer_id": "c4-retired"}})
    assert retired.status_code == 404 and "c4-retired" in retired.json()["detail"]


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
                           max_leaves=10)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.dictionaries(st.sampled_from(["customer", "channel", "limit", "context", "placement", "seed", "x"]), json_values))
def test_no_body_makes_a_500(api, body: dict) -> None:  # noqa: ANN001
    client, keys, _ = api
    answer = call(client, keys["admin"], "POST", "/v1/decisions", body)
    assert answer.status_code < 500, answer.text


def test_openapi_has_stable_operation_ids(api) -> None:  # noqa: ANN001
    client, _, _ = api
    operations = {op["operationId"] for path in client.get("/openapi.json").json()["paths"].values() for op in path.values()}
    assert {"create_decision", "get_decision", "get_customer", "list_actions", "put_action", "list_audit"} <= operations

