"""``savile --help`` and every command start without the libraries only some commands use
(LightGBM, scikit-learn, SciPy, Splink): each command imports what it runs."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("lightgbm", "sklearn", "scipy", "splink")


def test_the_command_line_loads_no_model_or_linkage_library_until_a_command_needs_it() -> None:
    probe = f"import json, sys; import savile.cli.main; print(json.dumps(sorted(n for n in {HEAVY!r} if n in sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(loaded.stdout.strip().splitlines()[-1]) == []
