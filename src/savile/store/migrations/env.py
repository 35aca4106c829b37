"""Alembic environment. Savile runs migrations programmatically (``SqlStore.migrate``), handing
over an open connection in ``config.attributes``; no alembic.ini is needed."""

from alembic import context

from savile.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
