from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

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
