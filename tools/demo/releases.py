"""From the committed demo series to the tables GACC would have published: pure, no I/O but reading CSVs.

A release for reference period P (Jan-Feb, or a month from March on) prints, in each currency:
- the month value: the series value of that month, as first published (preliminary);
- the January-to-month cumulative: the previous release's cumulative, plus the revision this release
  makes to the earlier months (`revision_usd` of the series, at most 0.5% of the previous month),
  plus this month's value; Jan-Feb is one period whose cumulative is January + February;
- table (1)'s month-on-month % (vs the previous month's value; March vs February, as GACC does) and
  month year-on-year % (vs the month value published a year earlier);
- the year-on-year % beside every cumulative: cumulative vs the cumulative published a year earlier.
CNY figures are the US$ figures times the partner's implied rate of that month (revisions at the
previous month's rate), rounded to whole yuan; nothing is converted back. Every printed figure is
rounded half-up to 0.1 of the table's unit.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from domain.periods import Period
from flows.ingest.model import Cell, OnlineQueryExport, OnlineQueryRecord, PreliminaryTable, TableRow
from tools.demo import SERIES_DIR
from warehouse.codes import CURRENCIES, PARTNER_DIRECTIONS, Currency, Direction, Measure, Span, TableId

RENDERED_YEARS = (2023, 2024, 2025)
NBSP = "\xa0"

# Month keys are (year, month) tuples throughout.
MonthKey = tuple[int, int]


def _nbsp(n: int) -> str:
    return NBSP * n


# Table (4) rows in page order: (series code, label as printed, indent level, parent series code).
# Indents copy the saved GACC page: groups and countries 2-3 non-breaking spaces, the first member
# "of which:" at 7-9, the others at 17-18; RCEP and Belt and Road at 0. "ASEAN" carries GACC's
# trailing non-breaking space.
PARTNER_ROWS: tuple[tuple[str, str, int, str | None], ...] = (
    ("WLD", "Total", 0, None),
    ("EU", _nbsp(2) + "European Union", 1, None),
    ("DEU", _nbsp(7) + "of which: Germany", 2, "EU"),
    ("NLD", _nbsp(17) + "Netherlands", 2, "EU"),
    ("FRA", _nbsp(17) + "France", 2, "EU"),
    ("ITA", _nbsp(17) + "Italy", 2, "EU"),
    ("USA", _nbsp(3) + "United States (US)", 1, None),
    ("ASEAN", _nbsp(3) + "ASEAN" + NBSP, 1, None),
    ("VNM", _nbsp(8) + "of which: Vietnam", 2, "ASEAN"),
    ("MYS", _nbsp(18) + "Malaysia", 2, "ASEAN"),
    ("THA", _nbsp(18) + "Thailand", 2, "ASEAN"),
    ("SGP", _nbsp(18) + "Singapore", 2, "ASEAN"),
    ("IDN", _nbsp(18) + "Indonesia", 2, "ASEAN"),
    ("PHL", _nbsp(18) + "Philippines", 2, "ASEAN"),
    ("JPN", _nbsp(3) + "Japan", 1, None),
    ("HKG", _nbsp(3) + "Hong Kong, China", 1, None),
    ("KOR", _nbsp(3) + "R. O. Korea", 1, None),
    ("TWN", _nbsp(3) + "Taiwan, China", 1, None),
    ("AUS", _nbsp(3) + "Australia", 1, None),
    ("RUS", _nbsp(3) + "Russian Federation", 1, None),
    ("IND", _nbsp(3) + "India", 1, None),
    ("GBR", _nbsp(3) + "United Kingdom (UK)", 1, None),
    ("CAN", _nbsp(3) + "Canada", 1, None),
    ("NZL", _nbsp(3) + "New Zealand", 1, None),
    ("LATAM", _nbsp(3) + "Latin America", 1, None),
    ("BRA", _nbsp(9) + "of which: Brazil", 2, "LATAM"),
    ("AFRICA", _nbsp(3) + "Africa", 1, None),
    ("ZAF", _nbsp(9) + "of which: South Africa", 2, "AFRICA"),
    ("RCEP", "Regional Comprehensive Economic Partnership", 0, None),
    ("BRI", "Jointly build the countries along Belt and Road Routes", 0, None),
)

# Tables (5)/(6) rows: (series code, label as printed, quantity unit, indent level, parent code).
COMMODITY_ROWS: dict[TableId, tuple[tuple[str, str, str, int, str | None], ...]] = {
    "major_exports": (
        ("rare_earths", "Rare earths", "T", 0, None),
        ("steel_products", "Steel products", "10000T", 0, None),
        ("adp_machines", "Automatic data processing machines and components", "10000 units", 0, None),
        ("mobile_phones", _nbsp(2) + "of which: Mobile phones", "10000 units", 1, "adp_machines"),
        ("motor_vehicles", "Motor vehicles", "units", 0, None),
    ),
    "major_imports": (
        ("soya_beans", "Soya beans", "10000T", 0, None),
        ("crude_oil", "Crude petroleum oil", "10000T", 0, None),
        ("iron_ore", "Iron ore", "10000T", 0, None),
        ("natural_gas", "Natural gas", "10000T", 0, None),
        ("integrated_circuits", "Integrated circuits", "100 million units", 0, None),
    ),
}

# (table number, description) as GACC prints them in titles; the index page drops the period.
TABLE_TITLES: dict[TableId, tuple[int, str]] = {
    "totals": (1, "China's Total Export & Import Values"),
    "by_partner": (4, "China's Total Export & Import Values by Country/Region"),
    "major_exports": (5, "China's Major Exports by Quantity and Value"),
    "major_imports": (6, "China's Major Imports by Quantity and Value"),
}
RENDERED_TABLES: tuple[TableId, ...] = ("totals", "by_partner", "major_exports", "major_imports")

# Unit label and scale (whole currency units per printed unit) per table and edition.
UNITS: dict[tuple[TableId, Currency], tuple[str, int]] = {
    ("totals", "CNY"): ("CNY 100 Million", 100_000_000),
    ("totals", "USD"): ("USD 100 Million", 100_000_000),
    ("by_partner", "CNY"): ("CNY 100 Million", 100_000_000),
    ("by_partner", "USD"): ("USD 1 Million", 1_000_000),
    ("major_exports", "CNY"): ("CNY 100 Million", 100_000_000),
    ("major_exports", "USD"): ("USD 1 Million", 1_000_000),
    ("major_imports", "CNY"): ("CNY 100 Million", 100_000_000),
    ("major_imports", "USD"): ("USD 1 Million", 1_000_000),
}

MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

ONLINE_QUERY_PARTNERS = {"502": "美国", "410": "巴西"}
# GACC's own names; the black-soybean one holds a full-width comma (U+FF0C), as the database prints it.
ONLINE_QUERY_COMMODITIES = {
    "12011000": "种用大豆",
    "12019011": "非转基因黄大豆",
    "12019020": "黑大豆\uff0c种用除外",
}
ONLINE_QUERY_QUANTITY_UNIT = "千克"

# The module's first home names the namespace: kept as it was, so that the pages keep their names.
_PAGE_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "customs-warehouse/flows/ingest/demo/releases")
_TENTH = Decimal("0.1")


# --- the series ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthlySeries:
    """Monthly amounts of one flow in one unit, with the revision each release makes to earlier months."""

    values: Mapping[MonthKey, Decimal]
    revisions: Mapping[MonthKey, Decimal]

    def month(self, year: int, month: int) -> Decimal:
        return self.values[(year, month)]

    def cumulative(self, year: int, month: int) -> Decimal:
        """January-to-month as printed in the release of `month` (2 = the Jan-Feb release)."""
        if month < 2:
            raise ValueError("GACC publishes no January-only release")
        total = self.values[(year, 1)] + self.values[(year, 2)]
        for m in range(3, month + 1):
            total += self.revisions[(year, m)] + self.values[(year, m)]
        return total

    def __add__(self, other: MonthlySeries) -> MonthlySeries:
        return MonthlySeries(
            {k: v + other.values[k] for k, v in self.values.items()},
            {k: v + other.revisions[k] for k, v in self.revisions.items()},
        )

    def __sub__(self, other: MonthlySeries) -> MonthlySeries:
        return MonthlySeries(
            {k: v - other.values[k] for k, v in self.values.items()},
            {k: v - other.revisions[k] for k, v in self.revisions.items()},
        )


@dataclass(frozen=True)
class DemoSeries:
    trade_usd: Mapping[tuple[str, str], MonthlySeries]  # (partner code, "export"/"import")
    rates: Mapping[tuple[str, int, int], Decimal]  # (partner code, year, month) -> CNY per US$
    commodity_quantity: Mapping[str, MonthlySeries]
    commodity_value_usd: Mapping[str, MonthlySeries]
    online_query: tuple[tuple[int, str, str, int, int], ...]  # (month, partner, HS8, kg, US$), 2024

    def trade(self, partner: str, direction: str, currency: Currency) -> MonthlySeries:
        usd = self.trade_usd[(partner, direction)]
        return usd if currency == "USD" else _to_cny(usd, lambda y, m: self.rates[(partner, y, m)])

    def commodity_value(self, code: str, currency: Currency) -> MonthlySeries:
        usd = self.commodity_value_usd[code]
        # Commodity lines mix all partners: they take the world's implied rate.
        return usd if currency == "USD" else _to_cny(usd, lambda y, m: self.rates[("WLD", y, m)])


def _to_cny(usd: MonthlySeries, rate: Callable[[int, int], Decimal]) -> MonthlySeries:
    values = {k: _whole(v * rate(*k)) for k, v in usd.values.items()}
    # A revision restates earlier months, so it is converted at the previous month's rate.
    revisions = {
        (y, m): (_whole(v * rate(y, m - 1)) if m > 1 else Decimal(0)) for (y, m), v in usd.revisions.items()
    }
    return MonthlySeries(values, revisions)


def _whole(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def _read_csv(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        lines = (line for line in handle if not line.startswith("#"))
        yield from csv.DictReader(lines)


def _month_key(text: str) -> MonthKey:
    period = Period.parse(text)
    return (period.year, period.first_month)


def load_series(series_dir: Path = SERIES_DIR) -> DemoSeries:
    """Read the committed series CSVs (the `#` provenance line is skipped)."""
    values: dict[tuple[str, str], dict[MonthKey, Decimal]] = {}
    revisions: dict[tuple[str, str], dict[MonthKey, Decimal]] = {}
    for row in _read_csv(series_dir / "partner_trade_usd.csv"):
        key = (row["partner"], row["direction"])
        month = _month_key(row["month"])
        values.setdefault(key, {})[month] = Decimal(row["value_usd"])
        revisions.setdefault(key, {})[month] = Decimal(row["revision_usd"])
    rates = {
        (row["partner"], *_month_key(row["month"])): Decimal(row["cny_per_usd"])
        for row in _read_csv(series_dir / "cny_per_usd.csv")
    }
    quantities: dict[str, dict[MonthKey, Decimal]] = {}
    q_revisions: dict[str, dict[MonthKey, Decimal]] = {}
    c_values: dict[str, dict[MonthKey, Decimal]] = {}
    c_revisions: dict[str, dict[MonthKey, Decimal]] = {}
    for row in _read_csv(series_dir / "commodities.csv"):
        code, month = row["commodity"], _month_key(row["month"])
        quantities.setdefault(code, {})[month] = Decimal(row["quantity"])
        q_revisions.setdefault(code, {})[month] = Decimal(row["quantity_revision"])
        c_values.setdefault(code, {})[month] = Decimal(row["value_usd"])
        c_revisions.setdefault(code, {})[month] = Decimal(row["revision_usd"])
    online = tuple(
        (
            _month_key(row["month"])[1],
            row["partner_code"],
            row["hs_code"],
            int(row["quantity_kg"]),
            int(row["value_usd"]),
        )
        for row in _read_csv(series_dir / "online_query_soybean_imports_2024.csv")
    )
    return DemoSeries(
        trade_usd={k: MonthlySeries(v, revisions[k]) for k, v in values.items()},
        rates=rates,
        commodity_quantity={k: MonthlySeries(v, q_revisions[k]) for k, v in quantities.items()},
        commodity_value_usd={k: MonthlySeries(v, c_revisions[k]) for k, v in c_values.items()},
        online_query=online,
    )


# --- periods, dates, names -------------------------------------------------------------------------


def release_periods(year: int) -> tuple[Period, ...]:
    """The preliminary releases of a reference year: Jan-Feb, then March to December."""
    return (Period.jan_feb(year), *(Period.month(year, m) for m in range(3, 13)))


def publication_date(period: Period) -> date:
    """When GACC would have posted the release: the 7th of the next month (Monday if that is a weekend),
    the 13th after quarter-end months (the Friday before if a weekend). Jan-Feb comes out in March.
    This keeps every date between the 7th and the 14th, as GACC's release calendar does."""
    year, month = (period.year + 1, 1) if period.last_month == 12 else (period.year, period.last_month + 1)
    if period.last_month in (3, 6, 9, 12):
        day = date(year, month, 13)
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        return day
    day = date(year, month, 7)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def period_text(period: Period) -> str:
    """The period as the title prints it: 2023 titles spell the month out (`March 2023`), later ones
    abbreviate it (`Mar 2024`), as GACC's titles drift; Jan-Feb is always `January-February YYYY`."""
    if period.is_combined:
        return f"January-February {period.year}"
    names = MONTH_NAMES if period.year <= 2023 else MONTH_ABBREVIATIONS
    return f"{names[period.last_month - 1]} {period.year}"


