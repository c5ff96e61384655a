"""Reference periods as GACC publishes them: a calendar month, or the combined January-February.

GACC publishes no separate January preliminary release: January and February come out together in
March as one two-month period. That period is kept whole (`2025-01..02`) and never split.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

_PERIOD_RE = re.compile(r"^(?P<year>\d{4})-(?P<first>\d{2})(?:\.\.(?P<last>\d{2}))?$")


@dataclass(frozen=True, order=True)
class Period:
    """A reference period: `year`, and the first and last month it covers (inclusive)."""

    year: int
    first_month: int
    last_month: int

    def __post_init__(self) -> None:
        if not 1900 <= self.year <= 2100:
            raise ValueError(f"implausible year {self.year}")
        if not 1 <= self.first_month <= self.last_month <= 12:
            raise ValueError(f"invalid months {self.first_month}..{self.last_month}")
        # A period is a single month or a run starting in January (Jan-Feb); nothing else is published.
        if self.first_month != self.last_month and self.first_month != 1:
            raise ValueError(
                f"a multi-month period must start in January: {self.first_month}..{self.last_month}"
            )

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(year, month, month)

    @classmethod
    def jan_feb(cls, year: int) -> Period:
        return cls(year, 1, 2)

    @classmethod
    def parse(cls, key: str) -> Period:
        """Parse `YYYY-MM` or `YYYY-01..02`."""
        match = _PERIOD_RE.match(key.strip())
        if not match:
            raise ValueError(f"not a period key (YYYY-MM or YYYY-01..02): {key!r}")
        first = int(match["first"])
        last = int(match["last"]) if match["last"] else first
        return cls(int(match["year"]), first, last)

    @property
    def key(self) -> str:
        if self.first_month == self.last_month:
            return f"{self.year}-{self.first_month:02d}"
        return f"{self.year}-{self.first_month:02d}..{self.last_month:02d}"

    @property
    def months_covered(self) -> int:
        return self.last_month - self.first_month + 1

    @property
    def start(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def is_combined(self) -> bool:
        return self.months_covered > 1

    def year_earlier(self) -> Period:
        return Period(self.year - 1, self.first_month, self.last_month)

    def __str__(self) -> str:
        return self.key


def in_periods(period: Period, keys: Collection[str]) -> bool:
    """Whether `period` is one of `keys`, preliminary-release periods (January and February as one): a
    month of January or February is in them when its year's Jan-Feb is."""
    return period.key in keys or (period.last_month <= 2 and Period.jan_feb(period.year).key in keys)
