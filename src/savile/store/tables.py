"""Tables of the operational store (SQLAlchemy Core). Alembic migrations create them.

Contract tables keep the contract's column names. Every contract table has ``extra``: the
columns a bank sent that the contract does not name, kept rather than rejected.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from savile.store._types import ExactDecimal, UtcDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)
Money = ExactDecimal(19, 4)  # four places: some currencies (BHD, KWD) have three
# Contract columns are Text: a bank's values vary in length and PostgreSQL would refuse a
# varchar overflow that SQLite lets through.

customer_records = Table(
    "customer_records",
    metadata,
    Column("record_id", Integer, primary_key=True, autoincrement=True),
    Column("source", Text, nullable=False),
    Column("source_customer_id", Text, nullable=False),
    Column("first_name", Text),
    Column("last_name", Text),
    Column("birth_date", Date),
    Column("gender", Text),
    Column("email", Text),
    Column("phone", Text, doc="E.164 when it could be read, else null"),
    Column("phone_raw", Text, doc="the phone as the source sent it"),
    Column("national_id", Text),
    Column("address_line", Text),
    Column("city", Text),
    Column("postcode", Text),
    Column("country", Text),
    Column("language", Text),
    Column("customer_since", Date),
    Column("income_annual", Money),
    Column("employment_status", Text),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("extra", JSON),
    UniqueConstraint("source", "source_customer_id", name="uq_customer_records_source_key"),
)
Index("ix_customer_records_email", customer_records.c.email)
Index("ix_customer_records_phone", customer_records.c.phone)

products = Table(
    "products",
    metadata,
    Column("product_code", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("is_credit", Boolean, nullable=False),
    Column("annual_value", Money),
    Column("min_age", Integer),
    Column("max_age", Integer),
    Column("extra", JSON),
)

holdings = Table(
    "holdings",
    metadata,
    Column("account_id", Text, primary_key=True),
    Column("source", Text, nullable=False),
    Column("source_customer_id", Text, nullable=False),
    Column("product_code", Text, nullable=False),
    Column("opened_at", Date, nullable=False),
    Column("closed_at", Date),
    Column("balance", Money),
    Column("currency", Text),
    Column("extra", JSON),
)
Index("ix_holdings_customer", holdings.c.source, holdings.c.source_customer_id)

consents = Table(
    "consents",
    metadata,
    Column("consent_id", Integer, primary_key=True, autoincrement=True),
    Column("record_key", String(64), nullable=False, unique=True, doc="digest of the contract key; channel may be null"),
    Column("source", Text, nullable=False),
    Column("source_customer_id", Text, nullable=False),
    Column("purpose", Text, nullable=False),
    Column("channel", Text, doc="null = every channel"),
    Column("granted", Boolean, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("extra", JSON),
)
Index("ix_consents_customer", consents.c.source, consents.c.source_customer_id)

communications = Table(
    "communications",
    metadata,
    Column("communication_id", Text, primary_key=True),
    Column("source", Text, nullable=False),
    Column("source_customer_id", Text, nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("channel", Text, nullable=False),
    Column("language", Text),
    Column("text", Text, nullable=False, doc="card numbers masked at ingest"),
    Column("agent_id", Text),
    Column("outcome", Text),
    Column("extra", JSON),
)
Index("ix_communications_customer", communications.c.source, communications.c.source_customer_id)

locations = Table(
    "locations",
    metadata,
    Column("location_id", Text, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("name", Text),
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("city", Text),
    Column("extra", JSON),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("quarantine_id", Integer, primary_key=True, autoincrement=True),
    Column("row_digest", String(64), nullable=False, unique=True, doc="same bad row twice is kept once"),
    Column("run_id", String(36), nullable=False),
    Column("table_name", Text, nullable=False),
    Column("source_file", Text, nullable=False),
    Column("line", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("column_name", Text),
    Column("message", Text, nullable=False),
    Column("raw", JSON, doc="the row as read, card numbers masked"),
    Column("quarantined_at", UtcDateTime, nullable=False),
)
Index("ix_quarantine_table_reason", quarantine.c.table_name, quarantine.c.reason)

ingest_runs = Table(
    "ingest_runs",
    metadata,
    Column("run_id", String(36), primary_key=True),
    Column("folder", Text, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("report", JSON),
)

CONTRACT_TABLES = {
    "customers": customer_records,
    "products": products,
    "holdings": holdings,
    "consents": consents,
    "communications": communications,
    "locations": locations,
}

# --- identity: golden records, the crosswalk, their history, steward rules, identifiers ---

customers = Table(
    "customers",
    metadata,
    Column("customer_id", String(40), primary_key=True),
    Column("status", String(20), nullable=False, doc="active, or merged into merged_into"),
    Column("merged_into", String(40)),
    Column("first_name", Text),
    Column("last_name", Text),
    Column("birth_date", Date),
    Column("gender", Text),
    Column("email", Text),
    Column("phone", Text),
    Column("address_line", Text),
    Column("city", Text),
    Column("postcode", Text),
    Column("country", Text),
    Column("language", Text),
    Column("national_id", Text),
    Column("customer_since", Date),
    Column("income_annual", Money),
    Column("employment_status", Text),
    Column("lineage", JSON, doc="attribute -> the source record that supplied it"),
    Column("record_count", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

customer_links = Table(
    "customer_links",
    metadata,
    Column("source", Text, primary_key=True),
    Column("source_customer_id", Text, primary_key=True),
    Column("customer_id", String(40), nullable=False),
    Column("method", String(20), nullable=False, doc="splink, deterministic, steward or single"),
    Column("probability", Float),
    Column("evidence", JSON),
    Column("linked_at", UtcDateTime, nullable=False),
)
Index("ix_customer_links_customer", customer_links.c.customer_id)

identity_history = Table(
    "identity_history",
    metadata,
    Column("history_id", Integer, primary_key=True, autoincrement=True),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("kind", String(20), nullable=False, doc="created, joined, merged, split, steward_merge, steward_split"),
    Column("customer_id", String(40), nullable=False),
    Column("other_customer_id", String(40)),
    Column("records", JSON, doc="source records concerned"),
    Column("evidence", JSON),
    Column("reason", Text),
    Column("actor", Text, nullable=False),
)
Index("ix_identity_history_customer", identity_history.c.customer_id)

steward_rules = Table(
    "steward_rules",
    metadata,
    Column("rule_id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False, doc="must_link or keep_apart"),
    Column("left_source", Text, nullable=False),
    Column("left_source_customer_id", Text, nullable=False),
    Column("right_source", Text, nullable=False),
    Column("right_source_customer_id", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

identifiers = Table(
    "identifiers",
    metadata,
    Column("kind", String(20), primary_key=True, doc="email, phone, national_id, device"),
    Column("value", Text, primary_key=True, doc="normalised: email_key, E.164, ..."),
    Column("customer_id", String(40), primary_key=True),
    Column("seen_at", UtcDateTime, nullable=False),
)
Index("ix_identifiers_customer", identifiers.c.customer_id)

# --- features: the online snapshot the decision path reads ---

feature_snapshots = Table(
    "feature_snapshots",
    metadata,
    Column("customer_id", String(40), primary_key=True),
    Column("as_of", Date, nullable=False),
    Column("features", JSON, nullable=False, doc="feature name -> value (nulls left out)"),
    Column("segment", Text),
    Column("computed_at", UtcDateTime, nullable=False),
    Column("scores", JSON, doc="product_code -> calibrated propensity at as_of"),
    Column("reasons", JSON, doc="product_code -> the features that raised its score most (top products only)"),
    Column("flags", JSON, doc="financial_difficulty, transaction_decline, ... with evidence"),
    Column("model_version", Text),
)

# --- decide: the decision log, contact history, caps, API keys, audit trail (append-only) ---

decisions = Table(
    "decisions",
    metadata,
    Column("decision_id", String(36), primary_key=True),
    Column("decided_at", UtcDateTime, nullable=False),
    Column("customer_id", String(40), nullable=False),
    Column("channel", Text, nullable=False),
    Column("placement", Text),
    Column("mode", String(10), nullable=False, doc="online (API) or outbound (batch)"),
    Column("inputs_digest", String(64), nullable=False, doc="sha256 of everything the engine read"),
    Column("model_versions", JSON, nullable=False),
    Column("request", JSON, nullable=False, doc="context, limit and seed as asked"),
    Column("candidates", JSON, nullable=False, doc="every action considered: kept or the step and reason that dropped it"),
    Column("chosen", JSON, nullable=False, doc="action, rank, score and the probability it was chosen with"),
    Column("actor", Text, nullable=False),
)
Index("ix_decisions_customer", decisions.c.customer_id, decisions.c.decided_at)

contacts = Table(
    "contacts",
    metadata,
    Column("contact_id", Integer, primary_key=True, autoincrement=True),
    Column("customer_id", String(40), nullable=False),
    Column("action_id", Text, nullable=False),
    Column("channel", Text, nullable=False),
    Column("kind", String(20), nullable=False, doc="presented, impression, click, accept, decline, dismiss"),
    Column("marketing", Boolean, nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("decision_id", String(36)),
    Column("event_id", Text, doc="the response event, once (idempotent)"),
)
Index("ix_contacts_customer", contacts.c.customer_id, contacts.c.occurred_at)
# Only responses carry an event id: presented contacts, one or more in every decision, stay out
# of this index instead of each adding a page to the commit.
RESPONSE_CONTACTS = contacts.c.event_id.is_not(None)
Index("ix_contacts_event_id", contacts.c.event_id, unique=True, sqlite_where=RESPONSE_CONTACTS, postgresql_where=RESPONSE_CONTACTS)

contact_counters = Table(
    "contact_counters",
    metadata,
    Column("customer_id", String(40), primary_key=True),
    Column("decisions", Integer, nullable=False,
           doc="the customer's version: bumped, and the row locked, by each decision, response, preference and live event"),
    Column("last_decided_at", UtcDateTime, nullable=False),
    sqlite_with_rowid=False,  # one b-tree keyed by customer: every decision writes a page of it
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(24), primary_key=True, doc="the public half, shown in logs"),
    Column("secret_hash", String(64), nullable=False, doc="sha256 of the secret half; the secret is never stored"),
    Column("role", String(20), nullable=False),
    Column("name", Text, nullable=False),
    Column("customer_id", String(40), doc="for the customer role: the only customer the key may see"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("audit_id", Integer, primary_key=True, autoincrement=True),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("actor", Text, nullable=False, doc="api key id or cli"),
    Column("role", String(20), nullable=False),
    Column("action", Text, nullable=False, doc="customer.read, decision.create, catalogue.update, ..."),
    Column("subject", Text, doc="customer_id, decision_id or action id concerned"),
    Column("outcome", String(20), nullable=False, doc="allowed or denied"),
    Column("detail", JSON),
)
Index("ix_audit_log_subject", audit_log.c.subject)

# --- real time: the event ledger, live profiles, delayed jobs, deliveries (the outbox), preferences ---

events_received = Table(
    "events_received",
    metadata,
    Column("sequence", Integer, primary_key=True, autoincrement=True),
    Column("event_id", Text, nullable=False, unique=True, doc="an id seen before is accepted and ignored"),
    Column("event_table", String(40), nullable=False, doc="the contract table the event belongs to"),
    Column("payload", JSON, nullable=False, doc="the event as validated"),
    Column("received_at", UtcDateTime, nullable=False),
    Column("processed_at", UtcDateTime, doc="null while it waits in the in-process queue"),
    Column("customer_id", String(40), doc="the golden customer it was linked to, if any"),
    Column("outcome", JSON, doc="what processing did: linked by, profile, triggers fired, deliveries"),
)
Index("ix_events_received_waiting", events_received.c.processed_at, events_received.c.sequence)

live_profiles = Table(
    "live_profiles",
    metadata,
    Column("customer_id", String(40), primary_key=True),
    Column("last_seen_at", UtcDateTime, nullable=False),
    Column("last_channel", Text),
    Column("counts", JSON, nullable=False, doc="event type and feature used -> events seen live"),
    Column("open_applications", JSON, nullable=False, doc="product_code -> when the application was started"),
    Column("location", JSON, doc="last location ping, kept only with a location grant"),
    Column("flags", JSON, nullable=False, doc="flags raised by events since the last refresh, with evidence"),
    Column("preferred_channel", Text, doc="as the customer last told us"),
    Column("updated_at", UtcDateTime, nullable=False),
)

scheduled_jobs = Table(
    "scheduled_jobs",
    metadata,
    Column("job_id", Text, primary_key=True, doc="derived from the cause, so a replayed event schedules once"),
    Column("due_at", UtcDateTime, nullable=False),
    Column("trigger_id", Text, nullable=False),
    Column("customer_id", String(40), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(20), nullable=False, doc="pending, done, cancelled"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("outcome", Text),
)
Index("ix_scheduled_jobs_due", scheduled_jobs.c.status, scheduled_jobs.c.due_at)
Index("ix_scheduled_jobs_customer", scheduled_jobs.c.customer_id)

deliveries = Table(
    "deliveries",
    metadata,
    Column("delivery_id", String(64), primary_key=True, doc="derived from the cause: one cause, one message"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("customer_id", String(40), nullable=False),
    Column("channel", Text, nullable=False, doc="email, sms, push, in_app, agent"),
    Column("address", Text, doc="email address, phone number or device; none for the inbox and agents"),
    Column("action_id", Text),
    Column("decision_id", String(36)),
    Column("trigger_id", Text),
    Column("marketing", Boolean, nullable=False),
    Column("content", JSON, nullable=False, doc="language, direction, subject, body, html, cta"),
    Column("status", String(20), nullable=False, doc="pending, sending, sent, failed, suppressed, unknown"),
    Column("attempts", Integer, nullable=False),
    Column("not_before", UtcDateTime, nullable=False, doc="quiet hours and retries move it"),
    Column("sent_at", UtcDateTime),
    Column("read_at", UtcDateTime, doc="in-app inbox: when the customer opened it"),
    Column("last_error", Text),
)
Index("ix_deliveries_due", deliveries.c.status, deliveries.c.not_before)
Index("ix_deliveries_customer", deliveries.c.customer_id, deliveries.c.created_at)

preferences = Table(
    "preferences",
    metadata,
    Column("preference_id", Integer, primary_key=True, autoincrement=True),
    Column("customer_id", String(40), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("channel", Text, doc="null = every channel"),
    Column("granted", Boolean, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("via", Text, nullable=False, doc="unsubscribe link, preference centre, event"),
    Column("event_id", Text, unique=True, doc="the event that carried it, once"),
)
Index("ix_preferences_customer", preferences.c.customer_id)

APPEND_ONLY = ("decisions", "contacts", "audit_log", "preferences")
