"""The bank data contract: typed schemas of every input table and event."""

from savile.contract._columns import Column, columns_of, model_for
from savile.contract._kinds import Kind
from savile.contract.events import parse_event
from savile.contract.publish import CONTRACT_VERSION, to_json_schema, to_markdown, write_json_schemas
from savile.contract.tables import (
    TABLES,
    Communication,
    Consent,
    ContractRow,
    Customer,
    Holding,
    Interaction,
    Location,
    Product,
    Transaction,
)

__all__ = [
    "CONTRACT_VERSION",
    "TABLES",
    "Column",
    "Communication",
    "Consent",
    "ContractRow",
    "Customer",
    "Holding",
    "Interaction",
    "Kind",
    "Location",
    "Product",
    "Transaction",
    "columns_of",
    "model_for",
    "parse_event",
    "to_json_schema",
    "to_markdown",
    "write_json_schemas",
]
