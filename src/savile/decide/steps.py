"""The policy steps, in order. Each is a pure predicate that returns ``(reason_code, detail)``
when it drops a candidate, or None when the candidate passes.

eligibility → applicability → consent → suppression → safeguards (arbitration follows in the engine)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from savile.decide.actions import CatalogueAction
from savile.decide.conditions import evaluate, first_failure
from savile.decide.policy import DecisionPolicy
from savile.decide.state import CustomerState

if TYPE_CHECKING:
    from savile.decide.catalogue import Catalogue
    from savile.decide.engine import DecisionRequest

RESPONSES = ("click", "accept", "decline", "dismiss")
SHOWN = ("presented", "impression")
Verdict = tuple[str, str] | None


@dataclass
class Facts:
    """What conditions may see. Without a profiling grant only ``generic`` facts exist: the
    customer's own attributes, what they hold and the request's context — no behaviour."""

    generic: dict[str, Any]
    full: dict[str, Any]
    profiling: bool
    open_applications: set[str]
    marketing_left: int  # marketing contacts the caps still allow now, counted once per decision

    @classmethod
    def of(cls, state: CustomerState, request: DecisionRequest, catalogue: Catalogue, policy: DecisionPolicy) -> Facts:
        generic: dict[str, Any] = {f"customer.{k}": v for k, v in state.attributes.items()}
        generic.update({f"context.{k}": v for k, v in request.context.items()})
        generic.update({"context.channel": request.channel, "context.placement": request.placement,
                        "holdings": sorted(state.held), "age_years": state.age(request.now.date())})
        full = {**state.features, **generic, "segment": state.segment}
        full.update({f"flag.{k}": v for k, v in state.flags.items()})
        full.update({f"score.{k}": v for k, v in state.scores.items()})
        return cls(generic, full, state.granted("profiling", None), state.open_applications(catalogue.product_codes),
                   caps_left(state, request, policy))

    def visible(self, item: CatalogueAction) -> dict[str, Any]:
        # Support is a duty of care (FCA Consumer Duty), so it may see the flags that call for it.
        return self.full if self.profiling or item.kind == "support" else self.generic


def eligibility(item: CatalogueAction, state: CustomerState, request: DecisionRequest, policy: DecisionPolicy, facts: Facts) -> Verdict:
    action = item.action
    if request.only is not None and action.id not in request.only:
        return "not_requested", "the trigger asked among other actions"
    if action.channels is not None and request.channel not in action.channels:
        return "not_on_channel", f"allowed on {', '.join(action.channels)}"
    today = request.now.date()
    if (action.valid_from and today < action.valid_from) or (action.valid_until and today > action.valid_until):
        return "outside_validity", f"valid {action.valid_from or '…'} to {action.valid_until or '…'}"
    product = item.product
    if product and (product.min_age is not None or product.max_age is not None):
        age = state.age(today)
        if age is None:
            return "age_unknown", f"{product.code} has age limits and the customer's age is unknown"
        if (product.min_age is not None and age < product.min_age) or (product.max_age is not None and age > product.max_age):
            return "age_limit", f"age {age} outside {product.min_age or 0}-{product.max_age or '…'}"
    if action.eligibility is not None:
        failure = first_failure(action.eligibility, facts.visible(item))
        if failure is not None:
            return "condition_failed", failure
    return None


def applicability(item: CatalogueAction, state: CustomerState, request: DecisionRequest, policy: DecisionPolicy, facts: Facts) -> Verdict:
    code = item.action.product_code
    if code and code in state.held:
        return "already_held", f"holds {code}"
    if code and code in facts.open_applications:
        return "application_open", f"an application for {code} is in progress"
    return None


def consent(item: CatalogueAction, state: CustomerState, request: DecisionRequest, policy: DecisionPolicy, facts: Facts) -> Verdict:
    channel = policy.consent_channel_for(request.channel)
    if item.is_marketing and not state.granted("marketing", channel):
        return "no_marketing_consent", f"no marketing grant for {channel or 'every channel'}"
    if not (item.action.generic or item.kind == "support") and not facts.profiling:
        return "no_profiling_consent", "uses behaviour and the customer has not granted profiling"
    return None


def suppression(item: CatalogueAction, state: CustomerState, request: DecisionRequest, policy: DecisionPolicy, facts: Facts) -> Verdict:
    mine = [c for c in state.contacts if c.action_id == item.id]
    if any(c.kind == "accept" for c in mine):
        return "already_accepted", "accepted before"
    cooldown = item.action.cooldown_days if item.action.cooldown_days is not None else policy.default_cooldown_days
    since = request.now - timedelta(days=cooldown)
    declined = [c for c in mine if c.kind == "decline" and c.occurred_at > since]
    if declined:
        return "declined_recently", f"declined on {declined[0].channel} {declined[0].occurred_at.date()} (cooldown {cooldown} days)"
    cap = item.action.impression_cap or policy.default_impression_cap
    shown = _shown_since_last_response(mine)
    if shown >= cap:
        return "impression_cap", f"shown {shown} times without a response (cap {cap})"
    if item.is_marketing and facts.marketing_left <= 0:
        return "contact_cap", f"marketing contacts reached the cap for {policy.cap_window_days} days"
    return None


def safeguards(item: CatalogueAction, state: CustomerState, request: DecisionRequest, policy: DecisionPolicy, facts: Facts) -> Verdict:
    if item.is_credit and is_flagged(state, policy):
        flags = ", ".join(f for f in policy.safeguard_flags if state.flags.get(f))
        return "credit_while_vulnerable", f"no credit offers while flagged: {flags}"
    return None


STEPS: list[tuple[str, Callable[..., Verdict]]] = [
    ("eligibility", eligibility), ("applicability", applicability), ("consent", consent),
    ("suppression", suppression), ("safeguards", safeguards),
]


def is_flagged(state: CustomerState, policy: DecisionPolicy) -> bool:
    return any(state.flags.get(flag) for flag in policy.safeguard_flags)


def caps_left(state: CustomerState, request: DecisionRequest, policy: DecisionPolicy) -> int:
    """Marketing contacts still allowed now on the request's channel, within both caps."""
    since = request.now - timedelta(days=policy.cap_window_days)
    recent = {_contact_key(c) for c in state.contacts if c.marketing and c.kind in SHOWN and c.occurred_at > since}
    on_channel = {key for key in recent if key[1] == request.channel}
    left = policy.overall_cap - len(recent)
    if request.channel in policy.channel_caps:
        left = min(left, policy.channel_caps[request.channel] - len(on_channel))
    return left


def _shown_since_last_response(mine: list) -> int:  # type: ignore[type-arg]
    shown = set()
    for contact in sorted(mine, key=lambda c: c.occurred_at, reverse=True):
        if contact.kind in RESPONSES:
            break
        if contact.kind in SHOWN:
            shown.add(_contact_key(contact))
    return len(shown)


def _contact_key(contact: Any) -> tuple[Any, ...]:
    """One showing: a decision's presentation and the impression event it caused count once."""
    if contact.decision_id:
        return (contact.decision_id, contact.channel, contact.action_id)
    return (contact.occurred_at, contact.channel, contact.action_id)