def table_title(table_id: TableId, currency: Currency, period: Period) -> str:
    number, description = TABLE_TITLES[table_id]
    return f"({number}) {description}, {period_text(period)} (in {currency})"


def page_name(table_id: TableId, currency: Currency, period: Period) -> str:
    """A stable page file name, like GACC's `Statics/<uuid>.html`: uuid5 of table, edition and period."""
    return f"{uuid.uuid5(_PAGE_NAMESPACE, f'{table_id}/{currency}/{period.key}')}.html"


def normalise_label(label_as_published: str) -> str:
    text = " ".join(label_as_published.replace(NBSP, " ").split())
    return text.removeprefix("of which:").strip()


# --- cells -----------------------------------------------------------------------------------------


def _figure(amount: Decimal, scale: int) -> Decimal:
    return (amount / scale).quantize(_TENTH, rounding=ROUND_HALF_UP)


def _pct(this: Decimal, last: Decimal) -> Decimal | None:
    if last == 0:
        return None
    pct = ((this / last - 1) * 100).quantize(_TENTH, rounding=ROUND_HALF_UP)
    return pct if pct != 0 else Decimal("0.0")  # never print "-0.0"


def _no_pct(_this: Decimal, _last: Decimal) -> Decimal | None:
    return None


class _Cells:
    """Numbers a row's figure cells by their position in the page's row (the label cell is column 1,
    and in tables (5)/(6) the quantity-unit cell is column 2), as the parser reads them."""

    def __init__(self, direction: Direction, first_column: int = 2) -> None:
        self.direction: Direction = direction
        self.first_column = first_column
        self.cells: list[Cell] = []

    def value(
        self, span: Span, amount: Decimal | None, scale: int, direction: Direction | None = None
    ) -> None:
        figure = None if amount is None else _figure(amount, scale)
        self._add(
            "value",
            span,
            figure,
            None if figure is None else int(figure * scale),
            direction or self.direction,
        )

    def quantity(self, span: Span, amount: Decimal | None) -> None:
        self._add("quantity", span, None if amount is None else amount.quantize(_TENTH, ROUND_HALF_UP), None)

    def pct(
        self, measure: Measure, span: Span, pct: Decimal | None, direction: Direction | None = None
    ) -> None:
        self._add(measure, span, pct, None, direction or self.direction)

    def _add(
        self,
        measure: Measure,
        span: Span,
        figure: Decimal | None,
        amount: int | None,
        direction: Direction | None = None,
    ) -> None:
        self.cells.append(
            Cell(
                column=len(self.cells) + self.first_column,
                measure=measure,
                span=span,
                direction=direction or self.direction,
                figure_as_published=None if figure is None else float(figure),
                amount_whole_units=amount,
            )
        )


