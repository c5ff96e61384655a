"""Labels of periods, days, amounts and percentages, in English whatever the locale."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Final

from domain.periods import Period

# English month names, not `calendar.month_name`/`%B`, which follow the process locale: the report's
# bytes must not depend on where it is rendered.
MONTHS: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def period_label(key: str) -> str:
    """'2025-12' → 'December 2025'; '2025-01..02' → 'January–February 2025'."""
    p = Period.parse(key)
    months = MONTHS[p.first_month - 1]
    if p.is_combined:
        months += "–" + MONTHS[p.last_month - 1]
    return f"{months} {p.year}"


def date_label(value: date | None) -> str:
    return "n/a" if value is None else f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def format_amount(
    value: float | None, unit: str = "US$", *, signed: bool = False, precise: bool = False
) -> str:
    """'US$330.3 bn', '-US$1.0 bn', 'CNY 2,512.3 bn', 'US$512 m'; `signed` puts + before increases;
    `precise` shows one more decimal ('US$354.98 bn', '-US$30.9 m'), for revisions, which are small.

    The sign leads (`-US$1.0 bn`, never `US$ -1.0 bn`); a symbol (US$) touches the number, a code (CNY)
    is spaced from it."""
    if value is None:
        return "n/a"
    sign = "-" if value < 0 else ("+" if signed and value > 0 else "")
    size = abs(value)
    extra = 1 if precise else 0
    # Below a billion, tenths of a billion would round partner figures to nothing. The switch is where
    # millions would round up to 1,000.
    millions = round(size / 1e6, extra)
    body = f"{size / 1e9:,.{1 + extra}f} bn" if millions >= 1000 else f"{millions:,.{extra}f} m"
    space = "" if unit.endswith("$") else " "
    return f"{sign}{unit}{space}{body}"


def format_pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.1f}%"


def format_change_pct(value: float | None) -> str:
    """A revision's % change: '+1.2%', '-0.25%', '-0.0085%'; revisions are often far below 0.1%, so
    small ones keep two significant digits (up to six decimals) rather than round to nothing."""
    if value is None:
        return "n/a"
    size = abs(value)
    if size >= 1:
        decimals = 1
    elif size >= 0.1 or size == 0:
        decimals = 2
    else:
        decimals = min(6, 1 - math.floor(math.log10(size)))
    return f"{value:+.{decimals}f}%"


# What each vintage source is, in a reader's words (warehouse.codes.VINTAGE_SOURCES).
VINTAGE_SOURCE_LABELS: Final[Mapping[str, str]] = {
    "preliminary": "preliminary release",
    "preliminary_restated": "preliminary release, reprinted later",
    "bulletin": "Monthly Bulletin",
    "online_query": "online query",
}
DIRECTION_LABELS: Final[Mapping[str, str]] = {
    "export": "exports",
    "import": "imports",
    "total": "exports and imports",
}


def vintage_label(source: str | None, public_on: date | None) -> str:
    """'Monthly Bulletin, 20 January 2026'."""
    if source is None:
        return "n/a"
    return f"{VINTAGE_SOURCE_LABELS.get(source, source)}, {date_label(public_on)}"


def cumulative_label(key: str) -> str:
    """The January-to-month span ending with a period: '2025-12' → 'January–December 2025'."""
    p = Period.parse(key)
    return period_label(key) if p.first_month == 1 else f"{MONTHS[0]}–{MONTHS[p.last_month - 1]} {p.year}"
