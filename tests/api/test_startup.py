"""A server process loads what deciding needs, not the model trainers (each of ``--workers N``
imports the app afresh: LightGBM and scikit-learn cost it 1.5 s and about 120 MB)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from savile.workspace import init_workspace

TRAINERS = ("lightgbm", "sklearn")

PROBE = """
import json, sys
from pathlib import Path
from savile.api import create_app
from savile.workspace import find_workspace
create_app(find_workspace(Path(sys.argv[1])))
print(json.dumps(sorted(name for name in {trainers} if name in sys.modules)))
"""


def test_a_server_process_starts_without_the_model_trainers(tmp_path: Path) -> None:
    init_workspace(tmp_path / "ws").close()
    probe = PROBE.format(trainers=repr(TRAINERS))
    loaded = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "ws")], capture_output=True, text=True, check=True)
    assert json.loads(loaded.stdout.strip().splitlines()[-1]) == []


def test_the_profile_refresh_is_still_importable_from_decide() -> None:
    from savile.decide import ProfileSummary, refresh_profiles
    from savile.decide.profiles import refresh_profiles as defined

    assert refresh_profiles is defined and ProfileSummary.__name__ == "ProfileSummary"