# --- tables ----------------------------------------------------------------------------------------


def _table(
    table_id: TableId,
    currency: Currency,
    period: Period,
    rows: list[TableRow],
    published_on: date | None = None,
) -> PreliminaryTable:
    unit_label, scale = UNITS[(table_id, currency)]
    return PreliminaryTable(
        table_id=table_id,
        printed_number=TABLE_TITLES[table_id][0],
        title=table_title(table_id, currency, period),
        currency=currency,
        unit_label=unit_label,
        scale=scale,
        period=period,
        published_on=publication_date(period) if published_on is None else published_on,
        rows=tuple(rows),
    )


_TOTALS_ROWS: tuple[tuple[str, Direction], ...] = (
    ("Export & Import", "total"),
    ("Export", "export"),
    ("Import", "import"),
    ("Balance", "balance"),
)


def _flows(series: DemoSeries, partner: str, currency: Currency) -> dict[Direction, MonthlySeries]:
    exports = series.trade(partner, "export", currency)
    imports = series.trade(partner, "import", currency)
    return {"total": exports + imports, "export": exports, "import": imports}


def build_totals(series: DemoSeries, currency: Currency, period: Period) -> PreliminaryTable:
    """Table (1): month value, month-on-month %, year-on-year %; January-to-month value and y/y %."""
    _, scale = UNITS[("totals", currency)]
    flows = _flows(series, "WLD", currency)
    flows["balance"] = flows["export"] - flows["import"]
    y, m = period.year, period.last_month
    rows = []
    for number, (label, direction) in enumerate(_TOTALS_ROWS, start=1):
        flow, cells = flows[direction], _Cells(direction)
        # A balance has no meaningful percentage change: its percentages are printed "-".
        pct = _no_pct if direction == "balance" else _pct
        if not period.is_combined:
            cells.value("month", flow.month(y, m), scale)
            cells.pct("mom_pct", "month", pct(flow.month(y, m), flow.month(y, m - 1)))
            cells.pct("yoy_pct", "month", pct(flow.month(y, m), flow.month(y - 1, m)))
        cells.value("ytd", flow.cumulative(y, m), scale)
        cells.pct("yoy_pct", "ytd", pct(flow.cumulative(y, m), flow.cumulative(y - 1, m)))
        rows.append(_row(number, label, 0, None, None, cells))
    return _table("totals", currency, period, rows)


