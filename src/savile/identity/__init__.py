"""Identity: normalisation for matching, record linkage, golden records with lineage,
attribution through the crosswalk, steward controls and real-time linking."""

import lazy_loader

# Each name is imported on first use: Splink is needed to resolve, not to read the crosswalk.
__getattr__, __dir__, __all__ = lazy_loader.attach(__name__, submod_attrs={
    "contacts": ["address_key", "email_key", "house_number", "postcode_key"],
    "crosswalk": ["consents_in_force", "export_identities", "publish_crosswalk"],
    "linkage": ["LinkageBackend"],
    "names": ["is_abjad", "is_initial", "name_forms", "phonetic_key", "to_latin"],
    "realtime": ["Match", "link_event", "link_new_record", "match_event"],
    "resolve": ["ResolveSummary", "resolve"],
    "steward": ["merge_customers", "split_record"],
    "view": ["customer_view"],
})
