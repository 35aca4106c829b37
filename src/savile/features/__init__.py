"""Features computed as of a date (no leakage from the future), and their catalogue."""

import lazy_loader

# Each name is imported on first use: the catalogue's names are read where the pipeline is not run.
__getattr__, __dir__, __all__ = lazy_loader.attach(__name__, submod_attrs={
    "catalogue": ["Feature"],
    "pipeline": ["FeatureBuilder", "FeatureSet", "add_months"],
})
