from __future__ import annotations

from pathlib import Path

import pytest

import savile
from savile.config import load_settings
from savile.exceptions import ConfigError, NotFoundError, SavileError


def test_settings_come_from_toml_then_environment(tmp_path: Path) -> None:
    (tmp_path / "savile.toml").write_text('[savile]\ndefault_region = "ru"\ningest_batch_rows = 5\n', encoding="utf-8")
    assert load_settings(tmp_path, {}).default_region == "RU"
    settings = load_settings(tmp_path, {"SAVILE_INGEST_BATCH_ROWS": "7"})
    assert (settings.default_region, settings.ingest_batch_rows) == ("RU", 7)


def test_settings_errors_name_the_setting_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="default_region: Value error, must be an ISO 3166-1 alpha-2 code"):
        load_settings(tmp_path, {"SAVILE_DEFAULT_REGION": "Britain"})
    (tmp_path / "savile.toml").write_text("[savile\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_settings(tmp_path, {})


def test_errors_are_savile_errors_and_builtins() -> None:
    assert issubclass(ConfigError, ValueError) and issubclass(NotFoundError, LookupError)
    assert issubclass(NotFoundError, SavileError) and NotFoundError.http_status == 404
    assert savile.__all__ == ["SavileError", "__version__"]
