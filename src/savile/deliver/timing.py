"""Quiet hours in the customer's own time zone."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytz


def customer_zone(country: str | None, default: str) -> ZoneInfo:
    """The country's time zone when it has one (GB, FR, IR); the default when it has several or none."""
    zones = pytz.country_timezones.get((country or "").upper(), [])
    return ZoneInfo(zones[0] if len(zones) == 1 else default)


def quiet_until(now: datetime, zone: ZoneInfo, quiet: tuple[time, time]) -> datetime | None:
    """When the quiet hours around ``now`` end, or None when ``now`` is not in them.

    >>> from datetime import timezone
    >>> london = ZoneInfo("Europe/London")
    >>> quiet_until(datetime(2026, 1, 5, 22, 30, tzinfo=timezone.utc), london, (time(21), time(8)))
    datetime.datetime(2026, 1, 6, 8, 0, tzinfo=datetime.timezone.utc)
    >>> quiet_until(datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc), london, (time(21), time(8))) is None
    True
    """
    start, end = quiet
    local = now.astimezone(zone)
    clock = local.time()
    inside = (start <= clock or clock < end) if start > end else (start <= clock < end)
    if not inside or start == end:
        return None
    day = local.date() if clock < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone).astimezone(now.tzinfo)
