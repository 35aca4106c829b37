"""Where messages go: SMTP for email, HTTP webhooks for SMS and push gateways, files when no
server is configured (one machine, the demo), and the in-app inbox and agents' queue, which are
the deliveries table itself."""

from __future__ import annotations

import json
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx


class DeliveryFailed(Exception):
    """Sending failed; ``retry`` says whether trying again later may succeed."""

    def __init__(self, message: str, retry: bool = True) -> None:
        super().__init__(message)
        self.retry = retry


class Channel(Protocol):
    def send(self, delivery: dict[str, Any]) -> None: ...


def email_message(delivery: dict[str, Any], sender: str) -> EmailMessage:
    content = delivery["content"]
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, delivery["address"], content["subject"]
    # The delivery id in the Message-ID lets a mail system drop a copy it has seen.
    message["Message-ID"] = make_msgid(idstring=delivery["delivery_id"], domain="savile.invalid")
    message["Content-Language"] = content["language"]
    if content.get("unsubscribe_url"):
        message["List-Unsubscribe"] = f"<{content['unsubscribe_url']}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
    message.set_content(content["text"])
    if content.get("html"):
        message.add_alternative(content["html"], subtype="html")
    return message


class SmtpEmail:
    def __init__(self, url: str, sender: str, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(f"SMTP URL must look like smtp://host:port. Got {url!r} instead.")
        self.host, self.port, self.tls = parts.hostname, parts.port or (465 if parts.scheme == "smtps" else 25), parts.scheme == "smtps"
        self.user, self.password, self.sender, self.timeout = parts.username, parts.password, sender, timeout

    def send(self, delivery: dict[str, Any]) -> None:
        if not delivery.get("address"):
            raise DeliveryFailed("no email address", retry=False)
        client = smtplib.SMTP_SSL if self.tls else smtplib.SMTP
        try:
            with client(self.host, self.port, timeout=self.timeout) as smtp:
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(email_message(delivery, self.sender))
        except smtplib.SMTPRecipientsRefused as error:
            raise DeliveryFailed(f"recipient refused: {error.recipients}", retry=False) from error
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryFailed(f"SMTP {self.host}:{self.port}: {error}") from error


class Webhook:
    """POSTs the message as JSON; the ``Idempotency-Key`` header is the delivery id."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url
        self.client = httpx.Client(timeout=timeout)

    def send(self, delivery: dict[str, Any]) -> None:
        body = {k: delivery[k] for k in ("delivery_id", "customer_id", "channel", "address", "action_id", "trigger_id")}
        body["message"] = {k: delivery["content"].get(k) for k in ("language", "direction", "subject", "text", "cta")}
        try:
            answer = self.client.post(self.url, json=body, headers={"Idempotency-Key": delivery["delivery_id"]})
        except httpx.HTTPError as error:
            raise DeliveryFailed(f"{self.url}: {error}") from error
        if answer.status_code >= 300:
            raise DeliveryFailed(f"{self.url} answered {answer.status_code}: {answer.text[:200]}",
                                 retry=answer.status_code >= 500 or answer.status_code == 429)


class FileDrop:
    """No server configured: each message becomes a file, as a developer's mail catcher would show it."""

    def __init__(self, folder: Path, sender: str) -> None:
        self.folder, self.sender = folder, sender

    def send(self, delivery: dict[str, Any]) -> None:
        folder = self.folder / delivery["channel"]
        folder.mkdir(parents=True, exist_ok=True)
        if delivery["channel"] == "email":
            (folder / f"{delivery['delivery_id']}.eml").write_bytes(bytes(email_message(delivery, self.sender)))
        else:
            (folder / f"{delivery['delivery_id']}.json").write_text(json.dumps(delivery, default=str, ensure_ascii=False, indent=1),
                                                                  encoding="utf-8")


class Stored:
    """The in-app inbox and the agents' queue: a sent delivery is the message; readers query it."""

    def send(self, delivery: dict[str, Any]) -> None:
        return None
