"""The demo's Monthly Bulletin for 2025: the verified vintage of the preliminary figures, slightly revised.

A Bulletin page for month M of 2025 (February to December; January stands in February's `1 to 2`, as on
GACC's pages) prints, per flow, the month `M` and January-to-month `1 to M`, each with its y/y % in the
shaded row under it, in US$1,000 or CNY 10,000:
- China's total (the customs-regime table's TOTAL and the by-country table's Total): the preliminary
  table (1) as printed, plus the Bulletin's revision of the month; the same revision moves `1 to M`
  (the Bulletin restates the month; earlier months' revisions are already in the preliminary cumulative).
  February's own month, which no preliminary release prints, is the series' February;
- a partner: the preliminary table (4) as printed, plus its revision;
- a customs regime: the preliminary tables (2)/(3) as printed, revised in the proportion the TOTAL is
  (February alone: the series' share of the TOTAL), `Other` printed as the rest, so that the regimes
  add up to the TOTAL exactly;
- y/y %: against last year's month or January-to-month of the series (as first published).
A revision is small (within 0.01% of the month, the size of GACC's own; deterministic, from a hash of
the figure), except the one the issue fixes: December 2025 exports -US$30.9 million (imports unrevised,
as in GACC's own). CNY revisions are the US$ ones at the month's implied rate. Pure, no I/O but the series.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from domain.periods import Period
from flows.ingest.model import BulletinTable, Cell, PreliminaryTable, TableRow
from tools.demo import releases
from tools.demo.releases import NBSP, PARTNER_ROWS, DemoSeries, MonthlySeries, normalise_label
from warehouse.codes import CURRENCIES, Currency, Direction, Span, TableId

BULLETIN_YEAR: Final = 2025
# February's page carries January: no January Bulletin page is rendered.
BULLETIN_MONTHS: Final = tuple(range(2, 13))
BULLETIN_TABLES: Final[tuple[TableId, ...]] = ("bulletin_trade_mode", "bulletin_by_partner")
TITLES: Final[dict[TableId, tuple[int, str]]] = {
    "bulletin_trade_mode": (5, "Imports and Exports by Customs Regime"),
    "bulletin_by_partner": (6, "Imports and Exports by Country (Region) of Origin/Destination"),
}
UNITS: Final[dict[Currency, tuple[str, int]]] = {"USD": ("US$1,000", 1_000), "CNY": ("CNY 10,000", 10_000)}
FLOWS: Final[tuple[Direction, ...]] = ("export", "import")
SPANS: Final[tuple[Span, ...]] = ("month", "ytd")

# The customs-regime rows in the Bulletin's wording: the total, then the series' regimes (leaves only:
# the Bulletin prints no "Processing Trade" or "Bonded Logistics" aggregate).
REGIME_ROWS: Final[tuple[tuple[str, str], ...]] = (
    ("TOTAL", "TOTAL"),
    ("ORDINARY", "Ordinary Trade" + NBSP),
    ("PROC_ASSEMBLY", "Processing and Assembling"),
    ("PROC_IMPORTED", "Processing with Imported Materials"),
    ("FRONTIER_PETTY", "Border Trade"),
    ("BONDED_SITES", "Customs Warehousing Trade" + NBSP),
    ("SSA_LOGISTICS", "Logistics goods by customs special control area" + NBSP * 2),
    ("OTHER", "Other" + NBSP * 2),
)
REGIME_REST: Final = "OTHER"

# Revisions against the preliminary release, in US$, by (partner, direction, year, month): the ones the
# issue fixes. Every other is drawn by `revision_usd`.
PINNED_REVISIONS_USD: Final[dict[tuple[str, Direction, int, int], int]] = {
    ("WLD", "export", 2025, 12): -30_900_000,
    ("WLD", "import", 2025, 12): 0,
}
# At most this share of the month's value, in whole US$1,000.
REVISION_SHARE: Final = Decimal("0.0001")


def publication_date(period: Period) -> date:
    """About the 19th of the next month: the 19th, or the Friday before (18th) or Monday after (20th)
    when it falls on a weekend; the December Bulletin so comes out a week after the preliminary release."""
    year, month = (period.year + 1, 1) if period.last_month == 12 else (period.year, period.last_month + 1)
    day = date(year, month, 19)
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


def title(table_id: TableId, currency: Currency, period: Period) -> str:
    number, description = TITLES[table_id]
    edition = " (in CNY)" if currency == "CNY" else ""  # the US$ pages name no currency, as GACC's
    return f"({number}) {description}, {period.last_month:02d}.{period.year}{edition}"


def revision_usd(partner: str, direction: Direction, year: int, month: int, month_usd: Decimal) -> Decimal:
    """The Bulletin's revision of a month's US$ value: pinned, else drawn from a hash of the figure
    within ±REVISION_SHARE of the value, in whole US$1,000 (deterministic across runs and machines)."""
    pinned = PINNED_REVISIONS_USD.get((partner, direction, year, month))
    if pinned is not None:
        return Decimal(pinned)
    digest = hashlib.sha256(f"{partner}/{direction}/{year}-{month:02d}".encode()).digest()
    fraction = Decimal(int.from_bytes(digest[:8], "big")) / Decimal(2**64)  # [0, 1)
    bound = month_usd * REVISION_SHARE / 1_000
    return ((fraction * 2 - 1) * bound).quantize(Decimal(1), ROUND_HALF_UP) * 1_000


@dataclass(frozen=True)
class _Figures:
    """One row's values in whole currency units and last year's, by flow and span."""

    values: dict[tuple[Direction, Span], Decimal]
    last_year: dict[tuple[Direction, Span], Decimal]


def _printed(table: PreliminaryTable, label: str, direction: Direction, span: Span) -> Decimal:
    row = next(r for r in table.rows if r.label == label)
    (cell,) = (c for c in row.cells if (c.measure, c.direction, c.span) == ("value", direction, span))
    assert cell.amount_whole_units is not None, (table.title, label, direction, span)
    return Decimal(cell.amount_whole_units)


def _units(amount: Decimal, scale: int) -> Decimal:
    return (amount / scale).quantize(Decimal(1), ROUND_HALF_UP)


class BulletinBuilder:
    """The Bulletin tables of the demo, from the series and the preliminary tables they render to."""

    def __init__(self, series: DemoSeries) -> None:
        self.series = series
        self._preliminary: dict[tuple[TableId, Currency, str], PreliminaryTable] = {}

    def preliminary(self, table_id: TableId, currency: Currency, period: Period) -> PreliminaryTable:
        key = (table_id, currency, period.key)
        if key not in self._preliminary:
            self._preliminary[key] = releases.build_table(self.series, table_id, currency, period)
        return self._preliminary[key]

    def figures(self, partner: str, currency: Currency, year: int, month: int) -> _Figures:
        """A partner's (WLD: China's) Bulletin values: the preliminary figures plus the revision."""
        table_id: TableId
        label: str | None
        if partner == "WLD":
            table_id, label = "totals", None
        else:
            table_id, label = (
                "by_partner",
                next(normalise_label(p) for c, p, _, _ in PARTNER_ROWS if c == partner),
            )
        period = Period.jan_feb(year) if month == 2 else Period.month(year, month)
        table = self.preliminary(table_id, currency, period)
        values: dict[tuple[Direction, Span], Decimal] = {}
        last_year: dict[tuple[Direction, Span], Decimal] = {}
        for direction in FLOWS:
            row_label = label or ("Export" if direction == "export" else "Import")
            flow: MonthlySeries = self.series.trade(partner, direction, currency)
            usd: MonthlySeries = self.series.trade(partner, direction, "USD")
            revision = revision_usd(partner, direction, year, month, usd.month(year, month))
            if currency == "CNY":
                revision *= self.series.rates[(partner, year, month)]
            # February alone is in no preliminary release: the series' month, to the Bulletin's unit.
            month_value = (
                flow.month(year, month).quantize(Decimal(1), ROUND_HALF_UP)
                if month == 2
                else _printed(table, row_label, direction, "month")
            )
            values[(direction, "month")] = month_value + revision
            values[(direction, "ytd")] = _printed(table, row_label, direction, "ytd") + revision
            last_year[(direction, "month")] = flow.month(year - 1, month)
            last_year[(direction, "ytd")] = flow.cumulative(year - 1, month)
        return _Figures(values, last_year)

    def build(self, table_id: TableId, currency: Currency, period: Period) -> BulletinTable:
        if table_id == "bulletin_trade_mode":
            rows = self._regime_rows(currency, period)
        else:
            rows = self._partner_rows(currency, period)
        unit_label, scale = UNITS[currency]
        number, _ = TITLES[table_id]
        return BulletinTable(
            table_id=table_id,
            printed_number=number,
            title=title(table_id, currency, period),
            currency=currency,
            unit_label=unit_label,
            scale=scale,
            period=period,
            published_on=publication_date(period),
            rows=tuple(rows),
        )

    def _partner_rows(self, currency: Currency, period: Period) -> list[TableRow]:
        _, scale = UNITS[currency]
        labels = {code: normalise_label(label) for code, label, _, _ in PARTNER_ROWS}
        rows = []
        for number, (code, label, indent, parent) in enumerate(PARTNER_ROWS, start=1):
            figures = self.figures(code, currency, period.year, period.last_month)
            printed = {key: _units(value, scale) for key, value in figures.values.items()}
            rows.append(
                TableRow(
                    row_number=number,
                    label=normalise_label(label),
                    label_as_published=label,
                    indent_level=indent,
                    parent_label=None if parent is None else labels[parent],
                    quantity_unit=None,
                    cells=_cells(printed, figures.last_year, scale),
                    partner_code=code,
                )
            )
        return rows

    def _regime_rows(self, currency: Currency, period: Period) -> list[TableRow]:
        _, scale = UNITS[currency]
        year, month = period.year, period.last_month
        world = self.figures("WLD", currency, year, month)
        printed: dict[str, dict[tuple[Direction, Span], Decimal]] = {
            "TOTAL": {key: _units(value, scale) for key, value in world.values.items()}
        }
        last_year: dict[str, dict[tuple[Direction, Span], Decimal]] = {"TOTAL": world.last_year}
        leaves = [code for code, _ in REGIME_ROWS if code not in ("TOTAL", REGIME_REST)]
        for code in [*leaves, REGIME_REST]:
            printed[code], last_year[code] = {}, {}
        for direction in FLOWS:
            total_series = self.series.trade("WLD", direction, currency)
            regimes = {
                code: self.series.trade_mode(code, direction, currency) for code in [*leaves, REGIME_REST]
            }
            for span in SPANS:
                total = printed["TOTAL"][(direction, span)]
                preliminary = self._preliminary_regimes(currency, period, direction, span)
                for code in leaves:
                    if preliminary is None:
                        # February alone: in no preliminary table; the series' share of the TOTAL.
                        share = regimes[code].month(year, month) / total_series.month(year, month)
                        amount = total * share
                    else:
                        # The preliminary regime, revised in the proportion the TOTAL is: a regime's
                        # revision is as small, relative to it, as the TOTAL's.
                        amount = preliminary[code] * (total * scale) / preliminary["TOTAL"] / scale
                    printed[code][(direction, span)] = amount.quantize(Decimal(1), ROUND_HALF_UP)
                rest = total - sum((printed[c][(direction, span)] for c in leaves), Decimal(0))
                if rest <= 0:
                    raise ValueError(f"{period} {direction} {span}: the regimes exceed the TOTAL")
                printed[REGIME_REST][(direction, span)] = rest
                for code, regime in regimes.items():
                    last_year[code][(direction, "month")] = regime.month(year - 1, month)
                    last_year[code][(direction, "ytd")] = regime.cumulative(year - 1, month)
        return [
            TableRow(
                row_number=number,
                label=normalise_label(label),
                label_as_published=label,
                indent_level=0,
                parent_label=None,
                quantity_unit=None,
                cells=_cells(printed[code], last_year[code], scale),
                trade_mode_code=code,
            )
            for number, (code, label) in enumerate(REGIME_ROWS, start=1)
        ]

    def _preliminary_regimes(
        self, currency: Currency, period: Period, direction: Direction, span: Span
    ) -> dict[str, Decimal] | None:
        """The preliminary tables (2)/(3) regimes of the month or January-to-month, whole units by trade
        mode code (TOTAL included); None for February alone, which no preliminary table prints."""
        if period.last_month == 2 and span == "month":
            return None
        table_period = Period.jan_feb(period.year) if period.last_month == 2 else period
        table = self.preliminary(
            "trade_mode_month" if span == "month" else "trade_mode_ytd", currency, table_period
        )
        amounts: dict[str, Decimal] = {}
        for row in table.rows:
            (cell,) = (c for c in row.cells if (c.measure, c.direction) == ("value", direction))
            if row.trade_mode_code is not None and cell.amount_whole_units is not None:
                amounts[row.trade_mode_code] = Decimal(cell.amount_whole_units)
        return amounts


def _cells(
    printed: dict[tuple[Direction, Span], Decimal],
    last_year: dict[tuple[Direction, Span], Decimal],
    scale: int,
) -> tuple[Cell, ...]:
    """Value cells in the header's order (Exports month, 1 to M, Imports month, 1 to M) from column 2,
    then the y/y % cells numbered after them, as the parser numbers the shaded row."""
    keys = [(direction, span) for direction in FLOWS for span in SPANS]
    values = [
        Cell(
            column=2 + index,
            measure="value",
            span=span,
            direction=direction,
            figure_as_published=float(printed[(direction, span)]),
            amount_whole_units=int(printed[(direction, span)]) * scale,
        )
        for index, (direction, span) in enumerate(keys)
    ]
    yoys = []
    for index, (direction, span) in enumerate(keys):
        pct = releases._pct(printed[(direction, span)] * scale, last_year[(direction, span)])
        yoys.append(
            Cell(
                column=2 + len(keys) + index,
                measure="yoy_pct",
                span=span,
                direction=direction,
                figure_as_published=None if pct is None else float(pct),
                amount_whole_units=None,
            )
        )
    return (*values, *yoys)


def bulletin_periods() -> tuple[Period, ...]:
    return tuple(Period.month(BULLETIN_YEAR, month) for month in BULLETIN_MONTHS)


def build_bulletin_tables(series: DemoSeries) -> list[BulletinTable]:
    """Every demo Bulletin page, ordered by period, table, edition."""
    builder = BulletinBuilder(series)
    return [
        builder.build(table_id, currency, period)
        for period in bulletin_periods()
        for table_id in BULLETIN_TABLES
        for currency in CURRENCIES
    ]
