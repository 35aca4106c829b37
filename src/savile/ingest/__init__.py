"""Ingest: read contract files, validate, quarantine bad rows with reasons, store idempotently."""

from savile.ingest.normalise import is_luhn_valid, mask_card_numbers, to_e164
from savile.ingest.pipeline import IngestReport, Ingestor, TableReport, discover
from savile.ingest.readers import SUFFIXES, read_batches, table_of
from savile.ingest.rejects import REASONS, Reject

__all__ = [
    "REASONS",
    "SUFFIXES",
    "IngestReport",
    "Ingestor",
    "Reject",
    "TableReport",
    "discover",
    "is_luhn_valid",
    "mask_card_numbers",
    "read_batches",
    "table_of",
    "to_e164",
]
