"""The bank data contract, version 1: one model per table (``../shared/contract/README.md``).

Field order is the column order of the contract. ``description`` is the contract's meaning
column; ``docs/contract.md`` and the published JSON Schemas are generated from these models.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from savile.contract._kinds import Bool, Date, Float, Int, JsonObject, Money, Text, Timestamp


class ContractRow(BaseModel):
    """A row of one contract table. Unknown columns are kept as extra attributes."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=False)

    table: ClassVar[str]
    key: ClassVar[tuple[str, ...]]
    summary: ClassVar[str]


class Customer(ContractRow):
    table = "customers"
    key = ("source", "source_customer_id")
    summary = "One row per customer record *in one source system*."

    source: Text = Field(description="system of record: core_banking, crm, cards, mobile_app, web, contact_centre, branch, or any other name")
    source_customer_id: Text = Field(description="id within that source; key is (source, source_customer_id)")
    first_name: Text | None = None
    last_name: Text | None = None
    birth_date: Date | None = None
    gender: Text | None = Field(None, description="free text as the source holds it; never required for a decision")
    email: Text | None = None
    phone: Text | None = None
    national_id: Text | None = Field(None, description="tax or national id, as the source holds it (may be hashed by the bank)")
    address_line: Text | None = None
    city: Text | None = None
    postcode: Text | None = None
    country: Text | None = None
    language: Text | None = Field(None, description="preferred language")
    customer_since: Date | None = None
    income_annual: Money | None = None
    employment_status: Text | None = Field(None, description="employed, self_employed, student, retired, unemployed, ...")
    updated_at: Timestamp = Field(description="when the source last changed this record (newest wins ties)")


class Product(ContractRow):
    table = "products"
    key = ("product_code",)
    summary = "The catalogue of what the bank can offer."

    product_code: Text = Field(description="key")
    name: Text
    category: Text = Field(description="current_account, savings, credit_card, personal_loan, mortgage, investment, insurance, pension, service")
    is_credit: Bool = Field(description="lends money to the customer (matters for vulnerable customers)")
    annual_value: Money | None = Field(None, description="expected yearly margin for the bank, in the bank's currency")
    min_age: Int | None = None
    max_age: Int | None = None


class Holding(ContractRow):
    table = "holdings"
    key = ("account_id",)
    summary = "Which customer held which product, and when."

    source: Text
    source_customer_id: Text
    account_id: Text = Field(description="key")
    product_code: Text = Field(description="refers to products")
    opened_at: Date
    closed_at: Date | None = Field(None, description="null while open")
    balance: Money | None = Field(None, description="latest balance")
    currency: Text | None = None


class Transaction(ContractRow):
    table = "transactions"
    key = ("transaction_id",)
    summary = "Money movements on accounts."

    transaction_id: Text = Field(description="key")
    account_id: Text = Field(description="refers to holdings")
    booked_at: Timestamp
    amount: Money = Field(description="signed: negative leaves the account")
    currency: Text
    channel: Text | None = Field(None, description="card_pos, card_online, atm, transfer, direct_debit, standing_order, salary, fee, interest, ...")
    mcc: Text | None = Field(None, description="ISO 18245 merchant category code, 4 digits")
    merchant_name: Text | None = None
    description: Text | None = None
    country: Text | None = None
    latitude: Float | None = Field(None, ge=-90, le=90, description="where the card was used, when known")
    longitude: Float | None = Field(None, ge=-180, le=180)


class Interaction(ContractRow):
    table = "interactions"
    key = ("event_id",)
    summary = "Every touchpoint, from every channel."

    event_id: Text = Field(description="key; the same event sent twice must count once")
    occurred_at: Timestamp
    channel: Text = Field(description="branch, atm, contact_centre, web, mobile_app, email, sms, push, social, chat, video")
    event_type: Text = Field(description="login, page_view, screen_view, feature_used, application_started, application_submitted, application_abandoned, location_ping, call, chat, complaint, offer_*, email_open, unsubscribe, preference_change; others are stored and counted")
    source: Text | None = Field(None, description="with source_customer_id, when the channel knows the customer id")
    source_customer_id: Text | None = None
    email: Text | None = Field(None, description="any one identifier is enough to link the event")
    phone: Text | None = None
    device_id: Text | None = Field(None, description="app install or browser id; links anonymous events once seen with a known id")
    session_id: Text | None = None
    properties: JsonObject | None = Field(None, description="event-specific fields (in CSV: the object as JSON text in one cell)")


class Consent(ContractRow):
    table = "consents"
    key = ("source", "source_customer_id", "purpose", "channel", "recorded_at")
    summary = "What each customer allowed, and on which channel."

    source: Text
    source_customer_id: Text
    purpose: Text = Field(description="marketing, profiling, location, third_party")
    channel: Text | None = Field(None, description="email, sms, push, phone, post, in_app; null = every channel")
    granted: Bool
    recorded_at: Timestamp = Field(description="newest record per (customer, purpose, channel) wins")


class Communication(ContractRow):
    table = "communications"
    key = ("communication_id",)
    summary = "What customers said, in calls, chats, emails and complaints."

    communication_id: Text = Field(description="key")
    source: Text
    source_customer_id: Text
    occurred_at: Timestamp
    channel: Text = Field(description="contact_centre, chat, email, complaint, branch")
    language: Text | None = None
    text: Text = Field(description="transcript or message body")
    agent_id: Text | None = None
    outcome: Text | None = Field(None, description="resolved, unresolved, escalated, transferred")


class Location(ContractRow):
    table = "locations"
    key = ("location_id",)
    summary = "The bank's ATMs and branches."

    location_id: Text = Field(description="key")
    kind: Text = Field(description="atm or branch")
    name: Text | None = None
    latitude: Float = Field(ge=-90, le=90)
    longitude: Float = Field(ge=-180, le=180)
    city: Text | None = None


# Load order matters: products before holdings (unknown_product), holdings before
# transactions (unknown_account).
TABLES: dict[str, type[ContractRow]] = {
    model.table: model
    for model in (Product, Location, Customer, Holding, Transaction, Interaction, Consent, Communication)
}
