"""Contact policy and arbitration settings (``policy.yaml`` in the workspace; defaults below)."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from savile.exceptions import ConfigError

POLICY_FILE = "policy.yaml"


class DecisionPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cap_window_days: int = Field(7, gt=0, description="the window contact caps count over")
    channel_caps: dict[str, int] = Field(
        default_factory=lambda: {"email": 2, "sms": 1, "push": 3, "phone": 1, "post": 1, "in_app": 10, "mobile_app": 10, "web": 10},
        description="marketing contacts per channel per window; a channel not listed has no cap of its own")
    overall_cap: int = Field(12, ge=0, description="marketing contacts over every channel per window")
    default_cooldown_days: int = Field(90, ge=0, description="after a decline on any channel, days before the action returns")
    default_impression_cap: int = Field(5, gt=0, description="times an action is shown without a response before it stops")
    consent_channel: dict[str, str | None] = Field(
        default_factory=lambda: {"mobile_app": "in_app", "web": "in_app", "chat": "in_app", "contact_centre": "phone",
                                 "video": "phone", "branch": None, "atm": None, "social": None},
        description="decision channel -> the consent channel that governs it (null: only an every-channel grant counts)")
    safeguard_flags: list[str] = Field(["financial_difficulty"], description="flags that mean no credit offers and support first")
    default_value: float = Field(10.0, ge=0, description="value of an action with no value and no product value")
    default_propensity: float = Field(0.02, gt=0, le=1, description="propensity of an action nothing scores")
    propensity_exponent: float = Field(1.0, ge=0, description="arbitration: propensity ** this")
    value_exponent: float = Field(1.0, ge=0, description="arbitration: value ** this")
    exploration: float = Field(0.0, ge=0, le=1, description="epsilon: chance of trying another eligible action per slot")
    quiet_hours: tuple[time, time] = Field((time(21, 0), time(8, 0)), description="no message goes out between these local times")
    quiet_channels: list[str] = Field(["email", "sms", "push", "phone"], description="channels quiet hours hold back (not the inbox)")
    default_time_zone: str = Field("Europe/London", description="for customers whose country gives no single time zone")
    max_attempts: int = Field(5, gt=0, description="sending attempts before a delivery is marked failed")
    retry_seconds: int = Field(30, gt=0, description="first wait before a retry; doubles each time")

    @field_validator("default_time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Europe/London") from error
        return value

    def consent_channel_for(self, channel: str) -> str | None:
        return self.consent_channel.get(channel, channel)


def load_policy(workspace: Path | None) -> DecisionPolicy:
    path = workspace / POLICY_FILE if workspace else None
    if path is None or not path.is_file():
        return DecisionPolicy()
    try:
        return DecisionPolicy.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except yaml.YAMLError as error:
        raise ConfigError(f"{path} is not valid YAML: {error}") from error
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
        raise ConfigError(f"{path} is not a valid policy: {problems}") from error
