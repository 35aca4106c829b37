"""Identity: normalisation for matching, record linkage, golden records with lineage."""

from savile.identity.contacts import address_key, email_key, house_number, postcode_key
from savile.identity.names import canonical_first_name, is_initial, name_forms, phonetic_key, to_latin

__all__ = [
    "address_key",
    "canonical_first_name",
    "email_key",
    "house_number",
    "is_initial",
    "name_forms",
    "phonetic_key",
    "postcode_key",
    "to_latin",
]
