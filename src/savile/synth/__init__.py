"""The synthetic bank used by the demo, the tests and the benchmarks, with its ground truth.

Nothing outside ``synth`` (and the tests and benchmarks that grade against its truth) may
depend on its product codes, id formats, name lists or generation rules.
"""

from savile.synth.bank import DEFAULT_END, TRUTH_COLUMNS, SynthSummary, synthesize
from savile.synth.writer import FORMATS

__all__ = ["DEFAULT_END", "FORMATS", "TRUTH_COLUMNS", "SynthSummary", "synthesize"]
