"""GACC's release calendar: which release of which period is due when, and what state it is in.

Pure: no Prefect, no I/O but reading the package's `release_dates.csv`. Periods are keys as the
warehouse stores them (`2025-11`, `2025-01..02`); a yearbook's period is its year (`2025`).

Four products (shared/docs/gacc-formats.md):

| product        | periods of a year          | due (rule, when the hand table has no date)                          |
|----------------|----------------------------|----------------------------------------------------------------------|
| `preliminary`  | Jan-Feb, then 03 .. 12     | the 7th of the next month; the 13th after Mar, Jun, Sep, Dec         |
| `bulletin`     | Jan-Feb, then 03 .. 12     | the 18th of the next month                                           |
| `online_query` | 01 .. 12                   | the 20th of the next month; January with February, on 20 March      |
| `yearbook`     | the year                   | 30 September of the next year                                        |

- There is no January release: January comes out with February in March, for every product (the
  preliminary release prints one Jan-Feb period; the online query has both months, published together).
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

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from importlib import resources
from typing import Final, Literal, get_args

import polars as pl

from domain.periods import Period

Product = Literal["preliminary", "bulletin", "online_query", "yearbook"]
PRODUCTS: Final[tuple[Product, ...]] = get_args(Product)

#: Days a release may come after its due date before it counts as overdue: GACC's real dates stray a day
#: or two from any rule (Dec 2025 on the 14th rather than the 13th, Jan-Feb 2026 on Tuesday 10 March).
GRACE_DAYS: Final = 2

RELEASE_DATES_FILE: Final = "release_dates.csv"
_REFERENCE_PACKAGE = "warehouse.reference"
_PROVENANCE_PREFIX = "# provenance:"
_COLUMNS = ("product", "period", "due_date", "source")

# Due day of the month after the reference month, per product (the preliminary release's quarter-end
# months are handled apart). Days stay below 29, so every month has them.
_RULE_DAY: Final[Mapping[Product, int]] = {"preliminary": 7, "bulletin": 18, "online_query": 20}
_PRELIMINARY_QUARTER_END_DAY: Final = 13
_QUARTER_END_MONTHS: Final = frozenset({3, 6, 9, 12})
_YEARBOOK_DUE: Final = (9, 30)  # (month, day) of the next year

# GACC's dates are Beijing dates; China keeps UTC+8 all year (no daylight saving), so a fixed offset is exact.
BEIJING: Final = timezone(timedelta(hours=8), "Asia/Shanghai")

PeriodLike = str | Period


class ReleaseState(StrEnum):
    NONE_EXPECTED = "none_expected"
    DUE = "due"
    OVERDUE = "overdue"
    PUBLISHED = "published"


@dataclass(frozen=True)
class OfficialDate:
    """A release date entered by hand in `release_dates.csv`, with where it comes from."""

    due_date: date
    source: str


def beijing_today() -> date:
    """Today in Beijing, the calendar GACC's dates are in."""
    return datetime.now(BEIJING).date()


# --- periods --------------------------------------------------------------------------------------------


def release_periods(year: int) -> dict[Product, tuple[str, ...]]:
    """Period keys of `year`'s releases, per product, in publication order.

    >>> release_periods(2025)["preliminary"][:2]
    ('2025-01..02', '2025-03')
    >>> release_periods(2025)["online_query"][:2]
    ('2025-01', '2025-02')
    >>> release_periods(2025)["yearbook"]
    ('2025',)
    """
    combined = (Period.jan_feb(year).key, *(Period.month(year, m).key for m in range(3, 13)))
    months = tuple(Period.month(year, m).key for m in range(1, 13))
    return {"preliminary": combined, "bulletin": combined, "online_query": months, "yearbook": (str(year),)}


def _product(product: str) -> Product:
    if product not in PRODUCTS:
        raise ValueError(f"unknown product {product!r}: choose one of {', '.join(PRODUCTS)}")
    return product


def _period_key(product: Product, period: PeriodLike) -> str:
    """The period's key, checked against what `product` publishes ('2025-01' has no preliminary release)."""
    if isinstance(period, Period):
        key = period.key
    elif product == "yearbook" and period.isdigit():
        key = period
    else:
        key = Period.parse(period).key
    year = int(key[:4])
    if key not in release_periods(year)[product]:
        raise ValueError(
            f"GACC publishes no {product} release for period {key!r}; "
            f"its periods of {year} are {', '.join(release_periods(year)[product])}"
        )
    return key


