"""Message content: Jinja2's sandbox with only the placeholders an action declares.

Templates are data written by marketers, so they render in ``SandboxedEnvironment`` (no
attribute tricks reach Python internals), with autoescaping (a customer's name cannot inject
markup) and ``StrictUndefined`` (a misspelt placeholder is an error at load time, not an
empty gap in a customer's message).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.numbers import format_currency
from babel.units import format_unit

from jinja2 import StrictUndefined, TemplateError, meta
from jinja2.sandbox import SandboxedEnvironment

# Values a template may use; the decision fills them from the golden record and the product.
PLACEHOLDERS = {
    "first_name": "the customer's first name",
    "last_name": "the customer's last name",
    "product_name": "the product's name",
    "product_category": "the product's category",
    "channel": "the channel the message goes out on",
    "location_name": "the nearest ATM or branch (location triggers)",
    "distance": "how far it is, formatted for the customer's language (location triggers)",
    "amount": "the money the trigger saw, formatted for the customer's language and currency",
    "page": "the page or screen the customer had trouble with (page-help triggers)",
    "event_date": "the day of the event behind a trigger (an application started), in the customer's language",
    "valid_until": "the last day the action is offered (its validity window), in the customer's language",
}
RIGHT_TO_LEFT = {"ar", "fa", "he", "ur", "ps", "ku", "yi", "dv"}
SAMPLE = {"first_name": "Alex", "last_name": "Smith", "product_name": "Saver", "product_category": "savings", "channel": "email",
          "location_name": "High Street", "distance": "250 m", "amount": "£5,000.00", "page": "transfers",
          "event_date": "5 January 2026", "valid_until": "31 March 2026"}

_environment = SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)


def template_problems(text: str, declared: list[str]) -> list[str]:
    """Everything wrong with one template: syntax, undeclared or unknown placeholders, unsafe use."""
    try:
        parsed = _environment.parse(text)
    except TemplateError as error:
        return [f"is not a valid template: {error}"]
    problems = []
    used = meta.find_undeclared_variables(parsed)
    for name in sorted(used - set(declared)):
        problems.append(f"uses {{{{ {name} }}}} which is not declared in placeholders (declared: {', '.join(declared) or 'none'})")
    if problems:
        return problems
    try:
        _compiled(text).render({name: SAMPLE.get(name, name) for name in declared})
    except Exception as error:  # noqa: BLE001 — the sandbox's SecurityError and any template error alike
        problems.append(f"cannot render safely: {error}")
    return problems


def render(text: str, values: dict[str, Any]) -> str:
    if "{" not in text:  # plain text: Jinja would return it unchanged (autoescaping touches only placeholders)
        return text
    used = _placeholders(text)
    if not used <= values.keys():
        return _compiled(text).render(values)  # StrictUndefined names what is missing
    try:
        return _rendered(text, tuple(sorted((name, values[name]) for name in used)))
    except TypeError:  # a value that cannot be a cache key (the engine passes text; a caller might not)
        return _compiled(text).render(values)


@lru_cache(maxsize=8192)
def _rendered(text: str, values: tuple[tuple[str, Any], ...]) -> str:
    """A template with the values it reads, rendered once: most messages vary by a product's
    name or by nothing, and a render took a quarter of the engine's time (docs/benchmarks.md)."""
    return _compiled(text).render(dict(values))


@lru_cache(maxsize=4096)
def _placeholders(text: str) -> frozenset[str]:
    return frozenset(meta.find_undeclared_variables(_environment.parse(text)))


def format_amount(amount: Any, currency: str | None, locale: str) -> str:
    """Money as the customer reads it (Babel: ``£5,000.00``, ``5 000,00 £``, ``۵٬۰۰۰٫۰۰ £``)."""
    if amount is None or amount == "":
        return ""
    return format_currency(Decimal(str(amount)), currency or "GBP", locale=locale)


def format_date(day: Any, locale: str) -> str:
    """A day as the customer reads it (Babel: ``5 January 2026``, ``5 января 2026 г.``, ``۵ ژانویهٔ ۲۰۲۶``)."""
    if day is None or day == "":
        return ""
    if isinstance(day, str):
        day = datetime.fromisoformat(day)
    if isinstance(day, datetime):
        day = day.date()
    return babel_format_date(day, format="long", locale=locale)


def format_distance(metres: Any, locale: str) -> str:
    if metres is None or metres == "":
        return ""
    metres = float(metres)
    if metres >= 1000:
        return format_unit(round(metres / 1000, 1), "length-kilometer", length="short", locale=locale)
    return format_unit(int(round(metres, -1)), "length-meter", length="short", locale=locale)


@lru_cache(maxsize=1024)
def reader_locale(language: str, country: str | None = None) -> str:
    """The Babel locale a customer reads in: their language as written in their country (``en_GB``
    writes 5 January, ``en`` January 5), the language alone when that pair is unknown, else English."""
    language = language.replace("-", "_")
    for name in ([f"{language.split('_')[0]}_{country.upper()}"] if country else []) + [language]:
        try:
            return str(Locale.parse(name))
        except (ValueError, UnknownLocaleError):
            continue
    return "en"


def direction(language: str) -> str:
    return "rtl" if language.split("-")[0].lower() in RIGHT_TO_LEFT else "ltr"


@lru_cache(maxsize=4096)
def _compiled(text: str):  # noqa: ANN202 — jinja2.Template
    return _environment.from_string(text)
