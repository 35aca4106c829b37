"""Messages as customers receive them: the decision's content in their language, plain text and
right-to-left-aware HTML, with an unsubscribe link on every marketing message."""

from __future__ import annotations

import html
from typing import Any

from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from savile.decide.content import direction
from savile.decide.engine import ChosenAction
from savile.decide.state import CustomerState
from savile.deliver.links import LinkSigner

UNSUBSCRIBE = {"en": "Unsubscribe", "ru": "Отписаться", "fa": "لغو اشتراک"}
# Our own layout (not marketers' data), still rendered by the sandbox with autoescaping.
LAYOUT = SandboxedEnvironment(autoescape=True).from_string(
    '<!doctype html>\n<html lang="{{ language }}" dir="{{ direction }}"><head><meta charset="utf-8"><title>{{ subject }}</title></head>'
    '<body style="direction: {{ direction }}; text-align: {{ "right" if direction == "rtl" else "left" }}">'
    "<p>{{ body }}</p>{% if cta %}<p><strong>{{ cta }}</strong></p>{% endif %}"
    '{% if unsubscribe_url %}<p><small><a href="{{ unsubscribe_url }}">{{ unsubscribe }}</a></small></p>{% endif %}</body></html>')


class Composer:
    def __init__(self, links: LinkSigner) -> None:
        self.links = links

    def compose(self, state: CustomerState, chosen: ChosenAction, marketing: bool, consent_channel: str | None) -> dict[str, Any]:
        """``consent_channel``: the consent the unsubscribe link withdraws (None: marketing on every channel)."""
        content = chosen.content
        language = content.get("language", "en")
        unsubscribe_url = self.links.unsubscribe_url(state.customer_id, consent_channel or "all") if marketing else None
        # The action's templates rendered with autoescaping: safe as HTML, unescaped for text channels.
        subject, body, cta = (Markup(content.get(part, "")) for part in ("subject", "body", "cta"))
        text = html.unescape(str(body)) + (f"\n\n{html.unescape(str(cta))}" if cta else "")
        if unsubscribe_url:
            text += f"\n\n{UNSUBSCRIBE.get(language, UNSUBSCRIBE['en'])}: {unsubscribe_url}"
        return {"language": language, "direction": content.get("direction") or direction(language),
                "subject": html.unescape(str(subject)), "text": text, "cta": html.unescape(str(cta)),
                "html": LAYOUT.render(language=language, direction=content.get("direction") or direction(language), subject=subject,
                                      body=body, cta=cta, unsubscribe_url=unsubscribe_url,
                                      unsubscribe=UNSUBSCRIBE.get(language, UNSUBSCRIBE["en"])),
                "unsubscribe_url": unsubscribe_url}

    def agent_alert(self, state: CustomerState, trigger_id: str, description: str, context: dict[str, Any]) -> dict[str, Any]:
        name = " ".join(str(state.attributes.get(k, "")) for k in ("first_name", "last_name")).strip() or state.customer_id
        evidence = state.flags.get("financial_difficulty_evidence") or []
        text = f"{description or trigger_id} — {name} ({state.customer_id})."
        if evidence:
            text += " Evidence: " + "; ".join(map(str, evidence[:5]))
        return {"language": "en", "direction": "ltr", "subject": f"Agent alert: {trigger_id}", "text": text, "cta": "", "html": None,
                "unsubscribe_url": None, "context": context}
