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
import functools
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from domain.periods import Period
from flows.ingest.model import Cell, OnlineQueryExport, OnlineQueryRecord, PreliminaryTable, TableRow
from flows.ingest.parsers.gacc_labels import quantity_unit
from tools.demo import SERIES_DIR
from warehouse.codes import CURRENCIES, PARTNER_DIRECTIONS, Currency, Direction, Measure, Span, TableId
from warehouse.reference import load_commodities

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


def _indent(level: int) -> str:
    return NBSP * (4 * level)  # tables (5)/(6): four `&nbsp;` per level, as GACC prints them


# Tables (5)/(6) rows in page order, as GACC's 2025-2026 pages print them: (commodity code, label as
# printed from 2025 (indentation and the aggregate mark `*` included), quantity unit as printed or None
# for a value-only row). 2023-2024 pages print the canonical label of warehouse/reference/commodities.csv
# instead (the wording before 2025), with the same indentation and mark.
CommodityRow = tuple[str, str, str | None]
COMMODITY_ROWS: dict[TableId, tuple[CommodityRow, ...]] = {
    "major_exports": (
        ("X-AGRI", "Agriculture products*", None),
        ("X-AQUATIC", _indent(1) + "Aquatic products", "10,000 Tons"),
        ("X-GRAIN", _indent(1) + "Grain food", "10,000 Tons"),
        ("X-REFINEDOIL", "Refined petroleum products", "10,000 Tons"),
        ("X-RAREEARTH", _indent(1) + "Rare-earth ore, metals, compounds", "Ton"),
        ("X-PHARMA", _indent(1) + "Medical and pharmaceutical products", "10,000 Tons"),
        ("X-FERTILIZER", "Fertilizers", "10,000 Tons"),
        ("X-PLASTICPROD", "Plastic articles", None),
        ("X-BAGS", "Suit-cases, hand bags and similar containers", "10,000 Tons"),
        ("X-TEXTILE", "Textile yarn, fabrics and articles thereof", None),
        ("X-GARMENT", "Garments and clothing accessories", None),
        ("X-FOOTWEAR", "Footwear", "10,000 Pairs"),
        ("X-CERAMIC", "Ceramic products", "10,000 Tons"),
        ("X-STEEL", "Products, of steel or iron", "10,000 Tons"),
        ("X-ALUMINIUM", "Unwrought aluminium and aluminium products", "10,000 Tons"),
        ("X-FURNITURE", "Furniture and parts thereof", None),
        ("X-TOYS", "Toys", None),
        ("X-MECHELEC", "Mechanical and electrical products*", None),
        ("X-GENMACH", _indent(1) + "General machines", None),
        ("X-ADP", _indent(1) + "Automatic data processing machines and parts thereof", None),
        ("X-MOBILE", _indent(1) + "Mobile phones", "10,000 Sets"),
        ("X-HOMEAPPL", _indent(1) + "Electric appliances of household type", "10,000 Sets"),
        ("X-AUDIOVIDEO", _indent(1) + "Audio or video devices and parts thereof", None),
        ("X-IC", _indent(2) + "Electronic integrated circuits", "100 Million PCS"),
        (
            "X-MOTORVEH",
            _indent(1) + "Motor vehicles\uff08including chassis fitted with engines)" + NBSP,
            "10,000 Autos",
        ),
        ("X-AUTOPARTS", _indent(1) + "Parts and accessories of vehicle" + NBSP, None),
        ("X-SHIPS", _indent(1) + "Ships", "Ship"),
        ("X-LCD", _indent(2) + "Flat panel display modules of liquid crystals", "10,000 PCS"),
        ("X-MEDINSTR", _indent(1) + "Medical or surgical instruments and apparatuses", None),
        ("X-LIGHTING", _indent(1) + "Lamps and lighting fittings and parts thereof", None),
        ("X-HIGHTECH", "Hi-tech products*", None),
    ),
    "major_imports": (
        ("M-AGRI", "Agriculture products*", None),
        ("M-MEAT", _indent(1) + "Meat(including" + NBSP * 2 + "meat offal)", "10,000 Tons"),
        ("M-FRUIT", _indent(1) + "Fresh or dried fruit and nuts", "10,000 Tons"),
        ("M-GRAIN", _indent(1) + "Grain food", "10,000 Tons"),
        ("M-SOYBEAN", _indent(3) + "Soya beans", "10,000 Tons"),
        ("M-VEGOIL", _indent(2) + "Edible vegetable oil", "10,000 Tons"),
        ("M-IRONORE", _indent(1) + "Iron ores and concentrates", "10,000 Tons"),
        ("M-COPPERORE", _indent(1) + "Copper ores and concentrates", "10,000 Tons"),
        ("M-COAL", "Coal and lignite", "10,000 Tons"),
        ("M-CRUDE", "Crude petroleum oils", "10,000 Tons"),
        ("M-REFINEDOIL", "Refined petroleum products", "10,000 Tons"),
        ("M-NATGAS", "Natural gases", "10,000 Tons"),
        ("M-RAREEARTH", _indent(1) + "Rare-earth ore, metals, compounds", "Ton"),
        ("M-PHARMA", "Medicinal materials and pharmaceutical products", "Ton"),
        ("M-FERTILIZER", "Fertilizers", "10,000 Tons"),
        ("M-COSMETICS", "Make-ups or personal care and toiletries", "Ton"),
        ("M-PLASTIC", "Plastics in primary forms", "10,000 Tons"),
        ("M-RUBBER", "Natural and synthetic rubber(including Latex)", "10,000 Tons"),
        ("M-WOOD", "Wood Logs and Lumber", "10,000 CBM"),
        ("M-PULP", _indent(1) + "Paper pulp", "10,000 Tons"),
        ("M-TEXTILE", "Textile yarn, fabrics and articles thereof", None),
        ("M-STEEL", "Products, of steel or iron", "10,000 Tons"),
        ("M-COPPER", "Unwrought copper and copper products", "10,000 Tons"),
        ("M-MECHELEC", "Mechanical and electrical products*", None),
        ("M-MACHTOOL", _indent(1) + "Machine tools", "Set"),
        ("M-ADP", _indent(1) + "Automatic data processing machines and parts thereof", None),
        ("M-DIODE", _indent(2) + "Diodes and similar semiconductors", "100 Million PCS"),
        ("M-IC", _indent(2) + "Electronic integrated circuits", "100 Million PCS"),
        (
            "M-MOTORVEH",
            _indent(1) + "Motor vehicles\uff08including chassis fitted with engines)" + NBSP,
            "10,000 Cars",
        ),
        ("M-AUTOPARTS", _indent(1) + "Parts and accessories of vehicle" + NBSP, None),
        ("M-AIRCRAFT", _indent(2) + "Aircraft of an unladen weight exceeding 2T", "Craft"),
        ("M-LCD", _indent(2) + "Flat panel display modules of liquid crystals", "10,000 PCS"),
        ("M-MEDINSTR", _indent(1) + "Medical or surgical instruments and apparatuses", None),
        ("M-HIGHTECH", "Hi-tech products*", None),
    ),
}
FIRST_YEAR_OF_2025_WORDING = 2025
AGGREGATE_MARK = "*"

