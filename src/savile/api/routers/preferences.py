"""One-click unsubscribe from a marketing message (RFC 8058). The link's signature is the
authentication: it names one customer and one channel and cannot be edited into another."""

from __future__ import annotations

from datetime import datetime, timezone
from html import escape

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse

from savile.api.access import audit
from savile.exceptions import ForbiddenError
from savile.react.processor import record_preference

router = APIRouter(prefix="/v1/preferences", tags=["preferences"])
PAGE = ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head><body><h1>{title}</h1>{body}'
        "</body></html>")


def _checked(request: Request, customer: str, channel: str, signature: str) -> None:
    if not request.app.state.realtime.links.verify(customer, channel, signature):
        raise ForbiddenError("This unsubscribe link is not valid. Use the link from the message as it was sent.")


@router.get("/unsubscribe", operation_id="unsubscribe_page", response_class=HTMLResponse)
def unsubscribe_page(request: Request, customer: str = Query(...), channel: str = Query(...), signature: str = Query(...)) -> str:
    """A confirmation page: a GET changes nothing (mail scanners follow links)."""
    _checked(request, customer, channel, signature)
    where = "any channel" if channel == "all" else escape(channel)
    form = (f'<p>Stop marketing messages on {where}?</p><form method="post"><input type="hidden" name="customer" value="{escape(customer)}">'
            f'<input type="hidden" name="channel" value="{escape(channel)}"><input type="hidden" name="signature" value="{escape(signature)}">'
            '<button type="submit">Unsubscribe</button></form>')
    return PAGE.format(title="Unsubscribe", body=form)


@router.post("/unsubscribe", operation_id="unsubscribe", response_class=HTMLResponse)
def unsubscribe(request: Request, customer: str = Form(...), channel: str = Form(...), signature: str = Form(...)) -> str:
    """Withdraw marketing consent on the channel; it holds from this moment, for every source."""
    _checked(request, customer, channel, signature)
    with request.app.state.store.begin() as connection:
        record_preference(connection, customer, "marketing", None if channel == "all" else channel, False,
                          datetime.now(timezone.utc), "unsubscribe link", None)
    audit(request.app.state.store, None, "preferences.unsubscribe", customer, detail={"channel": channel, "via": "signed link"})
    where = "any channel" if channel == "all" else escape(channel)
    return PAGE.format(title="Unsubscribed", body=f"<p>You will get no more marketing messages on {where}.</p>")
