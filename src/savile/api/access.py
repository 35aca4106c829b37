"""API keys, roles and the audit trail of data access.

A key is ``sav_<key id>_<secret>``. Only the secret's sha256 is stored: a key is 32 random
bytes, so a slow password hash would add latency to every request and no safety. Keys are
checked against the store at most every ``CACHE_SECONDS`` per process; revoking a key takes
effect within that time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

from savile.exceptions import AuthenticationError, ContractError, ForbiddenError, NotFoundError
from savile.store import SqlStore
from savile.store.tables import api_keys, audit_log

CACHE_SECONDS = 30.0
PERMISSIONS: dict[str, frozenset[str]] = {
    # channel apps: decide, read the customer they serve, read the catalogue and their own decisions
    "channel": frozenset({"decisions:create", "decisions:read_own", "customers:read", "catalogue:read", "events:create"}),
    # analysts and compliance: read everything, change nothing
    "analyst": frozenset({"decisions:read", "customers:read", "catalogue:read", "audit:read", "deliveries:read", "agent_queue:read",
                          "metrics:read"}),
    # contact-centre and branch agents: the 360° view, what to do next, and the alerts queue
    "agent": frozenset({"decisions:read", "customers:read", "catalogue:read", "agent_queue:read"}),
    "admin": frozenset({"decisions:create", "decisions:read", "customers:read", "catalogue:read", "catalogue:write",
                        "audit:read", "events:create", "deliveries:read", "agent_queue:read", "metrics:read"}),
    # a metrics scraper (Prometheus): counts only, no customer and no decision
    "monitor": frozenset({"metrics:read"}),
    # a customer's own key (preference centre): their own record only
    "customer": frozenset({"customers:read_self"}),
}
ROLES = tuple(PERMISSIONS)


@dataclass(frozen=True)
class Caller:
    key_id: str
    role: str
    name: str
    customer_id: str | None = None

    def may(self, permission: str) -> bool:
        return permission in PERMISSIONS[self.role]


def create_key(store: SqlStore, role: str, name: str, customer_id: str | None = None) -> str:
    """A new key; the only time its secret exists in clear."""
    if role not in PERMISSIONS:
        raise ContractError(f"Unknown role {role!r}. Expected one of {', '.join(ROLES)}.")
    if (role == "customer") != (customer_id is not None):
        raise ContractError("A customer key needs --customer ID, and only customer keys take one.")
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    with store.begin() as connection:
        connection.execute(sa.insert(api_keys).values(key_id=key_id, secret_hash=_digest(secret), role=role, name=name,
                                                      customer_id=customer_id, created_at=datetime.now(timezone.utc)))
    return f"sav_{key_id}_{secret}"


def revoke_key(store: SqlStore, key_id: str) -> None:
    with store.begin() as connection:
        done = connection.execute(sa.update(api_keys).where(api_keys.c.key_id == key_id, api_keys.c.revoked_at.is_(None))
                                  .values(revoked_at=datetime.now(timezone.utc))).rowcount
    if not done:
        raise NotFoundError(f"No active API key {key_id}.")


def list_keys(store: SqlStore) -> list[dict[str, Any]]:
    with store.begin() as connection:
        rows = connection.execute(sa.select(api_keys).order_by(api_keys.c.created_at)).mappings().all()
    return [{k: v for k, v in row.items() if k != "secret_hash"} for row in rows]


class KeyChecker:
    """Authenticates bearer keys, with a short per-process cache of good keys."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self._cache: dict[str, tuple[float, Caller]] = {}

    def __call__(self, authorization: str | None) -> Caller:
        cached = self.cached(authorization)
        if cached is not None:
            return cached
        token = _bearer(authorization)
        caller = self._verify(token)
        self._cache[token] = (time.monotonic(), caller)
        return caller

    def cached(self, authorization: str | None) -> Caller | None:
        """The caller for a key checked less than ``CACHE_SECONDS`` ago, without the database."""
        cached = self._cache.get(_bearer(authorization))
        return cached[1] if cached and time.monotonic() - cached[0] < CACHE_SECONDS else None

    def _verify(self, token: str) -> Caller:
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != "sav":
            raise AuthenticationError("That is not a Savile API key (they look like sav_<id>_<secret>).")
        with self.store.begin() as connection:
            row = connection.execute(sa.select(api_keys).where(api_keys.c.key_id == parts[1])).mappings().first()
        if row is None or row["revoked_at"] is not None or not hmac.compare_digest(row["secret_hash"], _digest(parts[2])):
            raise AuthenticationError("Unknown or revoked API key.")
        return Caller(row["key_id"], row["role"], row["name"], row["customer_id"])


def _bearer(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationError("Send the API key as 'Authorization: Bearer sav_...'. Create one with: savile apikey create --role ROLE")
    return token


def require(caller: Caller, permission: str) -> None:
    if not caller.may(permission):
        raise ForbiddenError(f"The {caller.role} role may not {permission.replace(':', ' ')}.")


def may_read_customer(caller: Caller, customer_id: str) -> None:
    if caller.may("customers:read") or (caller.may("customers:read_self") and caller.customer_id == customer_id):
        return
    raise ForbiddenError(f"The {caller.role} role may not read customer {customer_id}.")


def audit(store: SqlStore, caller: Caller | None, action: str, subject: str | None, outcome: str = "allowed",
          detail: dict[str, Any] | None = None) -> None:
    with store.begin() as connection:
        connection.execute(sa.insert(audit_log).values(
            occurred_at=datetime.now(timezone.utc), actor=caller.key_id if caller else "anonymous",
            role=caller.role if caller else "none", action=action, subject=subject, outcome=outcome, detail=detail))


def read_audit(store: SqlStore, subject: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    query = sa.select(audit_log).order_by(audit_log.c.audit_id.desc()).limit(limit)
    if subject:
        query = query.where(audit_log.c.subject == subject)
    with store.begin() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
