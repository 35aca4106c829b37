"""Models: next-best-product propensity (sparse logistic or LightGBM, as the backtest chooses),
attrition, value and lookalikes, segments, their registry and ranking metrics."""

from savile.models.attrition import AttritionRisk, Decline, at_risk, attrition_scores, decline_labels, load_attrition, train_attrition, transaction_decline
from savile.models.next_best_product import evaluate, load_model, recommend, snapshot, train
from savile.models.linear_propensity import LinearPropensity
from savile.models.propensity import ProductPropensity
from savile.models.ranking import average_precision_at_k, map_at_k
from savile.models.segments import Segment, Segmenter
from savile.models.value import lifetime_value, lookalikes

__all__ = ["AttritionRisk", "Decline", "LinearPropensity", "ProductPropensity", "Segment", "Segmenter", "at_risk", "attrition_scores", "average_precision_at_k",
           "decline_labels", "evaluate", "lifetime_value", "load_attrition", "load_model", "lookalikes", "map_at_k", "recommend",
           "snapshot", "train", "train_attrition", "transaction_decline"]