# Tables (2)/(3) rows in page order, in the 2023-2025 wording: (trade mode code, label as printed).
# The aggregates "Processing Trade" and "Bonded Logistics" are followed by their two regimes, the first
# prefixed "of which:"; the leaves (every row but the total and the aggregates) sum to the total.
TRADE_MODE_ROWS: tuple[tuple[str, str], ...] = (
    ("TOTAL", "Total Value"),
    ("ORDINARY", "General Trade"),
    ("PROCESSING", "Processing Trade"),
    ("PROC_ASSEMBLY", _nbsp(4) + "of which: Processing and Assembling Trade"),
    ("PROC_IMPORTED", _nbsp(14) + "Processing Trade with Imported Materials"),
    ("BONDED_LOGISTICS", "Bonded Logistics"),
    (
        "BONDED_SITES",
        _nbsp(4) + "of which: Bonded Warehousing and Entry-Exit Goods in Bonded Supervision Sites",
    ),
    ("SSA_LOGISTICS", _nbsp(14) + "Customs Special Supervision Areas Logistics Goods"),
    ("FRONTIER_PETTY", "Frontier Petty Trade"),
    ("OTHER", "Other"),
)
TRADE_MODE_AGGREGATES: dict[str, tuple[str, ...]] = {
    "PROCESSING": ("PROC_ASSEMBLY", "PROC_IMPORTED"),
    "BONDED_LOGISTICS": ("BONDED_SITES", "SSA_LOGISTICS"),
}
# The leaf printed as the rest of the total, so that the printed leaves add up to the printed total.
TRADE_MODE_REST = "OTHER"