# --- due dates ------------------------------------------------------------------------------------------


def _off_weekend(day: date) -> date:
    """Saturday and Sunday move to the Monday after (see the module docstring for why not the Friday)."""
    return day + timedelta(days=(7 - day.weekday()) % 7) if day.weekday() >= 5 else day


def _month_after(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def rule_due_date(product: str, period: PeriodLike) -> date:
    """The due date by rule alone, ignoring the hand-entered table."""
    checked = _product(product)
    key = _period_key(checked, period)
    if checked == "yearbook":
        month, day = _YEARBOOK_DUE
        return _off_weekend(date(int(key) + 1, month, day))
    parsed = Period.parse(key)
    # January is released with February, in March: the online query's January month is due like February.
    reference_month = max(parsed.last_month, 2)
    year, month = _month_after(parsed.year, reference_month)
    day = _RULE_DAY[checked]
    if checked == "preliminary" and reference_month in _QUARTER_END_MONTHS:
        day = _PRELIMINARY_QUARTER_END_DAY
    return _off_weekend(date(year, month, day))


def parse_release_dates(text: str, file: str = RELEASE_DATES_FILE) -> dict[tuple[Product, str], OfficialDate]:
    """Read the text of a release-dates file; one ValueError lists every problem by file and line.

    Line 1 is the provenance, line 2 the header, data rows start on line 3.
    """
    first, _, body = text.partition("\n")
    if not first.startswith(_PROVENANCE_PREFIX) or not first[len(_PROVENANCE_PREFIX) :].strip():
        raise ValueError(f"{file} line 1: must be a '{_PROVENANCE_PREFIX} ...' comment, got {first[:60]!r}")
    rows = list(csv.reader(io.StringIO(body)))
    if not rows or tuple(rows[0]) != _COLUMNS:
        raise ValueError(f"{file} line 2: header {rows[0] if rows else []} != expected {list(_COLUMNS)}")

    dates: dict[tuple[Product, str], OfficialDate] = {}
    first_line: dict[tuple[Product, str], int] = {}
    problems: list[str] = []
    for line, row in enumerate(rows[1:], start=3):
        at = f"{file} line {line}"
        if len(row) != len(_COLUMNS):
            problems.append(f"{at}: {len(row)} fields, expected {len(_COLUMNS)}")
            continue
        product, period, due, source = (cell.strip() for cell in row)
        try:
            checked = _product(product)
            key = _period_key(checked, period)
            due_date = date.fromisoformat(due)
        except ValueError as exc:
            problems.append(f"{at}: {exc}")
            continue
        if not source:
            problems.append(f"{at}: source is empty: say where the date comes from")
        # A release comes out after its period: a due date inside the period is a typo.
        end_year = int(key) if checked == "yearbook" else Period.parse(key).year
        end_month = 12 if checked == "yearbook" else Period.parse(key).last_month
        if due_date < date(*_month_after(end_year, end_month), 1):
            problems.append(f"{at}: due_date {due_date} is not after the period {key} ends")
        if (checked, key) in first_line:
            problems.append(f"{at}: {checked} {key} is already on line {first_line[checked, key]}")
            continue
        first_line[checked, key] = line
        dates[checked, key] = OfficialDate(due_date, source)
    if problems:
        raise ValueError("\n".join(problems))
    return dates


@functools.cache
def official_release_dates() -> Mapping[tuple[Product, str], OfficialDate]:
    """The package's hand-entered release dates, keyed by (product, period key)."""
    text = resources.files(_REFERENCE_PACKAGE).joinpath(RELEASE_DATES_FILE).read_text(encoding="utf-8")
    return parse_release_dates(text)


def due_date_and_source(product: str, period: PeriodLike) -> tuple[date, str]:
    """The due date and where it comes from: `official` (the hand-entered table) or `rule`."""
    checked = _product(product)
    key = _period_key(checked, period)
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
    checked = _product(product)
    key = _period_key(checked, period)
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
    checked = [_product(p) for p in products]
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
