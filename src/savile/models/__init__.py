"""Models: next-best-product propensity (LightGBM), its registry and ranking metrics."""

from savile.models.next_best_product import evaluate, load_model, recommend, snapshot, train
from savile.models.propensity import ProductPropensity
from savile.models.ranking import average_precision_at_k, map_at_k
from savile.models.segments import Segment, Segmenter
from savile.models.value import AttritionRisk, Decline, decline_labels, lifetime_value, lookalikes, transaction_decline

__all__ = ["AttritionRisk", "Decline", "decline_labels", "ProductPropensity", "Segment", "Segmenter", "lifetime_value", "lookalikes", "transaction_decline", "average_precision_at_k", "evaluate", "load_model", "map_at_k", "recommend", "snapshot", "train"]