# (table number, description) as GACC prints them in titles; the index page drops the period.
TABLE_TITLES: dict[TableId, tuple[int, str]] = {
    "totals": (1, "China's Total Export & Import Values"),
    "trade_mode_month": (2, "China's Total Export & Import Values by Trade Mode"),
    "trade_mode_ytd": (3, "China's Total Export & Import Values by Trade Mode"),
    "by_partner": (4, "China's Total Export & Import Values by Country/Region"),
    "major_exports": (5, "China's Major Exports by Quantity and Value"),
    "major_imports": (6, "China's Major Imports by Quantity and Value"),
}
RENDERED_TABLES: tuple[TableId, ...] = (
    "totals",
    "trade_mode_month",
    "trade_mode_ytd",
    "by_partner",
    "major_exports",
    "major_imports",
)

# Unit label and scale (whole currency units per printed unit) per table and edition.
UNITS: dict[tuple[TableId, Currency], tuple[str, int]] = {
    ("totals", "CNY"): ("CNY 100 Million", 100_000_000),
    ("totals", "USD"): ("USD 100 Million", 100_000_000),
    ("trade_mode_month", "CNY"): ("CNY 100 Million", 100_000_000),
    ("trade_mode_month", "USD"): ("USD 100 Million", 100_000_000),
    ("trade_mode_ytd", "CNY"): ("CNY 100 Million", 100_000_000),
    ("trade_mode_ytd", "USD"): ("USD 100 Million", 100_000_000),
    ("by_partner", "CNY"): ("CNY 100 Million", 100_000_000),
    ("by_partner", "USD"): ("USD 1 Million", 1_000_000),
    ("major_exports", "CNY"): ("CNY 100 Million", 100_000_000),
    ("major_exports", "USD"): ("USD1 Million", 1_000_000),
    ("major_imports", "CNY"): ("CNY 100 Million", 100_000_000),
    ("major_imports", "USD"): ("USD1 Million", 1_000_000),
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

    def revised_cumulative(self, year: int, month: int) -> Decimal:
        """January-to-month as the next release restates it (with the revision it makes to earlier
        months): the later vintage a table (5)/(6) prints a year on. December's stays as printed."""
        revision = self.revisions[(year, month + 1)] if month < 12 else Decimal(0)
        return self.cumulative(year, month) + revision

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
    commodity_quantity: Mapping[str, MonthlySeries]  # by commodity code; value-only rows have none
    commodity_value_usd: Mapping[str, MonthlySeries]
    # (direction, trade mode code) -> month -> share of the world's value (the leaves sum to 1)
    trade_mode_shares: Mapping[tuple[str, str], Mapping[MonthKey, Decimal]]
    online_query: tuple[tuple[int, str, str, int, int], ...]  # (month, partner, HS8, kg, US$), 2024

    def trade(self, partner: str, direction: str, currency: Currency) -> MonthlySeries:
        usd = self.trade_usd[(partner, direction)]
        return usd if currency == "USD" else _to_cny(usd, lambda y, m: self.rates[(partner, y, m)])

    def commodity_value(self, code: str, currency: Currency) -> MonthlySeries:
        usd = self.commodity_value_usd[code]
        # Commodity lines mix all partners: they take the world's implied rate.
        return usd if currency == "USD" else _to_cny(usd, lambda y, m: self.rates[("WLD", y, m)])

    def trade_mode(self, code: str, direction: str, currency: Currency) -> MonthlySeries:
        """A leaf trade mode's share of the world's trade in `direction` (revisions at the revised month's
        share), converted like the world's total."""
        world, shares = self.trade_usd[("WLD", direction)], self.trade_mode_shares[(direction, code)]
        usd = MonthlySeries(
            {k: _whole(v * shares[k]) for k, v in world.values.items()},
            {
                (y, m): _whole(v * shares[(y, m - 1)]) if m > 1 else Decimal(0)
                for (y, m), v in world.revisions.items()
            },
        )
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
        if row["quantity"]:
            quantities.setdefault(code, {})[month] = Decimal(row["quantity"])
            q_revisions.setdefault(code, {})[month] = Decimal(row["quantity_revision"])
        c_values.setdefault(code, {})[month] = Decimal(row["value_usd"])
        c_revisions.setdefault(code, {})[month] = Decimal(row["revision_usd"])
    shares: dict[tuple[str, str], dict[MonthKey, Decimal]] = {}
    for row in _read_csv(series_dir / "trade_mode_shares.csv"):
        key = (row["direction"], row["trade_mode_code"])
        shares.setdefault(key, {})[_month_key(row["month"])] = Decimal(row["share"])
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
        trade_mode_shares=shares,
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
        self,
        span: Span,
        amount: Decimal | None,
        scale: int,
        direction: Direction | None = None,
        restates: Period | None = None,
    ) -> None:
        figure = None if amount is None else _figure(amount, scale)
        self._add(
            "value",
            span,
            figure,
            None if figure is None else int(figure * scale),
            direction or self.direction,
            restates=restates,
        )

    def quantity(
        self,
        span: Span,
        amount: Decimal | None,
        factor: Decimal | None,
        restates: Period | None = None,
    ) -> None:
        figure = None if amount is None else amount.quantize(_TENTH, ROUND_HALF_UP)
        in_base = None if figure is None or factor is None else float(figure * factor)
        self._add("quantity", span, figure, None, restates=restates, quantity_in_base_unit=in_base)

    def printed_value(self, span: Span, figure: Decimal | None, scale: int, direction: Direction) -> None:
        """A value cell whose printed figure is already decided (a trade mode's share of a printed total)."""
        self._add("value", span, figure, None if figure is None else int(figure * scale), direction)

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
        *,
        restates: Period | None = None,
        quantity_in_base_unit: float | None = None,
    ) -> None:
        self.cells.append(
            Cell(
                column=len(self.cells) + self.first_column,
                measure=measure,
                span=span,
                direction=direction or self.direction,
                figure_as_published=None if figure is None else float(figure),
                amount_whole_units=amount,
                restates=restates,
                quantity_in_base_unit=quantity_in_base_unit,
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


def printed_commodity_label(code: str, label_2025: str, year: int) -> str:
    """The row label as a page of `year` prints it: the 2025 wording from 2025, else the canonical label
    of warehouse/reference/commodities.csv, with the same indentation and aggregate mark."""
    if year >= FIRST_YEAR_OF_2025_WORDING:
        return label_2025
    stripped = label_2025.lstrip(NBSP)
    indent = label_2025[: len(label_2025) - len(stripped)]
    mark = AGGREGATE_MARK if stripped.endswith(AGGREGATE_MARK) else ""
    return indent + _canonical_commodity_labels()[code] + mark


@functools.cache
def _canonical_commodity_labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for label, code in load_commodities().select("label", "commodity_code").iter_rows():
        labels.setdefault(code, label)  # the first row of a code is its canonical wording
    return labels


def build_major_commodities(
    series: DemoSeries, table_id: TableId, currency: Currency, period: Period
) -> PreliminaryTable:
    """Tables (5)/(6): quantity and value of the month, of January-to-month, of last year's
    January-to-month as revised since, and the y/y % of January-to-month against it."""
    _, scale = UNITS[(table_id, currency)]
    direction: Direction = "export" if table_id == "major_exports" else "import"
    y, m = period.year, period.last_month
    last_year = period.year_earlier()
    rows = []
    for number, (code, label_2025, unit) in enumerate(COMMODITY_ROWS[table_id], start=1):
        label = printed_commodity_label(code, label_2025, y)
        quantity, value = series.commodity_quantity.get(code), series.commodity_value(code, currency)
        factor = None if unit is None else quantity_unit(unit).factor
        cells = _Cells(direction, first_column=3)
        if not period.is_combined:
            cells.quantity("month", None if quantity is None else quantity.month(y, m), factor)
            cells.value("month", value.month(y, m), scale)
        cells.quantity("ytd", None if quantity is None else quantity.cumulative(y, m), factor)
        cells.value("ytd", value.cumulative(y, m), scale)
        prior_q = None if quantity is None else quantity.revised_cumulative(y - 1, m)
        prior_v = value.revised_cumulative(y - 1, m)
        cells.quantity("ytd", prior_q, factor, restates=last_year)
        cells.value("ytd", prior_v, scale, restates=last_year)
        this_q = None if quantity is None else quantity.cumulative(y, m)
        cells.pct("yoy_pct", "ytd", None if this_q is None or prior_q is None else _pct(this_q, prior_q))
        cells.pct("yoy_pct", "ytd", _pct(value.cumulative(y, m), prior_v))
        stripped = label.lstrip(NBSP)
        is_aggregate = stripped.endswith(AGGREGATE_MARK)
        rows.append(
            TableRow(
                row_number=number,
                label=normalise_label(stripped.removesuffix(AGGREGATE_MARK)),
                label_as_published=label,
                indent_level=(len(label) - len(stripped)) // 4,
                parent_label=None,  # GACC's indentation there does not always mean membership
                quantity_unit=unit,
                cells=tuple(cells.cells),
                is_aggregate=is_aggregate,
                commodity_code=code,
                quantity_base_unit=None if unit is None else quantity_unit(unit).base_unit,
            )
        )
    return _table(table_id, currency, period, rows)


def _tenths(amount: Decimal, scale: int) -> Decimal:
    return _figure(amount, scale)


def build_trade_mode(
    series: DemoSeries, table_id: TableId, currency: Currency, period: Period
) -> PreliminaryTable:
    """Tables (2) (the month) and (3) (January-to-month): value per trade mode and flow, and its y/y %.

    The total is the world's, printed as table (1) prints it. Each leaf is printed from its share of the
    world, except OTHER, printed as the rest, so that the printed leaves sum to the printed total; an
    aggregate is printed as the sum of its printed members. The y/y % compare the series, as table (1)'s.
    """
    _, scale = UNITS[(table_id, currency)]
    span: Span = "month" if table_id == "trade_mode_month" else "ytd"
    y, m = period.year, period.last_month
    world = _flows(series, "WLD", currency)
    leaves = [code for code, _ in TRADE_MODE_ROWS if code != "TOTAL" and code not in TRADE_MODE_AGGREGATES]
    modes: dict[str, dict[Direction, MonthlySeries]] = {}
    for code in leaves:
        exports = series.trade_mode(code, "export", currency)
        imports = series.trade_mode(code, "import", currency)
        modes[code] = {"total": exports + imports, "export": exports, "import": imports}

    def amount(flow: MonthlySeries, year: int) -> Decimal:
        return flow.month(year, m) if span == "month" else flow.cumulative(year, m)

    printed: dict[tuple[str, Direction], Decimal] = {}
    for direction in PARTNER_DIRECTIONS:
        printed[("TOTAL", direction)] = _tenths(amount(world[direction], y), scale)
        for code in leaves:
            if code != TRADE_MODE_REST:
                printed[(code, direction)] = _tenths(amount(modes[code][direction], y), scale)
        others = sum((printed[(c, direction)] for c in leaves if c != TRADE_MODE_REST), Decimal(0))
        printed[(TRADE_MODE_REST, direction)] = printed[("TOTAL", direction)] - others
        for aggregate, members in TRADE_MODE_AGGREGATES.items():
            printed[(aggregate, direction)] = sum((printed[(c, direction)] for c in members), Decimal(0))

    def yoy(code: str, direction: Direction) -> Decimal | None:
        if code == "TOTAL":
            return _pct(amount(world[direction], y), amount(world[direction], y - 1))
        members = TRADE_MODE_AGGREGATES.get(code, (code,))
        this = sum((amount(modes[c][direction], y) for c in members), Decimal(0))
        last = sum((amount(modes[c][direction], y - 1) for c in members), Decimal(0))
        return _pct(this, last)

    labels = {code: normalise_label(label) for code, label in TRADE_MODE_ROWS}
    rows = []
    parent: str | None = None
    for number, (code, label) in enumerate(TRADE_MODE_ROWS, start=1):
        cells = _Cells("total")
        for direction in PARTNER_DIRECTIONS:
            cells.printed_value(span, printed[(code, direction)], scale, direction)
        for direction in PARTNER_DIRECTIONS:
            cells.pct("yoy_pct", span, yoy(code, direction), direction)
        if code in TRADE_MODE_AGGREGATES:
            parent = code
        elif not label.startswith(NBSP):
            parent = None
        member_of = parent if parent is not None and code != parent else None
        rows.append(
            replace(
                _row(
                    number,
                    label,
                    1 if member_of else 0,
                    None if member_of is None else labels[member_of],
                    None,
                    cells,
                ),
                trade_mode_code=code,
            )
        )
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
    if table_id in ("trade_mode_month", "trade_mode_ytd"):
        return build_trade_mode(series, table_id, currency, period)
    return build_major_commodities(series, table_id, currency, period)


def build_tables(series: DemoSeries, years: tuple[int, ...] = RENDERED_YEARS) -> list[PreliminaryTable]:
    """Every demo page, ordered by period, table, edition."""
    return [
        build_table(series, table_id, currency, period)
        for year in years
        for period in release_periods(year)
        for table_id in RENDERED_TABLES
        for currency in CURRENCIES
        # The Jan-Feb release has no single month: its trade modes are table (3)'s `1-to-2` only.
        if not (period.is_combined and table_id == "trade_mode_month")
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
