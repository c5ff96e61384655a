"""GACC's release calendar: which release of which period is due when, and what state it is in.

Pure: no Prefect, no I/O but reading the package's `release_dates.csv` (`release_calendar.data`). Periods are keys as the
warehouse stores them (`2025-11`, `2025-01..02`); a yearbook's period is its year (`2025`).

Four products (shared/docs/gacc-formats.md):

| product        | periods of a year          | due (rule, when the hand table has no date)                          |
|----------------|----------------------------|----------------------------------------------------------------------|
| `preliminary`  | Jan-Feb, then 03 .. 12     | the 7th of the next month; the 13th after Mar, Jun, Sep, Dec         |
| `bulletin`     | 02 .. 12                   | the 18th of the next month                                           |
| `online_query` | 01 .. 12                   | the 20th of the next month; January with February, on 20 March      |
| `yearbook`     | the year                   | 30 September of the next year                                        |

- There is no January release: January comes out with February in March, for every product (the
  preliminary release prints one Jan-Feb period; the Monthly Bulletin's February issue prints February
  and January-February, and is recorded under February; the online query has both months, published
  together).
- The Bulletin is due on the 18th and overdue after its `GRACE_DAYS` (2) of grace, about the 20th: GACC
  posts it "about the 18th" (shared/docs/gacc-formats.md), later than the preliminary release.
- A rule date on a Saturday or Sunday moves to the Monday after. Later rather than earlier, because
  GACC's 2025 releases that fell on a weekend came out the Monday after (14 Apr, 9 Jun, 14 Jul, 8 Sep,
  8 Dec 2025), and because an alarm raised too late costs a little, one raised too early costs trust.
  Public holidays are not modelled: the hand table holds the dates GACC actually used.
- `release_dates.csv` (a `# provenance:` line, then `product,period,due_date,source`) holds dates known
  for certain; a row there overrides the rule.
- The periods follow GACC's pattern since 2020; older years, when some Januaries had a page of their own,
  are not modelled.

State of a release on a day, given the (product, period) pairs the warehouse holds:
`published` (in the warehouse, whatever the date), else `none_expected` (before its due date), `due`
(from the due date to `grace_days` days after it) or `overdue` (later than that).
"""

from typing import TYPE_CHECKING, Any

from release_calendar.data import (
    RELEASE_DATES_FILE,
    OfficialDate,
    official_release_dates,
    parse_release_dates,
)
from release_calendar.periods import PRODUCTS, PeriodLike, Product, release_periods

if TYPE_CHECKING:
    from release_calendar.calendar import (
        BEIJING,
        CALENDAR_SCHEMA,
        GRACE_DAYS,
        ReleaseState,
        beijing_today,
        calendar_frame,
        due_date,
        due_date_and_source,
        rule_due_date,
        state,
    )

# The calendar (it builds polars frames) is imported when first used, so that the command line, which
# names the products in its help, starts without polars.
_FROM_CALENDAR = frozenset(
    {
        "BEIJING",
        "CALENDAR_SCHEMA",
        "GRACE_DAYS",
        "ReleaseState",
        "beijing_today",
        "calendar_frame",
        "due_date",
        "due_date_and_source",
        "rule_due_date",
        "state",
    }
)


def __getattr__(name: str) -> Any:
    if name in _FROM_CALENDAR:
        from release_calendar import calendar

        return getattr(calendar, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BEIJING",
    "CALENDAR_SCHEMA",
    "GRACE_DAYS",
    "PRODUCTS",
    "RELEASE_DATES_FILE",
    "OfficialDate",
    "PeriodLike",
    "Product",
    "ReleaseState",
    "beijing_today",
    "calendar_frame",
    "due_date",
    "due_date_and_source",
    "official_release_dates",
    "parse_release_dates",
    "release_periods",
    "rule_due_date",
    "state",
]
