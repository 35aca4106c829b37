"""The HTTP API: FastAPI routers per concept, API keys with roles, problem JSON errors."""

from savile.api.access import PERMISSIONS, ROLES, Caller, create_key, list_keys, revoke_key
from savile.api.app import create_app

__all__ = ["PERMISSIONS", "ROLES", "Caller", "create_app", "create_key", "list_keys", "revoke_key"]
