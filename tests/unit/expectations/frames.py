"""Small, contract-valid staging and fact frames built from a few literal numbers.

A handful of partners with a base monthly value each, growing smoothly, over every preliminary period
from 2024-01..02 to 2025-06 (Jan-Feb combined as GACC publishes it), in USD and CNY (a fixed 7.2 yuan
per dollar). From those numbers come table (1) and table (4) as the parser stages them (figures
rounded to 0.1 of the printed unit), and the facts as the transforms build them. Every rule passes on
them; each test breaks one thing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import polars as pl

from domain.periods import Period
from warehouse.contracts import TableContract
from warehouse.tables import (
    DIM_PARTNER,
    FACT_PARTNER_TRADE,
    FACT_TRADE_FLOWS,
    FACT_TRADE_SURPLUS,
    STG_ONLINE_QUERY,
    STG_PRELIMINARY,
)

RATE = 7.2  # yuan per dollar
GROWTH = 1.05  # a year on year

# (code, label, indent, parent label, monthly exports US$, monthly imports US$) in 2024.
PARTNERS: tuple[tuple[str, str, int, str | None, float, float], ...] = (
    ("WLD", "Total", 0, None, 300e9, 200e9),
    ("EU", "European Union", 1, None, 45e9, 25e9),
    ("DEU", "Germany", 2, "European Union", 9e9, 8e9),
    ("FRA", "France", 2, "European Union", 3e9, 2.5e9),
    ("USA", "United States (US)", 1, None, 40e9, 14e9),
    ("JPN", "Japan", 1, None, 13e9, 13e9),
)
LABELS = {code: label for code, label, *_ in PARTNERS}
PARTNER_CODES = frozenset(code for code, *_ in PARTNERS)
DIRECTIONS = ("total", "export", "import")
SCALES = {
    ("totals", "USD"): 100_000_000,
    ("totals", "CNY"): 100_000_000,
    ("by_partner", "USD"): 1_000_000,
    ("by_partner", "CNY"): 100_000_000,
}
UNIT_LABELS = {100_000_000: "{} 100 Million", 1_000_000: "{} 1 Million"}


def periods(first: str = "2024-01..02", last: str = "2025-06") -> list[Period]:
    result = [Period.parse(first)]
    while result[-1] < Period.parse(last):
        p = result[-1]
        result.append(
            Period.jan_feb(p.year + 1) if p.last_month == 12 else Period.month(p.year, p.last_month + 1)
        )
    return result


PERIODS = periods()


def month_value(code: str, direction: str, year: int, month: int, currency: str = "USD") -> float:
    """The true (unrounded) monthly value in whole currency units."""
    _, _, _, _, exports, imports = next(p for p in PARTNERS if p[0] == code)
    base = {"export": exports, "import": imports, "total": exports + imports}[direction]
    usd = base * GROWTH ** (year - 2024) * (1 + 0.002 * month)
    return usd * RATE if currency == "CNY" else usd


def period_value(code: str, direction: str, period: Period, currency: str = "USD") -> float:
    return sum(
        month_value(code, direction, period.year, m, currency)
        for m in range(period.first_month, period.last_month + 1)
    )


def ytd_value(code: str, direction: str, period: Period, currency: str = "USD") -> float:
    return sum(
        month_value(code, direction, period.year, m, currency) for m in range(1, period.last_month + 1)
    )


def release_id(period: Period) -> str:
    return f"preliminary:{period.key}:{published_on(period).isoformat()}"


def published_on(period: Period) -> date:
    return (
        date(period.year + 1, 1, 13)
        if period.last_month == 12
        else date(period.year, period.last_month + 1, 13)
    )


def _figure(amount: float, scale: int) -> tuple[float, int]:
    figure = round(amount / scale, 1)
    return figure, round(figure * scale)


def _pct(this: float, last: float) -> float:
    return round((this / last - 1) * 100, 1)


def _staging_file(period: Period, table_id: str, currency: str) -> list[dict[str, Any]]:
    scale = SCALES[(table_id, currency)]
    sha = hashlib.sha256(f"{period.key}/{table_id}/{currency}".encode()).hexdigest()
    number = 1 if table_id == "totals" else 4
    title = f"({number}) China's Total Export & Import Values{' by Country/Region' if number == 4 else ''}, {period.key} (in {currency})"
    common = {
        "release_id": release_id(period),
        "product": "preliminary",
        "source_sha256": sha,
        "parser_version": "test",
        "table_id": table_id,
        "printed_number": number,
        "title": title,
        "currency": currency,
        "unit_label": UNIT_LABELS[scale].format(currency),
        "scale": scale,
        "period": period.key,
        "months_covered": period.months_covered,
        "published_on": published_on(period),
        "quantity_unit": None,
        "figure_period": period.key,
        "is_restatement": False,
        "is_aggregate": False,
        "quantity_unit_pending": False,
    }
    rows: list[dict[str, Any]] = []
    earlier = period.year_earlier()

    def add(
        row_number: int, label: str, as_published: str, indent: int, parent: str | None, cells: list[tuple]
    ) -> None:
        for column, (measure, span, direction, figure, amount) in enumerate(cells, start=2):
            rows.append(
                {
                    **common,
                    "row_number": row_number,
                    "label": label,
                    "label_as_published": as_published,
                    "indent_level": indent,
                    "parent_label": parent,
                    "column_number": column,
                    "measure": measure,
                    "span": span,
                    "direction": direction,
                    "figure_as_published": figure,
                    "amount_whole_units": amount,
                }
            )

    if table_id == "totals":
        for row_number, (label, direction) in enumerate(
            (
                ("Export & Import", "total"),
                ("Export", "export"),
                ("Import", "import"),
                ("Balance", "balance"),
            ),
            start=1,
        ):

            def value(p: Period, kind: str, d: str = direction) -> float:
                fn = period_value if kind == "month" else ytd_value
                if d == "balance":
                    return fn("WLD", "export", p, currency) - fn("WLD", "import", p, currency)
                return fn("WLD", d, p, currency)

            cells: list[tuple] = []
            if not period.is_combined:
                this = value(period, "month")
                cells.append(("value", "month", direction, *_figure(this, scale)))
                previous = (
                    Period.month(period.year, period.first_month - 1)
                    if period.first_month > 3
                    else Period.jan_feb(period.year)
                )
                mom = (
                    None
                    if direction == "balance"
                    else _pct(
                        this / period.months_covered, value(previous, "month") / previous.months_covered
                    )
                )
                yoy = None if direction == "balance" else _pct(this, value(earlier, "month"))
                cells.append(("mom_pct", "month", direction, mom, None))
                cells.append(("yoy_pct", "month", direction, yoy, None))
            ytd = value(period, "ytd")
            cells.append(("value", "ytd", direction, *_figure(ytd, scale)))
            cells.append(
                (
                    "yoy_pct",
                    "ytd",
                    direction,
                    None if direction == "balance" else _pct(ytd, value(earlier, "ytd")),
                    None,
                )
            )
            add(row_number, label, label, 0, None, cells)
    else:
        first_member: set[str] = set()
        for row_number, (code, label, indent, parent, *_) in enumerate(PARTNERS, start=1):
            cells = []
            for direction in DIRECTIONS:
                if not period.is_combined:
                    cells.append(
                        (
                            "value",
                            "month",
                            direction,
                            *_figure(period_value(code, direction, period, currency), scale),
                        )
                    )
                cells.append(
                    ("value", "ytd", direction, *_figure(ytd_value(code, direction, period, currency), scale))
                )
            for direction in DIRECTIONS:
                yoy = _pct(
                    ytd_value(code, direction, period, currency),
                    ytd_value(code, direction, earlier, currency),
                )
                cells.append(("yoy_pct", "ytd", direction, yoy, None))
            as_published = label
            if parent is not None and parent not in first_member:
                first_member.add(parent)
                as_published = f"of which: {label}"
            add(row_number, label, "\xa0" * (2 + 5 * indent) + as_published, indent, parent, cells)
    return rows


def staging_preliminary(period_list: list[Period] | None = None) -> pl.DataFrame:
    rows = [
        row
        for period in period_list or PERIODS
        for table_id in ("totals", "by_partner")
        for currency in ("USD", "CNY")
        for row in _staging_file(period, table_id, currency)
    ]
    return STG_PRELIMINARY.conform(pl.DataFrame(rows, schema=STG_PRELIMINARY.polars_schema()))


def staging_online_query() -> pl.DataFrame:
    rows = [
        {
            "release_id": "online_query:abc123def456",
            "product": "online_query",
            "source_sha256": "ab" * 32,
            "parser_version": "test",
            "currency": "USD",
            "direction": "import",
            "period": period,
            "partner_code_gacc": code,
            "partner_name_zh": name,
            "hs_code": "12019020",
            "commodity_name": "大豆",
            "quantity_1": 1000.0,
            "quantity_1_unit": "千克",
            "quantity_2": None,
            "quantity_2_unit": None,
            "amount_whole_units": amount,
        }
        for period, code, name, amount in (
            ("2025-05", "502", "美国", 900_000),
            ("2025-05", "410", "巴西", 2_500_000),
        )
    ]
    return STG_ONLINE_QUERY.conform(pl.DataFrame(rows, schema=STG_ONLINE_QUERY.polars_schema()))


def _fact_amounts(code: str, direction: str, period: Period, currency: str) -> tuple[int, int]:
    """(period value, January-to-month value) in whole units as the printed figures give them."""
    scale = SCALES[("totals" if code == "WLD" else "by_partner", currency)]
    _, month = _figure(period_value(code, direction, period, currency), scale)
    _, ytd = _figure(ytd_value(code, direction, period, currency), scale)
    return month, ytd


def fact_partner_trade(period_list: list[Period] | None = None) -> pl.DataFrame:
    rows = []
    for period in period_list or PERIODS:
        for code, label, *_ in PARTNERS:
            for direction in DIRECTIONS:
                usd, ytd_usd = _fact_amounts(code, direction, period, "USD")
                cny, ytd_cny = _fact_amounts(code, direction, period, "CNY")
                derived_usd = derived_cny = None
                if not period.is_combined:
                    previous = (
                        Period.jan_feb(period.year)
                        if period.first_month == 3
                        else Period.month(period.year, period.first_month - 1)
                    )
                    derived_usd = ytd_usd - _fact_amounts(code, direction, previous, "USD")[1]
                    derived_cny = ytd_cny - _fact_amounts(code, direction, previous, "CNY")[1]
                rows.append(
                    {
                        "release_id": release_id(period),
                        "product": "preliminary",
                        "published_on": published_on(period),
                        "period": period.key,
                        "period_start": period.start,
                        "months_covered": period.months_covered,
                        "partner_code": code,
                        "partner_label": label,
                        "is_group": code in ("WLD", "EU"),
                        "direction": direction,
                        "value_usd": usd,
                        "value_cny": cny,
                        "value_ytd_usd": ytd_usd,
                        "value_ytd_cny": ytd_cny,
                        "value_derived_usd": derived_usd,
                        "value_derived_cny": derived_cny,
                        "revision_residual_usd": None if derived_usd is None else usd - derived_usd,
                        "revision_residual_cny": None if derived_cny is None else cny - derived_cny,
                        "yoy_pct_published_usd": None,
                        "yoy_pct_published_cny": None,
                        "yoy_ytd_pct_published_usd": 5.0,
                        "yoy_ytd_pct_published_cny": 5.0,
                        "mom_pct_published_usd": None,
                        "implied_cny_per_usd": cny / usd,
                        "is_latest_vintage": True,
                        "vintage_source": "preliminary",
                        "value_source": "published",
                    }
                )
    return FACT_PARTNER_TRADE.conform(pl.DataFrame(rows, schema=FACT_PARTNER_TRADE.polars_schema()))


def fact_trade_surplus(partner_trade: pl.DataFrame | None = None) -> pl.DataFrame:
    trade = fact_partner_trade() if partner_trade is None else partner_trade
    wide = trade.filter(pl.col("direction") != "total").pivot(
        on="direction",
        index=["period", "period_start", "months_covered", "partner_code", "is_group", "release_id"],
        values=["value_usd", "value_cny", "value_ytd_usd", "value_ytd_cny"],
    )
    frame = wide.select(
        "period",
        "period_start",
        "months_covered",
        "partner_code",
        "is_group",
        "release_id",
        exports_usd="value_usd_export",
        imports_usd="value_usd_import",
        balance_usd=pl.col("value_usd_export") - pl.col("value_usd_import"),
        exports_cny="value_cny_export",
        imports_cny="value_cny_import",
        balance_cny=pl.col("value_cny_export") - pl.col("value_cny_import"),
        exports_ytd_usd="value_ytd_usd_export",
        imports_ytd_usd="value_ytd_usd_import",
        balance_ytd_usd=pl.col("value_ytd_usd_export") - pl.col("value_ytd_usd_import"),
        exports_ytd_cny="value_ytd_cny_export",
        imports_ytd_cny="value_ytd_cny_import",
        balance_ytd_cny=pl.col("value_ytd_cny_export") - pl.col("value_ytd_cny_import"),
        balance_rolling_12m_usd=pl.lit(None, pl.Int64),
        balance_rolling_12m_cny=pl.lit(None, pl.Int64),
        balance_yoy_change_usd=pl.lit(None, pl.Int64),
        balance_yoy_change_cny=pl.lit(None, pl.Int64),
        exports_yoy_pct=pl.lit(5.0),
        imports_yoy_pct=pl.lit(5.0),
        exports_ytd_yoy_pct=pl.lit(5.0),
        imports_ytd_yoy_pct=pl.lit(5.0),
        share_of_total_balance_pct=pl.lit(None, pl.Float64),
        exports_yoy_source=pl.lit("published"),
        imports_yoy_source=pl.lit("published"),
        exports_ytd_yoy_source=pl.lit("published"),
        imports_ytd_yoy_source=pl.lit("published"),
        value_source=pl.lit("published"),
    )
    return FACT_TRADE_SURPLUS.conform(frame.sort("period", "partner_code"))


def fact_trade_flows() -> pl.DataFrame:
    period = PERIODS[-1]
    rows = [
        {
            "release_id": release_id(period),
            "product": "preliminary",
            "published_on": published_on(period),
            "period": period.key,
            "period_start": period.start,
            "months_covered": 1,
            "direction": direction,
            "commodity_code": code,
            "commodity_name": name,
            "partner_code": "WLD",
            "quantity_unit": "10000T",
            "quantity": 100.0,
            "quantity_ytd": 600.0,
            "value_usd": 1_000_000_000,
            "value_cny": 7_200_000_000,
            "value_ytd_usd": 6_000_000_000,
            "value_ytd_cny": 43_200_000_000,
            "yoy_ytd_pct_published_usd": 3.0,
            "yoy_ytd_pct_published_cny": 3.5,
            "is_aggregate": False,
            "is_restatement": False,
            "is_latest_vintage": True,
            "vintage_source": "preliminary",
        }
        for code, name, direction in (
            ("G_STEEL", "Steel products", "export"),
            ("G_SOYA", "Soya beans", "import"),
        )
    ]
    return FACT_TRADE_FLOWS.conform(pl.DataFrame(rows, schema=FACT_TRADE_FLOWS.polars_schema()))


def dim_partner() -> pl.DataFrame:
    rows = [
        {
            "partner_code": code,
            "gacc_code": None,
            "iso_alpha3": None if code in ("WLD", "EU") else code,
            "partner_name": label,
            "partner_name_zh": None,
            "continent": None,
            "is_group": code in ("WLD", "EU"),
        }
        for code, label, *_ in PARTNERS
    ]
    return DIM_PARTNER.conform(pl.DataFrame(rows, schema=DIM_PARTNER.polars_schema()))


@dataclass
class Inputs:
    """Everything `run_gate` takes, valid; tests replace one frame."""

    staging_preliminary: pl.DataFrame
    staging_online_query: pl.DataFrame
    tables: dict[TableContract, pl.DataFrame]
    partner_codes: set[str]

    def gate_kwargs(self, run_id: str = "test-run") -> dict[str, Any]:
        return {
            "staging_preliminary": self.staging_preliminary,
            "staging_online_query": self.staging_online_query,
            "tables": self.tables,
            "partner_codes": self.partner_codes,
            "run_id": run_id,
            "validated_at": VALIDATED_AT,
        }


VALIDATED_AT = datetime(2025, 7, 20, 8, 0, tzinfo=UTC)


def good_inputs() -> Inputs:
    partner_trade = fact_partner_trade()
    return Inputs(
        staging_preliminary=staging_preliminary(),
        staging_online_query=staging_online_query(),
        tables={
            FACT_PARTNER_TRADE: partner_trade,
            FACT_TRADE_SURPLUS: fact_trade_surplus(partner_trade),
            FACT_TRADE_FLOWS: fact_trade_flows(),
            DIM_PARTNER: dim_partner(),
        },
        partner_codes=set(PARTNER_CODES),
    )


# --- breaking one thing --------------------------------------------------------------------------------


def scale_figures(
    staging: pl.DataFrame,
    *,
    label: str,
    period: str,
    factor: float,
    currency: str | None = None,
    table_id: str = "by_partner",
) -> pl.DataFrame:
    """Multiply a row's value figures (printed and whole units) in one period: a unit slip."""
    hit = (
        (pl.col("label") == label)
        & (pl.col("period") == period)
        & (pl.col("table_id") == table_id)
        & (pl.col("measure") == "value")
    )
    if currency is not None:
        hit &= pl.col("currency") == currency
    return staging.with_columns(
        figure_as_published=pl.when(hit)
        .then(pl.col("figure_as_published") * factor)
        .otherwise(pl.col("figure_as_published")),
        amount_whole_units=pl.when(hit)
        .then((pl.col("amount_whole_units") * factor).round().cast(pl.Int64))
        .otherwise(pl.col("amount_whole_units")),
    )


def set_figure(staging: pl.DataFrame, condition: pl.Expr, figure: float) -> pl.DataFrame:
    """Set the printed figure (and its whole units) of the cells matching `condition`."""
    return staging.with_columns(
        figure_as_published=pl.when(condition).then(pl.lit(figure)).otherwise(pl.col("figure_as_published")),
        amount_whole_units=pl.when(condition & pl.col("amount_whole_units").is_not_null())
        .then((pl.lit(figure) * pl.col("scale")).round().cast(pl.Int64))
        .otherwise(pl.col("amount_whole_units")),
    )


def cell(
    *,
    table_id: str,
    period: str,
    currency: str,
    label: str,
    direction: str,
    span: str,
    measure: str = "value",
) -> pl.Expr:
    return (
        (pl.col("table_id") == table_id)
        & (pl.col("period") == period)
        & (pl.col("currency") == currency)
        & (pl.col("label") == label)
        & (pl.col("direction") == direction)
        & (pl.col("span") == span)
        & (pl.col("measure") == measure)
    )


def figure_of(staging: pl.DataFrame, condition: pl.Expr) -> float:
    values = staging.filter(condition).get_column("figure_as_published").to_list()
    assert len(values) == 1, values
    return float(values[0])
