"""The calendar of the synthetic data: month 0 is the first month, ``months - 1`` the last."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone


@dataclass(frozen=True)
class Timeline:
    end: date  # last day of the data
    months: int

    def month_start(self, month: int) -> date:
        """First day of ``month`` (may be negative: before the data, or ``months``: after it)."""
        index = self.end.year * 12 + self.end.month - 1 - (self.months - 1 - month)
        return date(index // 12, index % 12 + 1, 1)

    def day_in(self, month: int, day: int) -> date:
        return self.month_start(month) + timedelta(days=min(day, 27))

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.month_start(0), datetime.min.time(), timezone.utc)

    @property
    def end_at(self) -> datetime:
        return datetime.combine(self.end, datetime.max.time().replace(microsecond=0), timezone.utc)

    @property
    def days(self) -> int:
        return (self.end - self.month_start(0)).days + 1
