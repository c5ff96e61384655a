"""Labels of periods, days, amounts and percentages, in English whatever the locale."""

from __future__ import annotations

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


def format_amount(value: float | None, unit: str = "US$", *, signed: bool = False) -> str:
    """'US$330.3 bn', '-US$1.0 bn', 'CNY 2,512.3 bn', 'US$512 m'; `signed` puts + before increases.

    The sign leads (`-US$1.0 bn`, never `US$ -1.0 bn`); a symbol (US$) touches the number, a code (CNY)
    is spaced from it."""
    if value is None:
        return "n/a"
    sign = "-" if value < 0 else ("+" if signed and value > 0 else "")
    size = abs(value)
    # Below a billion, tenths of a billion would round partner figures to nothing.
    body = f"{size / 1e9:,.1f} bn" if size >= 999.5e6 else f"{size / 1e6:,.0f} m"
    space = "" if unit.endswith("$") else " "
    return f"{sign}{unit}{space}{body}"


def format_pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.1f}%"