def build_by_partner(series: DemoSeries, currency: Currency, period: Period) -> PreliminaryTable:
    """Table (4): month and January-to-month for Export & Import, Export, Import; y/y of the cumulative."""
    _, scale = UNITS[("by_partner", currency)]
    y, m = period.year, period.last_month
    labels = {code: normalise_label(label) for code, label, _, _ in PARTNER_ROWS}
    rows = []
    for number, (code, label, indent, parent) in enumerate(PARTNER_ROWS, start=1):
        flows = _flows(series, code, currency)
        cells = _Cells("total")
        for direction in PARTNER_DIRECTIONS:
            if not period.is_combined:
                cells.value("month", flows[direction].month(y, m), scale, direction)
            cells.value("ytd", flows[direction].cumulative(y, m), scale, direction)
        for direction in PARTNER_DIRECTIONS:
            this, last = flows[direction].cumulative(y, m), flows[direction].cumulative(y - 1, m)
            cells.pct("yoy_pct", "ytd", _pct(this, last), direction)
        rows.append(_row(number, label, indent, None if parent is None else labels[parent], None, cells))
    return _table("by_partner", currency, period, rows)


def build_major_commodities(
    series: DemoSeries, table_id: TableId, currency: Currency, period: Period
) -> PreliminaryTable:
    """Tables (5)/(6): quantity and value, month and January-to-month, y/y % of the cumulative pair."""
    _, scale = UNITS[(table_id, currency)]
    direction: Direction = "export" if table_id == "major_exports" else "import"
    y, m = period.year, period.last_month
    specs = COMMODITY_ROWS[table_id]
    labels = {code: normalise_label(label) for code, label, _, _, _ in specs}
    rows = []
    for number, (code, label, unit, indent, parent) in enumerate(specs, start=1):
        quantity, value = series.commodity_quantity[code], series.commodity_value(code, currency)
        cells = _Cells(direction, first_column=3)
        if not period.is_combined:
            cells.quantity("month", quantity.month(y, m))
            cells.value("month", value.month(y, m), scale)
        cells.quantity("ytd", quantity.cumulative(y, m))
        cells.value("ytd", value.cumulative(y, m), scale)
        cells.pct("yoy_pct", "ytd", _pct(quantity.cumulative(y, m), quantity.cumulative(y - 1, m)))
        cells.pct("yoy_pct", "ytd", _pct(value.cumulative(y, m), value.cumulative(y - 1, m)))
        rows.append(_row(number, label, indent, None if parent is None else labels[parent], unit, cells))
    return _table(table_id, currency, period, rows)


