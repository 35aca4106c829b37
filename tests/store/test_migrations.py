from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from savile.decide.log import lock_customer, record_response
from savile.store import SqlStore, head_revision
from savile.store.tables import metadata


def _tables(store: SqlStore) -> set[str]:
    return set(sa.inspect(store.engine).get_table_names()) - {"alembic_version"}


def test_migrations_upgrade_an_empty_database_to_the_tables_of_the_code(store_url: str) -> None:
    store = SqlStore(store_url)
    assert _tables(store) == set()
    store.upgrade()
    assert store.current_revision() == head_revision()
    assert _tables(store) == set(metadata.tables)
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)
    assert differences == [], f"tables.py and the migrations disagree: {differences}"
    store.dispose()


def test_migrations_downgrade_cleanly_and_upgrade_again(store_url: str) -> None:
    store = SqlStore(store_url)
    store.upgrade()
    store.downgrade("base")
    assert _tables(store) == set()
    assert store.current_revision() is None
    store.upgrade()
    assert _tables(store) == set(metadata.tables)
    store.dispose()


def test_a_store_with_contacts_keeps_them_and_their_guarantees_across_0006(store_url: str) -> None:
    """0006 rebuilds the contacts and counters on SQLite: every row, the append-only triggers and
    the once-per-event guarantee must come through."""
    store = SqlStore(store_url)
    store.upgrade("0005")
    when = datetime(2026, 11, 1, tzinfo=timezone.utc)
    contact = {"customer_id": "c1", "action_id": "offer_a", "channel": "email", "marketing": True, "occurred_at": when}
    with store.engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO contacts (customer_id, action_id, channel, kind, marketing, occurred_at, event_id) "
                                   "VALUES (:customer_id, :action_id, :channel, :kind, :marketing, :occurred_at, :event_id)"),
                           [{**contact, "kind": "presented", "event_id": None}, {**contact, "kind": "presented", "event_id": None},
                            {**contact, "kind": "decline", "event_id": "e1"}])
        connection.execute(sa.text("INSERT INTO contact_counters (customer_id, decisions, last_decided_at) VALUES ('c1', 7, :at)"),
                           {"at": when})
    store.upgrade()
    with store.begin() as connection:
        assert connection.execute(sa.text("SELECT kind, event_id FROM contacts ORDER BY contact_id")).all() == [
            ("presented", None), ("presented", None), ("decline", "e1")]
        assert lock_customer(connection, "c1", when) == 8
        assert not record_response(connection, event_id="e1", customer_id="c1", action_id="offer_a", channel="email", kind="decline",
                                   occurred_at=when, decision_id=None, marketing=True)
        assert record_response(connection, event_id="e2", customer_id="c1", action_id="offer_a", channel="email", kind="accept",
                               occurred_at=when, decision_id=None, marketing=True)
    for statement in ("UPDATE contacts SET kind = 'x'", "DELETE FROM contacts"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.begin() as connection:
            connection.execute(sa.text(statement))
    store.dispose()
