"""The engine against a real store: logging, caps under concurrency, append-only evidence."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from savile.decide import DecisionPolicy, DecisionRequest, DecisionService, load_catalogue, load_products
from savile.decide.log import record_response
from savile.store import SqlStore
from savile.decide.engine import inputs_digest
from savile.decide.state import load_states
from savile.store.tables import APPEND_ONLY, contacts, decisions, feature_snapshots, live_profiles, preferences
from tests.decide.helpers import NOW, add_customer, add_products


def service(store: SqlStore, policy: DecisionPolicy | None = None) -> DecisionService:
    add_products(store)
    return DecisionService(store, load_catalogue(None, load_products(store)), policy or DecisionPolicy())


def test_a_decision_is_logged_with_every_candidate_and_presented(store: SqlStore) -> None:
    engine = service(store)
    add_customer(store, "c1")
    made = engine.decide(DecisionRequest("c1", "email", NOW, limit=2, seed=7), actor="key1")
    trace = engine.trace(made.decision_id)
    assert trace["customer_id"] == "c1" and trace["actor"] == "key1" and trace["request"]["seed"] == 7
    assert {c["action_id"] for c in trace["candidates"]} == set(engine.catalogue.by_id)
    assert [c["action_id"] for c in trace["chosen"]] == [a.action_id for a in made.actions]
    assert all(c["reason"] for c in trace["candidates"] if c["status"] == "dropped")
    with store.begin() as connection:
        shown = connection.execute(sa.select(contacts.c.action_id).where(contacts.c.decision_id == made.decision_id)).scalars().all()
    assert sorted(shown) == sorted(a.action_id for a in made.actions)


def test_decision_ids_sort_in_the_order_the_decisions_were_made(store: SqlStore) -> None:
    """Time-ordered ids keep the log's key index growing at its end (one page a commit, not a random one)."""
    engine = service(store)
    add_customer(store, "c1")
    made = [engine.decide(DecisionRequest("c1", "web", NOW, limit=1, seed=i)).decision_id for i in range(30)]
    assert made == sorted(made) and len(set(made)) == len(made)


def test_the_inputs_digest_changes_with_any_stored_feature_and_only_then(store: SqlStore) -> None:
    engine = service(store)
    add_customer(store, "c1")
    request = DecisionRequest("c1", "email", NOW, seed=1)

    def digest_with(features: dict[str, float] | None) -> str:
        with store.begin() as connection:
            connection.execute(sa.delete(feature_snapshots))
            if features is not None:
                connection.execute(sa.insert(feature_snapshots).values(customer_id="c1", as_of=NOW.date(), features=features,
                                                                       computed_at=NOW))
        with store.reading() as connection:
            state = load_states(connection, ["c1"])["c1"]
        assert state.features == (features or {})
        return inputs_digest(state, request, engine.catalogue)

    usual = {"age_years": 40, "txn_count_30d": 12.0, "income_annual": 31000.5}
    assert digest_with(usual) == digest_with(dict(usual))
    assert digest_with({**usual, "txn_count_30d": 13.0}) != digest_with(usual)
    assert digest_with({**usual, "viewed_loans_30d": 0}) != digest_with(usual)
    assert digest_with(None) != digest_with({})  # no snapshot is not an empty one


