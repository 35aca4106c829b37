"""Signed unsubscribe links: the signature is the authentication, so a customer needs no login
and no one can unsubscribe someone else by editing the address."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from pathlib import Path
from urllib.parse import urlencode

KEY_FILE = "link.key"


class LinkSigner:
    def __init__(self, secret: str, public_url: str) -> None:
        self._key = secret.encode()
        self.public_url = public_url.rstrip("/")

    def signature(self, customer_id: str, channel: str) -> str:
        digest = hmac.new(self._key, f"unsubscribe\x00{customer_id}\x00{channel}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:18]).decode()

    def unsubscribe_url(self, customer_id: str, channel: str) -> str:
        query = urlencode({"customer": customer_id, "channel": channel, "signature": self.signature(customer_id, channel)})
        return f"{self.public_url}/v1/preferences/unsubscribe?{query}"

    def verify(self, customer_id: str, channel: str, signature: str) -> bool:
        return hmac.compare_digest(self.signature(customer_id, channel), signature)


def workspace_secret(workspace: Path, configured: str | None) -> str:
    """The configured secret, or one generated once and kept beside the workspace's store."""
    if configured:
        return configured
    path = workspace / KEY_FILE
    if not path.is_file():
        path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()
