"""Models: next-best-product propensity (sparse logistic or LightGBM, as the backtest chooses),
attrition, value and lookalikes, segments, their registry and ranking metrics."""

import lazy_loader

# Each name is imported on first use: LightGBM and scikit-learn take a second and a half to load,
# and a process that only decides or only reads the registry's names never needs them.
__getattr__, __dir__, __all__ = lazy_loader.attach(__name__, submod_attrs={
    "attrition": ["AttritionRisk", "Decline", "at_risk", "attrition_scores", "decline_labels", "load_attrition", "train_attrition", "transaction_decline"],
    "next_best_product": ["evaluate", "load_model", "recommend", "snapshot", "train"],
    "linear_propensity": ["LinearPropensity"],
    "propensity": ["ProductPropensity"],
    "ranking": ["average_precision_at_k", "map_at_k"],
    "segments": ["Segment", "Segmenter"],
    "value": ["lifetime_value", "lookalikes"],
})