def test_one_customer_read_on_the_drivers_cursor_is_the_state_the_outbound_read_gives(store: SqlStore) -> None:
    """The API reads one customer through prepared statements, the outbound run many through
    SQLAlchemy's execution: every part of the state must come out the same, types included."""
    engine = service(store)
    add_customer(store, "c1", held=("CURR", "SAVE"), income_annual=Decimal("41000.50"), customer_since=date(2019, 3, 4))
    add_customer(store, "c2")
    with store.begin() as connection:
        connection.execute(sa.insert(feature_snapshots).values(
            customer_id="c1", as_of=NOW.date(), features={"age_years": 41, "txn_count_30d": 12.5, "segment_code": "b"}, computed_at=NOW,
            segment="young families", scores={"CARD": 0.31}, reasons={"CARD": "spends abroad"}, flags={"bereavement": True},
            model_version="m7"))
        connection.execute(sa.insert(live_profiles).values(
            customer_id="c1", last_seen_at=NOW, last_channel="web", counts={"page_view": 3}, open_applications={"LOAN": NOW.isoformat()},
            flags={"financial_difficulty": True}, updated_at=NOW))
        connection.execute(sa.insert(preferences).values(customer_id="c1", purpose="marketing", channel="sms", granted=False,
                                                         recorded_at=NOW, via="preference centre"))
    first = engine.decide(DecisionRequest("c1", "email", NOW, limit=2, seed=3))
    with store.begin() as connection:
        record_response(connection, event_id="e1", customer_id="c1", action_id=first.actions[0].action_id, channel="email",
                        kind="decline", occurred_at=NOW + timedelta(minutes=5), decision_id=first.decision_id, marketing=True)
    with store.reading() as connection:
        alone = load_states(connection, ["c1"])["c1"]
        among = load_states(connection, ["c1", "c2"])["c1"]
    assert alone == among
    assert alone.contacts and alone.consents and alone.held == {"CURR", "SAVE"} and alone.live["open_applications"] == {"LOAN": NOW.isoformat()}
    assert alone.attributes["income_annual"] == 41000.5 and alone.attributes["customer_since"] == "2019-03-04"
    assert alone.contacts[0].occurred_at == NOW + timedelta(minutes=5) and alone.contacts[0].kind == "decline"
    assert alone.flags == {"bereavement": True, "financial_difficulty": True} and alone.decisions_made == 2


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_the_evidence_tables_refuse_updates_and_deletes(store: SqlStore, table: str) -> None:
    engine = service(store)
    add_customer(store, "c1")
    engine.decide(DecisionRequest("c1", "email", NOW, seed=1))
    from savile.api.access import Caller, audit
    audit(store, Caller("k", "admin", "ops"), "customer.read", "c1")
    with store.begin() as connection:
        connection.execute(sa.insert(preferences).values(customer_id="c1", purpose="marketing", channel="email", granted=False,
                                                         recorded_at=NOW, via="unsubscribe link"))
    column = {"contacts": "kind", "preferences": "via"}.get(table, "actor")
    for statement in (sa.text(f"UPDATE {table} SET {column} = 'x'"), sa.delete(sa.table(table))):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.begin() as connection:
            connection.execute(statement)


def test_a_decline_by_event_suppresses_the_action_everywhere(store: SqlStore) -> None:
    engine = service(store)
    add_customer(store, "c1", grants={("marketing", None): True, ("profiling", None): True})
    first = engine.decide(DecisionRequest("c1", "email", NOW, limit=1, seed=1))
    declined = first.actions[0].action_id
    with store.begin() as connection:
        assert record_response(connection, event_id="e1", customer_id="c1", action_id=declined, channel="email", kind="decline",
                               occurred_at=NOW + timedelta(minutes=1), decision_id=first.decision_id, marketing=True)
        assert not record_response(connection, event_id="e1", customer_id="c1", action_id=declined, channel="email", kind="decline",
                                   occurred_at=NOW + timedelta(minutes=1), decision_id=first.decision_id, marketing=True)
    later = engine.decide(DecisionRequest("c1", "mobile_app", NOW + timedelta(hours=1), limit=5, seed=1))
    assert declined not in [a.action_id for a in later.actions]
    reason = next(c for c in later.candidates if c.action_id == declined)
    assert reason.reason == "declined_recently"


def test_caps_hold_when_many_requests_for_one_customer_arrive_at_once(store: SqlStore) -> None:
    engine = service(store, DecisionPolicy(channel_caps={"email": 2}, overall_cap=50))
    add_customer(store, "c1", held=("CURR",), grants={("marketing", "email"): True, ("profiling", None): True})
    store.engine.pool.dispose()

    def one(seed: int) -> int:
        made = engine.decide(DecisionRequest("c1", "email", NOW, limit=1, seed=seed))
        return sum(engine.catalogue.by_id[a.action_id].is_marketing for a in made.actions)

    with ThreadPoolExecutor(max_workers=8) as pool:
        sent = sum(pool.map(one, range(16)))
    assert sent == 2
    with store.begin() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(decisions)).scalar() == 16


