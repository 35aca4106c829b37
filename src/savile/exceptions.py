"""Savile's error tree.

Every error Savile raises on purpose is a ``SavileError``. Each subclass also inherits the
matching built-in so callers can catch either, carries a stable ``code`` for machines and an
``http_status`` for the API's problem JSON::

    SavileError
    ├── ConfigError          (ValueError)        config_invalid        500
    ├── WorkspaceError       (RuntimeError)      workspace_missing     409
    ├── ContractError        (ValueError)        contract_invalid      422
    │   └── InputFileError                       input_file_invalid    422
    ├── NotFoundError        (LookupError)       not_found             404
    ├── StoreError           (RuntimeError)      store_unavailable     503
    ├── MissingExtraError    (ImportError)       missing_extra         500
    ├── AuthenticationError  (PermissionError)   unauthenticated       401
    ├── ForbiddenError       (PermissionError)   forbidden             403
    └── CatalogueError       (ValueError)        catalogue_invalid     422   (savile.decide)

Messages name the thing, the expectation, the value received and the fix, and never carry
personal data (names, emails, account numbers): record ids and column names only.
"""

from __future__ import annotations


class SavileError(Exception):
    """Base of every error Savile raises on purpose."""

    code = "savile_error"
    http_status = 500


class ConfigError(SavileError, ValueError):
    """A setting is missing or has a value Savile cannot use."""

    code = "config_invalid"


class WorkspaceError(SavileError, RuntimeError):
    """The command needs a workspace that does not exist (or exists already)."""

    code = "workspace_missing"
    http_status = 409


class ContractError(SavileError, ValueError):
    """Input does not follow the bank data contract."""

    code = "contract_invalid"
    http_status = 422


class InputFileError(ContractError):
    """A whole input file cannot be read (as opposed to one bad row, which is quarantined)."""

    code = "input_file_invalid"


class NotFoundError(SavileError, LookupError):
    """A requested record does not exist."""

    code = "not_found"
    http_status = 404


class StoreError(SavileError, RuntimeError):
    """The operational or analytical store cannot be reached or is in a bad state."""

    code = "store_unavailable"
    http_status = 503


class MissingExtraError(SavileError, ImportError):
    """An optional dependency is needed for the chosen configuration."""

    code = "missing_extra"

    @classmethod
    def for_extra(cls, what: str, extra: str) -> "MissingExtraError":
        return cls(f'{what} needs the {extra!r} extra. Install it with: pip install "savile[{extra}]"')


class AuthenticationError(SavileError, PermissionError):
    """No API key, or one Savile does not know (or that was revoked)."""

    code = "unauthenticated"
    http_status = 401


class ForbiddenError(SavileError, PermissionError):
    """The caller is known but its role may not do this, or not to this customer."""

    code = "forbidden"
    http_status = 403
