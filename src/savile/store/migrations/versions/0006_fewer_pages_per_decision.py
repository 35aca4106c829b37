"""fewer pages per decision

Every decision writes its counter and its presented contacts. On SQLite each b-tree they touch
is one more page in the write-ahead log for every commit, so:

- only response contacts carry an event id: its unique index leaves the others out
  (``WHERE event_id IS NOT NULL``) instead of filing every presented contact under NULL;
- on SQLite the counters are a ``WITHOUT ROWID`` table: one b-tree keyed by customer, where a
  rowid table kept a second one for its key.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 09:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

RESPONSES_ONLY = sa.text("event_id IS NOT NULL")


def upgrade() -> None:
    sqlite = op.get_context().dialect.name == "sqlite"
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_constraint('uq_contacts_event_id', type_='unique')
        batch_op.create_index('ix_contacts_event_id', ['event_id'], unique=True,
                              sqlite_where=RESPONSES_ONLY, postgresql_where=RESPONSES_ONLY)
    if sqlite:
        _forbid_changes_to_contacts()  # SQLite rebuilt the table, and its triggers went with the old one
        with op.batch_alter_table('contact_counters', recreate='always', table_kwargs={'sqlite_with_rowid': False}):
            pass


def downgrade() -> None:
    sqlite = op.get_context().dialect.name == "sqlite"
    if sqlite:
        with op.batch_alter_table('contact_counters', recreate='always', table_kwargs={'sqlite_with_rowid': True}):
            pass
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_contacts_event_id')
        batch_op.create_unique_constraint('uq_contacts_event_id', ['event_id'])
    if sqlite:
        _forbid_changes_to_contacts()


def _forbid_changes_to_contacts() -> None:
    for event in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER IF NOT EXISTS contacts_append_only_{event.lower()} BEFORE {event} ON contacts "
                   "BEGIN SELECT RAISE(ABORT, 'append-only: contacts rows cannot be changed or deleted'); END")