def test_outbound_writes_the_contract_file_once_per_customer_with_something_to_send(store: SqlStore, tmp_path) -> None:
    engine = service(store)
    add_customer(store, "c1")
    add_customer(store, "c2", grants={})  # no consent at all: only service or support could go out
    add_customer(store, "c3", birth_date=None, email=None)
    out = tmp_path / "email.csv"
    written = engine.outbound("email", out, NOW)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "customer_id,action_id,product_code,score"
    rows = [line.split(",") for line in lines[1:]]
    assert len(rows) == written and len({r[0] for r in rows}) == len(rows)
    by_customer = {r[0]: r for r in rows}
    assert "c2" not in by_customer or not engine.catalogue.by_id[by_customer["c2"][1]].is_marketing
    assert by_customer["c1"][2] in ("", "SAVE", "CARD", "LOAN")


def test_a_decision_that_lands_while_another_is_made_makes_that_one_decide_again(store: SqlStore, monkeypatch) -> None:
    engine = service(store, DecisionPolicy(channel_caps={"email": 1}, overall_cap=50))
    add_customer(store, "c1", held=("CURR",), grants={("marketing", "email"): True, ("profiling", None): True})
    import savile.decide.service as module

    read, interloped = module.load_states, []

    def read_then_interlope(connection, customer_ids):  # noqa: ANN001, ANN202
        states = read(connection, customer_ids)
        if not interloped:  # between the first decision's read and its write, another one lands
            interloped.append(None)
            interloped[0] = engine.decide(DecisionRequest("c1", "email", NOW, limit=1, seed=2))
        return states

    monkeypatch.setattr(module, "load_states", read_then_interlope)
    late = engine.decide(DecisionRequest("c1", "email", NOW, limit=1, seed=1))
    marketing = lambda made: [a.action_id for a in made.actions if engine.catalogue.by_id[a.action_id].is_marketing]  # noqa: E731
    assert len(marketing(interloped[0])) == 1
    assert marketing(late) == []  # decided again on the state with the other's contact: the cap of one is used
    trace = engine.trace(late.decision_id)
    assert any(c["reason"] for c in trace["candidates"] if c["status"] == "dropped")


def test_a_decision_that_cannot_be_written_fails_alone_in_its_group(store: SqlStore) -> None:
    from savile.decide.engine import Decision
    from savile.decide.service import _Made, _state_of
    from savile.exceptions import NotFoundError
    from savile.store.tables import customers

    engine = service(store)
    add_customer(store, "c1")
    add_customer(store, "c2")
    group = []
    for customer_id in ("c1", "c2"):
        request = DecisionRequest(customer_id, "email", NOW, limit=1, seed=1)
        with store.reading() as connection:
            state = _state_of(connection, customer_id)
        group.append(_Made(engine._decision(request, state, engine.catalogue), state.decisions_made, request, engine.catalogue,
                           engine._marketing, "key1"))
    engine.decide(DecisionRequest("c2", "email", NOW, limit=1, seed=2))  # c2's write must now decide again...
    with store.begin() as connection:  # ...and c2 has meanwhile been merged away, so that fails
        connection.execute(sa.update(customers).where(customers.c.customer_id == "c2").values(status="merged", merged_into="c1"))
    written, failed = engine._write(group)
    assert isinstance(written, Decision) and written.decision_id == group[0].decision.decision_id
    assert isinstance(failed, NotFoundError)
    with store.begin() as connection:
        logged = set(connection.execute(sa.select(decisions.c.decision_id)).scalars())
    assert group[0].decision.decision_id in logged and group[1].decision.decision_id not in logged


def test_a_decline_that_lands_while_a_decision_is_made_makes_it_decide_again(store: SqlStore, monkeypatch) -> None:
    engine = service(store)
    add_customer(store, "c1", held=("CURR",), grants={("marketing", "email"): True, ("profiling", None): True})
    marketing = [a.id for a in engine.catalogue.actions if a.is_marketing]
    import savile.decide.service as module

    read, declined = module.load_states, []

    def read_then_decline_everything(connection, customer_ids):  # noqa: ANN001, ANN202
        states = read(connection, customer_ids)
        if not declined:  # between the decision's read and its write, the customer declines every offer
            declined.append(True)
            with store.begin() as writing:
                for number, action_id in enumerate(marketing):
                    record_response(writing, event_id=f"d{number}", customer_id="c1", action_id=action_id, channel="email",
                                    kind="decline", occurred_at=NOW, decision_id=None, marketing=True)
        return states

    monkeypatch.setattr(module, "load_states", read_then_decline_everything)
    made = engine.decide(DecisionRequest("c1", "email", NOW + timedelta(minutes=1), limit=3, seed=1))
    assert declined and not [a.action_id for a in made.actions if a.action_id in marketing]
