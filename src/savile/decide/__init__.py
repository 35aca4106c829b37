"""Decide: the next best action for one customer on one channel, with a reason for everything."""

import lazy_loader

from savile.decide.actions import MARKETING_KINDS, Action, CatalogueAction, Product
from savile.decide.catalogue import Catalogue, CatalogueError, Problem, load_catalogue, parse_actions
from savile.decide.conditions import evaluate
from savile.decide.engine import Candidate, ChosenAction, Decision, DecisionRequest, decide
from savile.decide.policy import DecisionPolicy, load_policy
from savile.decide.service import DecisionService, has_profiles, load_products, resolve_customer
from savile.decide.state import Contact, CustomerState, load_states

__all__ = [
    "MARKETING_KINDS", "Action", "Candidate", "Catalogue", "CatalogueAction", "CatalogueError", "ChosenAction", "Contact",
    "CustomerState", "Decision", "DecisionPolicy", "DecisionRequest", "DecisionService", "Problem", "Product", "ProfileSummary",
    "decide", "evaluate", "has_profiles", "load_catalogue", "load_policy", "load_products", "load_states", "parse_actions",
    "refresh_profiles", "resolve_customer",
]


# The profile refresh on first use: it needs the models (LightGBM, scikit-learn), which deciding
# does not. Each server process imported them at start for nothing (1.5 s, about 120 MB).
__getattr__, _, _ = lazy_loader.attach(__name__, submod_attrs={"profiles": ["ProfileSummary", "refresh_profiles"]})
