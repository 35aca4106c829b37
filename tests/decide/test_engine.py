"""Properties of the pure engine over generated customers: no decision ever breaks a policy."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from savile.decide import Contact, CustomerState, DecisionPolicy, DecisionRequest, decide, load_catalogue
from savile.decide.steps import caps_left
from tests.decide.helpers import NOW, PRODUCTS

CATALOGUE = load_catalogue(None, PRODUCTS)
ACTIONS = [a.id for a in CATALOGUE.actions]
CHANNELS = ["email", "sms", "push", "mobile_app", "web", "branch"]
CONSENT_CHANNELS = ["email", "sms", "push", "in_app", None]
STATUSES = {"chosen", "outranked", "dropped"}


@st.composite
def customers(draw: st.DrawFn) -> CustomerState:
    consents = {("marketing", c): (draw(st.booleans()), NOW - timedelta(days=draw(st.integers(0, 900))))
                for c in draw(st.sets(st.sampled_from(CONSENT_CHANNELS)))}
    if draw(st.booleans()):
        consents[("profiling", None)] = (draw(st.booleans()), NOW - timedelta(days=10))
    contacts = [Contact(draw(st.sampled_from(ACTIONS)), draw(st.sampled_from(CHANNELS)),
                        draw(st.sampled_from(["presented", "impression", "decline", "accept", "click", "dismiss"])),
                        draw(st.booleans()), NOW - timedelta(days=draw(st.integers(0, 200)), hours=draw(st.integers(0, 23))), None)
                for _ in range(draw(st.integers(0, 12)))]
    age = draw(st.one_of(st.none(), st.integers(10, 95)))
    features = {"age_years": age} if age is not None else {}
    attributes = {"first_name": draw(st.sampled_from(["Alex", "Мария", "زهرا", "<b>x</b>"])),
                  "language": draw(st.sampled_from(["en", "ru", "fa", "de"]))}
    if draw(st.booleans()):
        attributes["email"] = "a@example.org"
    flags = {"financial_difficulty": draw(st.booleans()), "transaction_decline": draw(st.booleans())}
    scores = {code: draw(st.floats(0.0001, 0.9)) for code in PRODUCTS if draw(st.booleans())}
    return CustomerState("c1", attributes, features, scores, {}, flags, None, set(draw(st.sets(st.sampled_from(list(PRODUCTS))))),
                         consents, contacts, "m1", date(2026, 10, 31))


requests = st.builds(lambda channel, limit, seed: DecisionRequest("c1", channel, NOW, limit=limit, seed=seed),
                     st.sampled_from(CHANNELS), st.integers(1, 5), st.integers(0, 2**32 - 1))
policies = st.builds(lambda e, cap: DecisionPolicy(exploration=e, overall_cap=cap), st.sampled_from([0.0, 0.2]), st.integers(0, 6))


@settings(max_examples=300, deadline=None)
@given(customers(), requests, policies)
def test_no_chosen_action_breaks_a_policy(state: CustomerState, request: DecisionRequest, policy: DecisionPolicy) -> None:
    decision = decide("d1", state, request, CATALOGUE, policy)
    flagged = bool(state.flags.get("financial_difficulty"))
    consent_channel = policy.consent_channel_for(request.channel)
    profiling = state.granted("profiling", None)
    assert len(decision.actions) <= request.limit
    assert sum(CATALOGUE.by_id[a.action_id].is_marketing for a in decision.actions) <= max(0, caps_left(state, request, policy))
    for chosen in decision.actions:
        item = CATALOGUE.by_id[chosen.action_id]
        assert item.action.product_code not in state.held
        assert not (item.is_credit and flagged), "credit offered to a customer in financial difficulty"
        if item.is_marketing:
            assert state.granted("marketing", consent_channel)
        if not (item.action.generic or item.kind == "support"):
            assert profiling
        mine = [c for c in state.contacts if c.action_id == item.id]
        assert not any(c.kind == "accept" for c in mine)
        assert not any(c.kind == "decline" and c.occurred_at > NOW - timedelta(days=policy.default_cooldown_days) for c in mine)
        if item.product and item.product.min_age is not None:
            assert state.age(NOW.date()) is not None and state.age(NOW.date()) >= item.product.min_age
        assert chosen.content["body"] and chosen.reasons
        assert 0 < chosen.probability <= 1


@settings(max_examples=200, deadline=None)
@given(customers(), requests, policies)
def test_every_candidate_is_accounted_for(state: CustomerState, request: DecisionRequest, policy: DecisionPolicy) -> None:
    decision = decide("d1", state, request, CATALOGUE, policy)
    assert [c.action_id for c in decision.candidates] == ACTIONS
    for candidate in decision.candidates:
        assert candidate.status in STATUSES
        if candidate.status == "dropped":
            assert candidate.step and candidate.reason and candidate.detail
    assert [c.action_id for c in decision.candidates if c.status == "chosen"] == sorted(
        (a.action_id for a in decision.actions), key=[c.action_id for c in decision.candidates].index)


@settings(max_examples=100, deadline=None)
@given(customers(), requests, policies)
def test_same_input_and_seed_give_the_same_decision(state: CustomerState, request: DecisionRequest, policy: DecisionPolicy) -> None:
    first = decide("d1", state, request, CATALOGUE, policy)
    second = decide("d1", state, request, CATALOGUE, policy)
    assert first == second


@settings(max_examples=100, deadline=None)
@given(customers(), requests)
def test_support_comes_first_for_customers_in_difficulty(state: CustomerState, request: DecisionRequest) -> None:
    state.flags["financial_difficulty"] = True
    decision = decide("d1", state, request, CATALOGUE, DecisionPolicy())
    support = next(c for c in decision.candidates if c.action_id == "support_money_worries")
    if support.status != "dropped":
        assert decision.actions[0].action_id == "support_money_worries"
        assert decision.actions[0].reasons[0].startswith("support first")


def test_a_decline_on_one_channel_suppresses_the_action_on_every_channel() -> None:
    state = CustomerState("c1", {"first_name": "Alex"}, {"age_years": 40}, {"SAVE": 0.5}, {}, {}, None, {"CURR"},
                          {("marketing", None): (True, NOW), ("profiling", None): (True, NOW)},
                          [Contact("offer_save", "sms", "decline", True, NOW - timedelta(days=3), None)])
    decision = decide("d1", state, DecisionRequest("c1", "email", NOW, limit=5), CATALOGUE, DecisionPolicy())
    dropped = next(c for c in decision.candidates if c.action_id == "offer_save")
    assert (dropped.step, dropped.reason) == ("suppression", "declined_recently")
    later = decide("d2", state, DecisionRequest("c1", "email", NOW + timedelta(days=91), limit=5), CATALOGUE, DecisionPolicy())
    assert "offer_save" in [a.action_id for a in later.actions]


def test_without_profiling_only_generic_actions_remain() -> None:
    state = CustomerState("c1", {"first_name": "Alex"}, {"age_years": 40}, {"SAVE": 0.9}, {}, {}, None, {"CURR"},
                          {("marketing", None): (True, NOW)}, [])
    decision = decide("d1", state, DecisionRequest("c1", "email", NOW, limit=5), CATALOGUE, DecisionPolicy())
    assert {a.action_id for a in decision.actions} <= {a.id for a in CATALOGUE.actions if a.action.generic}
    assert next(c for c in decision.candidates if c.action_id == "offer_save").reason == "no_profiling_consent"


def test_persian_customers_get_persian_right_to_left_content() -> None:
    state = CustomerState("c1", {"first_name": "زهرا", "language": "fa"}, {"age_years": 40}, {"SAVE": 0.9}, {}, {}, None, {"CURR"},
                          {("marketing", None): (True, NOW), ("profiling", None): (True, NOW)}, [])
    chosen = decide("d1", state, DecisionRequest("c1", "email", NOW, limit=1), CATALOGUE, DecisionPolicy()).actions[0]
    assert chosen.content["language"] == "fa" and chosen.content["direction"] == "rtl" and "زهرا" in chosen.content["body"]


def test_an_offer_states_its_last_day_in_the_customers_language(tmp_path) -> None:  # noqa: ANN001
    (tmp_path / "offers.yaml").write_text("""
- id: offer_save_spring
  kind: offer
  product_code: SAVE
  valid_until: 2026-12-24
  placeholders: [valid_until]
  content:
    en: {subject: "Until {{ valid_until }}", body: "Open by {{ valid_until }}.", cta: Open}
    ru: {subject: "До {{ valid_until }}", body: "Откройте до {{ valid_until }}.", cta: Открыть}
""", encoding="utf-8")
    catalogue = load_catalogue(tmp_path, PRODUCTS)
    grants = {("marketing", None): (True, NOW), ("profiling", None): (True, NOW)}
    for attributes, written in [({"language": "en", "country": "GB"}, "24 December 2026"), ({"language": "ru"}, "24 декабря 2026")]:
        state = CustomerState("c1", attributes, {"age_years": 40}, {"SAVE": 0.9}, {}, {}, None, {"CURR"}, grants, [])
        chosen = decide("d1", state, DecisionRequest("c1", "email", NOW, limit=1), catalogue, DecisionPolicy()).actions[0]
        assert written in chosen.content["body"]