def _row(
    number: int, label: str, indent: int, parent: str | None, unit: str | None, cells: _Cells
) -> TableRow:
    return TableRow(
        row_number=number,
        label=normalise_label(label),
        label_as_published=label,
        indent_level=indent,
        parent_label=parent,
        quantity_unit=unit,
        cells=tuple(cells.cells),
    )


def build_table(
    series: DemoSeries, table_id: TableId, currency: Currency, period: Period
) -> PreliminaryTable:
    if table_id == "totals":
        return build_totals(series, currency, period)
    if table_id == "by_partner":
        return build_by_partner(series, currency, period)
    return build_major_commodities(series, table_id, currency, period)


def build_tables(series: DemoSeries, years: tuple[int, ...] = RENDERED_YEARS) -> list[PreliminaryTable]:
    """Every demo page, ordered by period, table, edition."""
    return [
        build_table(series, table_id, currency, period)
        for year in years
        for period in release_periods(year)
        for table_id in RENDERED_TABLES
        for currency in CURRENCIES
    ]


def build_online_query(series: DemoSeries) -> OnlineQueryExport:
    """The 2024 soybean HS8 x partner extract, as the query database exports it (US$, imports)."""
    records = tuple(
        OnlineQueryRecord(
            period=Period.month(2024, month),
            partner_code_gacc=partner,
            partner_name_zh=ONLINE_QUERY_PARTNERS[partner],
            hs_code=hs_code,
            commodity_name=ONLINE_QUERY_COMMODITIES[hs_code],
            quantity_1=float(kg),
            quantity_1_unit=ONLINE_QUERY_QUANTITY_UNIT,
            quantity_2=None,
            quantity_2_unit=None,
            amount_whole_units=usd,
        )
        for month, partner, hs_code, kg, usd in series.online_query
    )
    return OnlineQueryExport(currency="USD", direction="import", records=records)
