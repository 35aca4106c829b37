"""The decision engine: a pure function of a customer's state, a request, the catalogue and the policy.

Every action in the catalogue is a candidate. Policy steps run in order, each dropping the
candidates it must with a reason code (``steps.py``); what survives is ranked by
propensity × value × context weight × lever, support first for customers the safeguards flag,
and the top ``limit`` are chosen within the contact caps. Nothing here reads a database or the
clock, so the same state, request and seed always give the same decision.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from savile.decide.actions import CatalogueAction
from savile.decide.catalogue import Catalogue
from savile.decide.conditions import evaluate
from savile.decide.content import direction, format_amount, format_date, format_distance, reader_locale, render
from savile.decide.policy import DecisionPolicy
from savile.decide.state import CustomerState
from savile.decide.steps import STEPS, Facts, is_flagged


@dataclass(frozen=True)
class DecisionRequest:
    customer_id: str
    channel: str
    now: datetime
    placement: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    limit: int = 3
    seed: int | None = None
    only: frozenset[str] | None = None  # a trigger asks among these actions only


@dataclass
class Candidate:
    action_id: str
    kind: str
    product_code: str | None
    status: str = "eligible"  # eligible -> chosen | outranked | dropped
    step: str | None = None
    reason: str | None = None
    detail: str | None = None
    score: float | None = None
    propensity: float | None = None
    value: float | None = None
    weight: float | None = None
    rank: int | None = None
    probability: float | None = None


@dataclass
class ChosenAction:
    action_id: str
    product_code: str | None
    kind: str
    score: float
    rank: int
    probability: float
    reasons: list[str]
    content: dict[str, str]


@dataclass
class Decision:
    decision_id: str
    customer_id: str
    channel: str
    placement: str | None
    decided_at: datetime
    actions: list[ChosenAction]
    candidates: list[Candidate]
    inputs_digest: str
    model_versions: dict[str, str | None]
    request: dict[str, Any]

    def public(self) -> dict[str, Any]:
        """What the channel gets (the API's ``DecisionPublic``); the trace keeps the rest."""
        return {"decision_id": self.decision_id, "customer_id": self.customer_id,
                "actions": [{"action_id": a.action_id, "product_code": a.product_code, "score": a.score, "reasons": a.reasons,
                             "content": a.content} for a in self.actions]}


def decide(decision_id: str, state: CustomerState, request: DecisionRequest, catalogue: Catalogue,
           policy: DecisionPolicy) -> Decision:
    facts = Facts.of(state, request, catalogue, policy)
    candidates = []
    for item in catalogue.actions:
        candidate = Candidate(item.id, item.kind, item.action.product_code)
        for step, check in STEPS:
            verdict = check(item, state, request, policy, facts)
            if verdict is not None:
                candidate.status, candidate.step = "dropped", step
                candidate.reason, candidate.detail = verdict
                break
        candidates.append(candidate)
    chosen = _arbitrate(candidates, state, request, catalogue, policy, facts)
    return Decision(
        decision_id, state.customer_id, request.channel, request.placement, request.now, chosen, candidates,
        inputs_digest(state, request, catalogue), {"next_best_product": state.model_version, "catalogue": catalogue.version},
        {"context": request.context, "limit": request.limit, "seed": request.seed, "placement": request.placement,
         "only": sorted(request.only) if request.only is not None else None},
    )


def _arbitrate(candidates: list[Candidate], state: CustomerState, request: DecisionRequest, catalogue: Catalogue,
               policy: DecisionPolicy, facts: Facts) -> list[ChosenAction]:
    ranked = [c for c in candidates if c.status == "eligible"]
    for candidate in ranked:
        _score(candidate, catalogue.by_id[candidate.action_id], state, policy, facts)
    support_first = is_flagged(state, policy)
    ranked.sort(key=lambda c: (not (support_first and c.kind == "support"), -(c.score or 0.0), c.action_id))
    marketing_left = facts.marketing_left
    rng = random.Random(request.seed)
    chosen: list[ChosenAction] = []
    while ranked and len(chosen) < request.limit:
        allowed = []
        for candidate in ranked:
            if catalogue.by_id[candidate.action_id].is_marketing and marketing_left <= 0:
                candidate.status, candidate.step, candidate.reason = "dropped", "suppression", "contact_cap"
                candidate.detail = f"marketing contacts on {request.channel} reached the cap for {policy.cap_window_days} days"
            else:
                allowed.append(candidate)
        if not allowed:
            break
        pick, probability = _pick(allowed, policy.exploration, rng)
        ranked = [c for c in allowed if c is not pick]
        item = catalogue.by_id[pick.action_id]
        marketing_left -= 1 if item.is_marketing else 0
        pick.status, pick.rank, pick.probability = "chosen", len(chosen) + 1, round(probability, 6)
        chosen.append(ChosenAction(pick.action_id, pick.product_code, pick.kind, round(pick.score or 0.0, 6), pick.rank,
                                   pick.probability, _reasons(pick, item, state, support_first), _content(item, state, request)))
    for left in ranked:
        left.status = "outranked"
    return chosen


def _pick(allowed: list[Candidate], epsilon: float, rng: random.Random) -> tuple[Candidate, float]:
    """Epsilon-greedy over one slot; returns the pick and the probability it had (for off-policy evaluation)."""
    share = epsilon / len(allowed)
    if epsilon > 0 and rng.random() < epsilon:
        pick = allowed[rng.randrange(len(allowed))]
    else:
        pick = allowed[0]
    return pick, (1 - epsilon + share) if pick is allowed[0] else share


def _score(candidate: Candidate, item: CatalogueAction, state: CustomerState, policy: DecisionPolicy, facts: Facts) -> None:
    modelled = item.action.product_code in state.scores and facts.profiling
    propensity = state.scores[item.action.product_code] if modelled else (item.action.propensity or policy.default_propensity)
    weight = 1.0
    for context_weight in item.action.context_weights:
        if evaluate(context_weight.when, facts.visible(item)):
            weight *= context_weight.weight
    value = item.value(policy.default_value)
    candidate.propensity, candidate.value, candidate.weight = round(propensity, 6), value, weight
    candidate.score = (propensity ** policy.propensity_exponent) * (value ** policy.value_exponent) * weight * item.action.lever


def _reasons(candidate: Candidate, item: CatalogueAction, state: CustomerState, support_first: bool) -> list[str]:
    reasons = []
    if support_first and candidate.kind == "support":
        reasons.append("support first: signs of financial difficulty (" + "; ".join(state.flags.get("financial_difficulty_evidence", [])[:3]) + ")")
    code = item.action.product_code
    if code and code in state.scores and candidate.propensity == round(state.scores[code], 6):
        reasons.append(f"propensity {candidate.propensity:.3f} for {code} (model {state.model_version})")
        if state.reasons.get(code):
            reasons.append(f"because {state.reasons[code]}")
    else:
        reasons.append(f"base propensity {candidate.propensity:.3f}")
    reasons.append(f"value {candidate.value:,.0f}")
    if candidate.weight and candidate.weight != 1.0:
        reasons.append(f"context weight {candidate.weight:g}")
    if item.action.lever != 1.0:
        reasons.append(f"lever {item.action.lever:g}")
    return reasons


def _content(item: CatalogueAction, state: CustomerState, request: DecisionRequest) -> dict[str, str]:
    wanted = str(state.attributes.get("language") or "en").split("-")[0].lower()
    language = wanted if wanted in item.action.content else ("en" if "en" in item.action.content else next(iter(item.action.content)))
    context = request.context
    locale = reader_locale(language, state.attributes.get("country"))
    formatted = {  # only the placeholders the action declares are worked out (Babel's formatting is not free)
        "first_name": lambda: state.attributes.get("first_name", ""), "last_name": lambda: state.attributes.get("last_name", ""),
        "product_name": lambda: item.product.name if item.product else str(context.get("product_name", "")),
        "product_category": lambda: item.product.category if item.product else str(context.get("product_category", "")),
        "channel": lambda: request.channel, "location_name": lambda: str(context.get("location_name", "")),
        "distance": lambda: format_distance(context.get("distance_m"), locale), "page": lambda: str(context.get("page", "")),
        "amount": lambda: format_amount(context.get("amount"), context.get("currency"), locale),
        "event_date": lambda: format_date(context.get("event_date"), locale),
        "valid_until": lambda: format_date(item.action.valid_until, locale)}
    values = {name: formatted[name]() for name in item.action.placeholders}
    content = item.action.content[language]
    return {"language": language, "direction": direction(language), "subject": render(content.subject, values),
            "body": render(content.body, values), "cta": render(content.cta, values)}


def inputs_digest(state: CustomerState, request: DecisionRequest, catalogue: Catalogue) -> str:
    """sha256 of everything the engine read: replaying the same inputs must give the same decision."""
    read_apart = ("consents", "held", "contacts", "features", "features_digest")
    facts = {k: v for k, v in vars(state).items() if k not in read_apart}  # shallow: no deep copy
    facts["features"] = state.features_digest or state.features  # read from the store: the digest of its text
    facts["consents"] = sorted(f"{purpose}/{channel}={granted}@{when}" for (purpose, channel), (granted, when) in state.consents.items())
    facts["held"] = sorted(state.held)
    facts["contacts"] = [tuple(vars(c).values()) for c in state.contacts]
    asked = {**vars(request), "only": sorted(request.only) if request.only is not None else None}  # a set's order varies by run
    payload = {"state": facts, "request": asked, "catalogue": catalogue.version}
    text = orjson.dumps(payload, default=str, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)  # a tenth of json's time
    return hashlib.sha256(text).hexdigest()
