"""Identity: normalisation for matching, record linkage, golden records with lineage,
attribution through the crosswalk, steward controls and real-time linking."""

from savile.identity.contacts import address_key, email_key, house_number, postcode_key
from savile.identity.crosswalk import consents_in_force, export_identities, publish_crosswalk
from savile.identity.linkage import LinkageBackend
from savile.identity.names import is_abjad, is_initial, name_forms, phonetic_key, to_latin
from savile.identity.realtime import Match, link_event, link_new_record, match_event
from savile.identity.resolve import ResolveSummary, resolve
from savile.identity.steward import merge_customers, split_record
from savile.identity.view import customer_view

__all__ = [
    "LinkageBackend",
    "Match",
    "ResolveSummary",
    "address_key",
    "consents_in_force",
    "customer_view",
    "email_key",
    "export_identities",
    "house_number",
    "is_abjad",
    "is_initial",
    "link_event",
    "link_new_record",
    "match_event",
    "merge_customers",
    "name_forms",
    "phonetic_key",
    "postcode_key",
    "publish_crosswalk",
    "resolve",
    "split_record",
    "to_latin",
]
