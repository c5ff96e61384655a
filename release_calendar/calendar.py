"""Due dates (the hand-entered date, else the rule) and the state of each release on a day."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Final

import polars as pl

from domain.periods import Period
from release_calendar.data import official_release_dates
from release_calendar.periods import (
    PRODUCTS,
    PeriodLike,
    Product,
    check_product,
    checked_period_key,
    month_after,
    release_periods,
)

#: Days a release may come after its due date before it counts as overdue: GACC's real dates stray a day
#: or two from any rule (Dec 2025 on the 14th rather than the 13th, Jan-Feb 2026 on Tuesday 10 March).
GRACE_DAYS: Final = 2


# Due day of the month after the reference month, per product (the preliminary release's quarter-end
# months are handled apart). Days stay below 29, so every month has them.
_RULE_DAY: Final[Mapping[Product, int]] = {"preliminary": 7, "bulletin": 18, "online_query": 20}
_PRELIMINARY_QUARTER_END_DAY: Final = 13
_QUARTER_END_MONTHS: Final = frozenset({3, 6, 9, 12})
_YEARBOOK_DUE: Final = (9, 30)  # (month, day) of the next year

# GACC's dates are Beijing dates; China keeps UTC+8 all year (no daylight saving), so a fixed offset is exact.
BEIJING: Final = timezone(timedelta(hours=8), "Asia/Shanghai")


class ReleaseState(StrEnum):
    NONE_EXPECTED = "none_expected"
    DUE = "due"
    OVERDUE = "overdue"
    PUBLISHED = "published"


def beijing_today() -> date:
    """Today in Beijing, the calendar GACC's dates are in."""
    return datetime.now(BEIJING).date()


# --- due dates ------------------------------------------------------------------------------------------


def _off_weekend(day: date) -> date:
    """Saturday and Sunday move to the Monday after (see the package docstring for why not the Friday)."""
    return day + timedelta(days=(7 - day.weekday()) % 7) if day.weekday() >= 5 else day


def rule_due_date(product: str, period: PeriodLike) -> date:
    """The due date by rule alone, ignoring the hand-entered table."""
    checked = check_product(product)
    key = checked_period_key(checked, period)
    if checked == "yearbook":
        month, day = _YEARBOOK_DUE
        return _off_weekend(date(int(key) + 1, month, day))
    parsed = Period.parse(key)
    # January is released with February, in March: the online query's January month is due like February.
    reference_month = max(parsed.last_month, 2)
    year, month = month_after(parsed.year, reference_month)
    day = _RULE_DAY[checked]
    if checked == "preliminary" and reference_month in _QUARTER_END_MONTHS:
        day = _PRELIMINARY_QUARTER_END_DAY
    return _off_weekend(date(year, month, day))


def due_date_and_source(product: str, period: PeriodLike) -> tuple[date, str]:
    """The due date and where it comes from: `official` (the hand-entered table) or `rule`."""
    checked = check_product(product)
    key = checked_period_key(checked, period)
    official = official_release_dates().get((checked, key))
    if official is not None:
        return official.due_date, "official"
    return rule_due_date(checked, key), "rule"


def due_date(product: str, period: PeriodLike) -> date:
    """When GACC's `product` release of `period` is due: the hand-entered date if known, else the rule's."""
    return due_date_and_source(product, period)[0]


# --- states ---------------------------------------------------------------------------------------------


def _state_for(due: date, today: date, is_published: bool, grace_days: int) -> ReleaseState:
    if is_published:
        return ReleaseState.PUBLISHED
    if today < due:
        return ReleaseState.NONE_EXPECTED
    if today <= due + timedelta(days=grace_days):
        return ReleaseState.DUE
    return ReleaseState.OVERDUE


def state(
    product: str,
    period: PeriodLike,
    today: date,
    published: AbstractSet[tuple[str, str]],
    *,
    grace_days: int = GRACE_DAYS,
) -> ReleaseState:
    """The state of one release on `today`; `published` holds the (product, period key) pairs in the warehouse."""
    checked = check_product(product)
    key = checked_period_key(checked, period)
    return _state_for(due_date(checked, key), today, (checked, key) in published, grace_days)


CALENDAR_SCHEMA: Final = pl.Schema(
    {
        "product": pl.String,
        "period": pl.String,
        "due_date": pl.Date,
        "due_source": pl.String,
        "state": pl.String,
        "days_late": pl.Int32,
    }
)


def calendar_frame(
    today: date,
    published: AbstractSet[tuple[str, str]],
    years: Iterable[int],
    *,
    products: Sequence[str] = PRODUCTS,
    grace_days: int = GRACE_DAYS,
) -> pl.DataFrame:
    """Every release of `years` for `products`, one row each, in product then publication order.

    Columns: product, period, due_date, due_source (`official` or `rule`), state (a ReleaseState value),
    days_late (days since the due date for a `due` or `overdue` release, else null).
    """
    checked = [check_product(p) for p in products]
    rows: list[dict[str, object]] = []
    for product in checked:
        for year in sorted(set(years)):
            for key in release_periods(year)[product]:
                due, source = due_date_and_source(product, key)
                current = _state_for(due, today, (product, key) in published, grace_days)
                late = current in (ReleaseState.DUE, ReleaseState.OVERDUE)
                rows.append(
                    {
                        "product": product,
                        "period": key,
                        "due_date": due,
                        "due_source": source,
                        "state": current.value,
                        "days_late": (today - due).days if late else None,
                    }
                )
    return pl.DataFrame(rows, schema=CALENDAR_SCHEMA)
