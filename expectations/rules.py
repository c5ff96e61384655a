"""Business rules as Great Expectations checks: arithmetic identities and plausibility of the figures.

Each rule is a function that prepares a small frame from the polars inputs, one row per comparison
(the figures compared, the deviation, and the tolerance the source's rounding allows), plus one GX
expectation on it. The expectation is a named subclass of a GX built-in, so results and Data Docs say
`expect_total_to_equal_export_plus_import`, not a generic column check:

- tolerance rules use `ExpectColumnPairValuesAToBeGreaterThanB(column_A="tolerance",
  column_B="deviation", or_equal=True)`: a row passes where its deviation is within its own tolerance;
- `implied_rate_plausible` is `ExpectColumnValuesToBeBetween` on the implied rate;
- `no_missing_periods` is `ExpectColumnValuesToNotBeNull` on the release of each expected period.

Rows that cannot be compared (a figure printed `-`, the year-earlier period not loaded) are left out
of the prepared frame: they are not checked, rather than failed.

Values compared across periods (y/y, year-to-date, outliers, gaps) use the latest vintage of each
(table, currency, period): an older vintage is superseded, not a second observation.

The rules, their tables, severities, GX classes and parameters are declared once, in `RULES` at the
end. `Rule.offending_rows` states each expectation's condition in polars from the same declaration,
so a rule is tested on a literal frame without GX (the gate itself runs GX).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from domain.partners import WORLD_CODE
from domain.periods import Period
from expectations.checks import CRITICAL, WARNING, Check, ExpectationSpec, Severity
from expectations.parameters import (
    BALANCE_TOLERANCE,
    BULLETIN_HALF_UNIT,
    BULLETIN_REVISION_SHARE,
    EI_TOLERANCE,
    FACT_PARTNER_WORLD_SHARE,
    HALF_STEP,
    IMPLIED_RATE_MAX,
    IMPLIED_RATE_MIN,
    MAD_CAP,
    MAD_FLOOR,
    MAD_SCALE,
    MEMBERS_MARGIN,
    OUTLIER_K,
    PARTNER_WORLD_TOLERANCE,
    RESIDUAL_SHARE,
    TRADE_MODE_SUM_MARGIN,
    WORLD_TOLERANCE_UNITS,
    YOY_TOLERANCE_PP,
    YTD_REVISION_SHARE,
    Parameter,
)
from transforms.partners import normalise_label_expr
from transforms.periods import (
    period_first_month,
    period_last_month,
    period_months_covered,
    period_year,
    year_earlier_key,
)
from warehouse import reference
from warehouse.contracts import TableContract
from warehouse.fields import PERIOD_PATTERN
from warehouse.tables import FACT_PARTNER_TRADE, FACT_TRADE_MODE, FACT_TRADE_SURPLUS, STG_PRELIMINARY

# The printed unit of fact_partner_trade's rows (their table's scale): the World comes from table (1),
# in 100 million of either currency; partners from table (4), in USD 1 million or CNY 100 million.
_PUBLISHED_UNIT: Mapping[tuple[str, bool], float] = {
    ("usd", True): 1e8,
    ("usd", False): 1e6,
    ("cny", True): 1e8,
    ("cny", False): 1e8,
}

_FLOW_DIRECTIONS = ("total", "export", "import")
_PARTNER_TABLES = ("totals", "by_partner")
_TRADE_MODE_TABLES = ("trade_mode_month", "trade_mode_ytd")
_TOTAL_TRADE_MODE = "TOTAL"
_BULLETIN_REGIME_TABLE = "bulletin_trade_mode"
# The printed unit of tables (2)/(3) (100 million of either currency): the preliminary trade-mode figures.
_TRADE_MODE_PUBLISHED_UNIT = 1e8


# --- shared building blocks ----------------------------------------------------------------------------


def _label_key(column: str = "label") -> pl.Expr:
    return normalise_label_expr(column)


def _is_world_row() -> pl.Expr:
    """Table (4)'s World row: `Total` at the top level."""
    return (_label_key() == "total") & (pl.col("indent_level") == 0)


def _values(staging: pl.DataFrame, tables: tuple[str, ...] | None = None) -> pl.DataFrame:
    """Value figures (not quantities or percentages) that were printed (not '-'), of the table's own
    period: a restated prior-year cell of tables (5)/(6) is another period's figure."""
    condition = (pl.col("measure") == "value") & pl.col("figure_as_published").is_not_null()
    if "is_restatement" in staging.columns:
        condition &= ~pl.col("is_restatement")
    if tables is not None:
        condition &= pl.col("table_id").is_in(list(tables))
    return staging.filter(condition)


def latest_vintage(staging: pl.DataFrame) -> pl.DataFrame:
    """Rows of the newest release of each (table, currency, period): later vintages supersede earlier.

    Newest = latest publication date, then the latest same-day re-post (`+r2`, ..., `+r10`: by length,
    then text, so `+r10` follows `+r9`).
    """
    key = ["table_id", "currency", "period"]
    newest = (
        staging.select(*key, "release_id", "published_on")
        .unique()
        .sort("published_on", pl.col("release_id").str.len_chars(), "release_id", nulls_last=False)
        .group_by(key, maintain_order=True)
        .last()
        .select(*key, "release_id")
    )
    return staging.join(newest, on=[*key, "release_id"], how="semi")


def _period_ordinal(period: pl.Expr) -> pl.Expr:
    """Months since year 0 of a period's last month: consecutive periods differ by their months."""
    return period_year(period) * 12 + period_last_month(period)


# --- rules on staging ------------------------------------------------------------------------------------


def ei_equals_export_plus_import(staging: pl.DataFrame) -> pl.DataFrame:
    """Export & Import = Export + Import, per printed row and span, in tables (1) and (4).

    Table (4) prints the three flows side by side in one row; table (1) prints them as three rows, so
    its rows are grouped per file and span. A flow printed '-' counts as 0 (no trade) as long as the
    E&I figure and one flow are printed.
    """
    cells = _values(staging, _PARTNER_TABLES).filter(pl.col("direction").is_in(_FLOW_DIRECTIONS))
    row_key = (
        pl.when(pl.col("table_id") == "by_partner").then(pl.col("row_number")).otherwise(0).alias("_row")
    )
    figure = pl.col("figure_as_published")
    wide = (
        cells.with_columns(row_key)
        .group_by("release_id", "source_sha256", "table_id", "currency", "period", "span", "_row")
        .agg(
            label=pl.col("label").filter(pl.col("direction") == "total").first(),
            row_number=pl.col("row_number").filter(pl.col("direction") == "total").first(),
            e_and_i=figure.filter(pl.col("direction") == "total").first(),
            export=figure.filter(pl.col("direction") == "export").first(),
            import_=figure.filter(pl.col("direction") == "import").first(),
        )
        .rename({"import_": "import"})
        .filter(
            pl.col("e_and_i").is_not_null()
            & (pl.col("export").is_not_null() | pl.col("import").is_not_null())
        )
        .with_columns(
            difference=pl.col("e_and_i") - (pl.col("export").fill_null(0.0) + pl.col("import").fill_null(0.0))
        )
        .select(
            "release_id",
            "period",
            "table_id",
            "currency",
            "span",
            "label",
            "row_number",
            "e_and_i",
            "export",
            "import",
            "difference",
            deviation=pl.col("difference").abs(),
            tolerance=pl.lit(EI_TOLERANCE.value),
        )
        .sort("period", "table_id", "currency", "row_number", "span")
    )
    return wide


def _table1_totals(values: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    """Table (1)'s figures by `key`, named for the rules that hold another table's total against them."""
    return values.filter(pl.col("table_id") == "totals").select(
        *key,
        totals_release_id=pl.col("release_id"),
        table1_value=pl.col("amount_whole_units"),
        table1_scale=pl.col("scale"),
    )


def world_equals_table1_total(staging: pl.DataFrame) -> pl.DataFrame:
    """Table (4)'s Total row equals table (1)'s value (latest vintage of each table and period)."""
    values = latest_vintage(_values(staging, _PARTNER_TABLES)).filter(
        pl.col("direction").is_in(_FLOW_DIRECTIONS)
    )
    key = ["period", "currency", "span", "direction"]
    by_partner = values.filter((pl.col("table_id") == "by_partner") & _is_world_row()).select(
        *key,
        "release_id",
        table4_total=pl.col("amount_whole_units"),
        table4_scale=pl.col("scale"),
    )
    totals = _table1_totals(values, key)
    joined = (
        by_partner.join(totals, on=key, how="inner")
        .filter(pl.col("table4_total").is_not_null() & pl.col("table1_value").is_not_null())
        .with_columns(difference=(pl.col("table4_total") - pl.col("table1_value")).cast(pl.Float64))
        .select(
            "release_id",
            "totals_release_id",
            *key,
            "table4_total",
            "table1_value",
            "difference",
            deviation=pl.col("difference").abs(),
            tolerance=WORLD_TOLERANCE_UNITS.value
            * pl.max_horizontal("table4_scale", "table1_scale").cast(pl.Float64),
        )
        .sort(key)
    )
    return joined


def _trade_mode_values(staging: pl.DataFrame) -> pl.DataFrame:
    values = _values(staging, _TRADE_MODE_TABLES)
    if "trade_mode_code" not in values.columns:
        return values.with_columns(trade_mode_code=pl.lit(None, dtype=pl.String))
    return values


def _regimes_against_total(values: pl.DataFrame, half_unit: float, margin: float) -> pl.DataFrame:
    """The regimes of each printed column (file, direction, span) summed against its TOTAL row.

    Rows that sum other rows (the Total, 'Processing trade', 'Bonded logistics': is_aggregate in
    reference/trade_modes.csv) are not added; a regime printed '-' counts as 0. Tolerance: `half_unit`
    per printed figure (the regimes and the total), plus `margin`, in printed units.
    """
    aggregates = reference.load_trade_modes().filter(pl.col("is_aggregate"))["trade_mode_code"].to_list()
    values = values.filter(pl.col("trade_mode_code").is_not_null())
    column_key = ["release_id", "source_sha256", "table_id", "currency", "period", "span", "direction"]
    regimes = (
        values.filter(~pl.col("trade_mode_code").is_in(aggregates))
        .group_by(column_key)
        .agg(regimes_sum=pl.col("figure_as_published").sum(), n_regimes=pl.len())
    )
    totals = values.filter(pl.col("trade_mode_code") == _TOTAL_TRADE_MODE).select(
        *column_key, total=pl.col("figure_as_published")
    )
    return (
        totals.join(regimes, on=column_key, how="inner")
        .with_columns(difference=pl.col("regimes_sum") - pl.col("total"))
        .select(
            "release_id",
            "period",
            "table_id",
            "currency",
            "direction",
            "span",
            "total",
            "regimes_sum",
            "difference",
            deviation=pl.col("difference").abs(),
            tolerance=half_unit * (pl.col("n_regimes") + 1).cast(pl.Float64) + margin,
        )
        .sort("period", "table_id", "currency", "direction", "span")
    )


def trade_modes_sum_to_total(staging: pl.DataFrame) -> pl.DataFrame:
    """Tables (2)/(3): the regimes sum to the Total Value row, per file, direction and span (one printed
    rounding of 0.1 per regime and for the total, plus a margin)."""
    return _regimes_against_total(_trade_mode_values(staging), HALF_STEP.value, TRADE_MODE_SUM_MARGIN.value)


def bulletin_regimes_sum_to_total(staging: pl.DataFrame) -> pl.DataFrame:
    """The Monthly Bulletin's customs regimes sum to its TOTAL row (China's total), per page, flow and
    span, within half a printed unit (US$1,000, CNY 10,000) per figure: the Bulletin prints whole units."""
    values = _values(staging, (_BULLETIN_REGIME_TABLE,))
    if "trade_mode_code" not in values.columns:
        values = values.with_columns(trade_mode_code=pl.lit(None, dtype=pl.String))
    return _regimes_against_total(values, BULLETIN_HALF_UNIT.value, 0.0)


def trade_mode_total_equals_table1(staging: pl.DataFrame) -> pl.DataFrame:
    """The Total Value of tables (2)/(3) equals table (1)'s value (latest vintage of each table and period).

    Table (2) is the month, table (3) January to the month; for a period that starts in January (the
    Jan-Feb release) the month and the cumulative are one figure, compared as the cumulative.
    """
    values = latest_vintage(
        pl.concat([_trade_mode_values(staging), _values(staging, ("totals",))], how="diagonal_relaxed")
    ).filter(pl.col("direction").is_in(_FLOW_DIRECTIONS))
    values = values.with_columns(
        _span=pl.when(period_first_month("period") == 1).then(pl.lit("ytd")).otherwise(pl.col("span"))
    )
    key = ["period", "currency", "_span", "direction"]
    trade_mode = values.filter(
        pl.col("table_id").is_in(_TRADE_MODE_TABLES) & (pl.col("trade_mode_code") == _TOTAL_TRADE_MODE)
    ).select(
        *key,
        "release_id",
        "table_id",
        trade_mode_total=pl.col("amount_whole_units"),
        trade_mode_scale=pl.col("scale"),
    )
    totals = _table1_totals(values, key)
    return (
        trade_mode.join(totals, on=key, how="inner")
        .filter(pl.col("trade_mode_total").is_not_null() & pl.col("table1_value").is_not_null())
        .with_columns(difference=(pl.col("trade_mode_total") - pl.col("table1_value")).cast(pl.Float64))
        .select(
            "release_id",
            "totals_release_id",
            "table_id",
            "period",
            "currency",
            pl.col("_span").alias("span"),
            "direction",
            "trade_mode_total",
            "table1_value",
            "difference",
            deviation=pl.col("difference").abs(),
            tolerance=WORLD_TOLERANCE_UNITS.value
            * pl.max_horizontal("trade_mode_scale", "table1_scale").cast(pl.Float64),
        )
        .sort("period", "table_id", "currency", "direction", "span")
    )


def members_not_above_group(staging: pl.DataFrame) -> pl.DataFrame:
    """Members listed under a group ('of which' rows, parent_label = group) sum to at most the group.

    Per printed column of one file: period, currency, direction and span. GACC's 'of which' always
    lists a part of the row above, in every table, so every table's value columns are checked.
    """
    values = _values(staging)
    column_key = ["source_sha256", "span", "direction"]
    members = (
        values.filter(pl.col("parent_label").is_not_null())
        .with_columns(_group_key=_label_key("parent_label"))
        .group_by("release_id", "table_id", "currency", "period", *column_key, "_group_key")
        .agg(
            members_sum=pl.col("figure_as_published").sum(),
            n_members=pl.len(),
            members=pl.col("label").sort_by("row_number").str.join(", "),
        )
    )
    groups = (
        values.with_columns(_group_key=_label_key())
        .sort("row_number")
        .unique([*column_key, "_group_key"], keep="first", maintain_order=True)
        .select(*column_key, "_group_key", group=pl.col("label"), group_value=pl.col("figure_as_published"))
    )
    joined = (
        members.join(groups, on=[*column_key, "_group_key"], how="inner")
        .select(
            "release_id",
            "period",
            "table_id",
            "currency",
            "direction",
            "span",
            "group",
            "group_value",
            "members_sum",
            "members",
            deviation=pl.col("members_sum") - pl.col("group_value"),
            # One printed rounding per member and for the group, plus a margin.
            tolerance=HALF_STEP.value * (pl.col("n_members") + 1).cast(pl.Float64) + MEMBERS_MARGIN.value,
        )
        .sort("period", "table_id", "currency", "group", "direction", "span")
    )
    return joined


def no_partner_above_world(staging: pl.DataFrame) -> pl.DataFrame:
    """No partner or group row of table (4) exceeds the World row of the same printed column."""
    values = _values(staging, ("by_partner",)).filter(pl.col("direction").is_in(_FLOW_DIRECTIONS))
    column_key = ["source_sha256", "span", "direction"]
    world = (
        values.filter(_is_world_row())
        .unique(column_key, keep="first")
        .select(*column_key, world_value=pl.col("figure_as_published"))
    )
    joined = (
        values.filter(~_is_world_row())
        .join(world, on=column_key, how="inner")
        .select(
            "release_id",
            "period",
            "currency",
            "label",
            "direction",
            "span",
            value=pl.col("figure_as_published"),
            world_value=pl.col("world_value"),
            deviation=pl.col("figure_as_published") - pl.col("world_value"),
            tolerance=pl.lit(PARTNER_WORLD_TOLERANCE.value),
        )
        .sort("period", "currency", "label", "direction", "span")
    )
    return joined


def yoy_agrees_with_levels(staging: pl.DataFrame) -> pl.DataFrame:
    """The published y/y % agrees with the y/y computed from this and the year-earlier published value.

    Same table, currency, label, direction and span; the year-earlier value must be in staging (else
    the row is not checked). Tolerance: 0.15 pp for the rounding of the rate, plus the relative rounding
    of the two levels (half a printed step of each, over its value). Critical for the World total
    (table (1), and table (4)'s Total row), a warning for partners, whose year-earlier values GACC
    revises more than its own rounding.
    """
    latest = latest_vintage(staging.filter(pl.col("table_id").is_in(_PARTNER_TABLES))).filter(
        pl.col("direction").is_in(_FLOW_DIRECTIONS)
    )
    key = ["table_id", "currency", "_label_key", "direction", "span"]
    levels = (
        _values(latest)
        .with_columns(_label_key=_label_key())
        .filter(pl.col("amount_whole_units") > 0)
        .unique([*key, "period"], keep="first")
        .select(
            *key,
            "period",
            amount=pl.col("amount_whole_units").cast(pl.Float64),
            scale=pl.col("scale").cast(pl.Float64),
        )
    )
    rates = (
        latest.filter((pl.col("measure") == "yoy_pct") & pl.col("figure_as_published").is_not_null())
        .with_columns(_label_key=_label_key(), is_world=(pl.col("table_id") == "totals") | _is_world_row())
        .select(
            *key, "release_id", "period", "label", "is_world", published_yoy_pct=pl.col("figure_as_published")
        )
        .with_columns(year_earlier=year_earlier_key("period"))
    )
    earlier = levels.rename(
        {"period": "year_earlier", "amount": "year_earlier_value", "scale": "year_earlier_scale"}
    )
    joined = (
        rates.join(levels.rename({"amount": "value"}), on=[*key, "period"], how="inner")
        .join(earlier, on=[*key, "year_earlier"], how="inner")
        .with_columns(computed_yoy_pct=(pl.col("value") / pl.col("year_earlier_value") - 1.0) * 100.0)
        .with_columns(
            difference=pl.col("published_yoy_pct") - pl.col("computed_yoy_pct"),
            tolerance=YOY_TOLERANCE_PP.value
            + 100.0
            * (pl.col("value") / pl.col("year_earlier_value"))
            * (
                HALF_STEP.value * pl.col("scale") / pl.col("value")
                + HALF_STEP.value * pl.col("year_earlier_scale") / pl.col("year_earlier_value")
            ),
        )
        .select(
            "release_id",
            "period",
            "year_earlier",
            "table_id",
            "currency",
            "label",
            "direction",
            "span",
            "value",
            "year_earlier_value",
            "published_yoy_pct",
            "computed_yoy_pct",
            "difference",
            "tolerance",
            deviation_world=pl.when(pl.col("is_world")).then(pl.col("difference").abs()),
            deviation_partners=pl.when(~pl.col("is_world")).then(pl.col("difference").abs()),
        )
        .sort("period", "table_id", "currency", "label", "direction", "span")
    )
    return joined


def ytd_non_decreasing(staging: pl.DataFrame) -> pl.DataFrame:
    """Within a year, a series' January-to-month value does not fall from one loaded period to the next.

    Series: table, currency, label, direction (not the balance, which may fall), value figures of span
    ytd. A fall up to 0.5% of the earlier value (GACC's revisions) plus one printed step is allowed.
    A fall charges both releases: the earlier value may be the wrong one.
    """
    series = ["table_id", "currency", "_label_key", "direction", "_year"]
    rows = (
        latest_vintage(_values(staging))
        .filter(
            (pl.col("span") == "ytd")
            & (pl.col("direction") != "balance")
            & pl.col("amount_whole_units").is_not_null()
        )
        .with_columns(
            _label_key=_label_key(), _year=period_year("period"), _ordinal=_period_ordinal(pl.col("period"))
        )
        .unique([*series, "period"], keep="first")
        .sort(*series, "_ordinal")
        .with_columns(
            previous_period=pl.col("period").shift(1).over(series),
            previous_release_id=pl.col("release_id").shift(1).over(series),
            previous_value=pl.col("amount_whole_units").shift(1).over(series),
        )
        .filter(pl.col("previous_value").is_not_null())
        .select(
            "release_id",
            "period",
            "previous_release_id",
            "previous_period",
            "table_id",
            "currency",
            "label",
            "direction",
            value=pl.col("amount_whole_units"),
            previous_value=pl.col("previous_value"),
            deviation=(pl.col("previous_value") - pl.col("amount_whole_units")).cast(pl.Float64),
            tolerance=YTD_REVISION_SHARE.value * pl.col("previous_value").cast(pl.Float64)
            + 2 * HALF_STEP.value * pl.col("scale").cast(pl.Float64),
        )
        .sort("period", "table_id", "currency", "label", "direction")
    )
    return rows


def _expected_periods(first: Period, last: Period) -> list[Period]:
    """Every period from first to last as the preliminary release publishes them: Jan-Feb as one."""
    periods = [first]
    while periods[-1] < last:
        p = periods[-1]
        if p.last_month == 12:
            periods.append(Period.jan_feb(p.year + 1))
        else:
            periods.append(Period.month(p.year, p.last_month + 1))
    return periods


def _gap_frame(loaded: pl.DataFrame, series: list[str]) -> pl.DataFrame:
    """One row per (series, expected period) with the loaded release, null where the period is missing.

    `loaded`: the series columns, `period` and `release_id` (one row per loaded period).
    """
    expected_rows: list[dict[str, Any]] = []
    for keys, group in loaded.group_by(series, maintain_order=True):
        periods = sorted(Period.parse(p) for p in group.get_column("period").unique().to_list())
        for p in _expected_periods(periods[0], periods[-1]):
            expected_rows.append(
                {
                    **dict(zip(series, keys, strict=True)),
                    "period": p.key,
                    "_ordinal": p.year * 12 + p.last_month,
                }
            )
    schema = {**{c: loaded.schema[c] for c in series}, "period": pl.String(), "_ordinal": pl.Int64()}
    expected = pl.DataFrame(expected_rows, schema=schema)
    return (
        expected.join(loaded.select(*series, "period", "release_id"), on=[*series, "period"], how="left")
        .sort(*series, "_ordinal")
        .with_columns(loaded=pl.col("release_id").is_not_null())
        .drop("_ordinal")
    )


def no_missing_periods(staging: pl.DataFrame) -> pl.DataFrame:
    """Every (table, currency) series of staging has every period from its first to its last.

    Table (2) is of a single month: the Jan-Feb period has none (its `1-to-2` trade modes are
    January-to-month, table (3)'s), so that series is not expected to have it. The preliminary
    release's periods only: the Monthly Bulletin's are single months (February alone, January never
    printed), and its completeness is a check of its own (issue 12, the gate).
    """
    series = ["table_id", "currency"]
    loaded = (
        latest_vintage(staging.filter(~pl.col("table_id").str.starts_with("bulletin_")))
        .select(*series, "period", "release_id")
        .unique([*series, "period"], keep="first")
    )
    gaps = _gap_frame(loaded, series)
    month_only = (pl.col("table_id") == "trade_mode_month") & (period_months_covered("period") > 1)
    return gaps.filter(~month_only | pl.col("loaded"))


def _log_changes(points: pl.DataFrame, series: list[str]) -> pl.DataFrame:
    """Month-on-month and y/y log changes of per-month values, with each series' robust statistics.

    `points`: series columns, `release_id`, `period`, `value` (the period's value divided by the months
    it covers, so the Jan-Feb period compares with single months).
    """
    points = points.filter(pl.col("value") > 0).with_columns(_ordinal=_period_ordinal(pl.col("period")))
    lookup = points.select(
        *series,
        previous_period=pl.col("period"),
        previous_value=pl.col("value"),
        _previous_ordinal=pl.col("_ordinal"),
    )
    # The period just before ends the month before this one starts: Jan-Feb follows December.
    mom = (
        points.with_columns(_previous_ordinal=pl.col("_ordinal") - period_months_covered("period"))
        .join(lookup, on=[*series, "_previous_ordinal"], how="inner")
        .with_columns(kind=pl.lit("mom"))
    )
    yoy = (
        points.with_columns(previous_period=year_earlier_key("period"))
        .join(lookup.drop("_previous_ordinal"), on=[*series, "previous_period"], how="inner")
        .with_columns(kind=pl.lit("yoy"))
    )
    columns = [*series, "release_id", "period", "kind", "previous_period", "value", "previous_value"]
    changes = pl.concat([mom.select(columns), yoy.select(columns)]).with_columns(
        log_change=(pl.col("value") / pl.col("previous_value")).log()
    )
    by = [*series, "kind"]
    mad_scaled = (
        (pl.col("log_change") - pl.col("log_change").median().over(by)).abs().median().over(by)
        * MAD_SCALE.value
    ).clip(MAD_FLOOR.value, MAD_CAP.value)
    return (
        changes.with_columns(median_log_change=pl.col("log_change").median().over(by), scaled_mad=mad_scaled)
        .with_columns(
            deviation=(pl.col("log_change") - pl.col("median_log_change")).abs(),
            tolerance=OUTLIER_K.value * pl.col("scaled_mad"),
        )
        .sort(*series, "kind", "period")
    )


def no_outlier_moves(staging: pl.DataFrame) -> pl.DataFrame:
    """Moves of a series far outside its usual moves (robust MAD rule on log changes): warnings.

    Series: tables (1) and (4), per currency, label and flow. The value of a period is its month value,
    or for the Jan-Feb period its January-to-month value (the period itself), per month covered.
    """
    series = ["table_id", "currency", "label", "direction"]
    values = (
        latest_vintage(_values(staging, _PARTNER_TABLES))
        .filter(pl.col("direction").is_in(_FLOW_DIRECTIONS) & pl.col("amount_whole_units").is_not_null())
        .filter(
            pl.when(pl.col("months_covered") > 1)
            .then(pl.col("span") == "ytd")
            .otherwise(pl.col("span") == "month")
        )
        .with_columns(
            value=pl.col("amount_whole_units").cast(pl.Float64) / pl.col("months_covered").cast(pl.Float64)
        )
        .unique([*series, "period"], keep="first")
        .select(*series, "release_id", "period", "value")
    )
    return _log_changes(values, series)


# --- rules on core facts -------------------------------------------------------------------------------


def balance_is_exports_minus_imports(surplus: pl.DataFrame) -> pl.DataFrame:
    """balance = exports - imports in core.fact_trade_surplus: USD and CNY, period and year to date."""
    parts = []
    for currency in ("usd", "cny"):
        for span, infix in (("month", ""), ("ytd", "_ytd")):
            exports, imports, balance = (
                f"{what}{infix}_{currency}" for what in ("exports", "imports", "balance")
            )
            parts.append(
                surplus.select(
                    "release_id",
                    "period",
                    "partner_code",
                    currency=pl.lit(currency.upper()),
                    span=pl.lit(span),
                    exports=pl.col(exports),
                    imports=pl.col(imports),
                    balance=pl.col(balance),
                )
            )
    return (
        pl.concat(parts)
        .drop_nulls(["exports", "imports", "balance"])
        .with_columns(
            difference=(pl.col("balance") - (pl.col("exports") - pl.col("imports"))).cast(pl.Float64)
        )
        .with_columns(deviation=pl.col("difference").abs(), tolerance=pl.lit(BALANCE_TOLERANCE.value))
        .sort("period", "partner_code", "currency", "span")
    )


def no_partner_above_world_fact(partner_trade: pl.DataFrame) -> pl.DataFrame:
    """No partner value in core.fact_partner_trade exceeds the World (WLD) value of the same release."""
    key = ["release_id", "period", "direction"]
    parts = []
    for measure in ("value_usd", "value_cny", "value_ytd_usd", "value_ytd_cny"):
        world = partner_trade.filter(pl.col("partner_code") == WORLD_CODE).select(
            *key, world_value=pl.col(measure)
        )
        parts.append(
            partner_trade.filter(pl.col("partner_code") != WORLD_CODE)
            .join(world, on=key, how="inner")
            .select(
                *key,
                "partner_code",
                measure=pl.lit(measure),
                value=pl.col(measure),
                world_value="world_value",
            )
        )
    return (
        pl.concat(parts)
        .drop_nulls(["value", "world_value"])
        .with_columns(
            deviation=(pl.col("value") - pl.col("world_value")).cast(pl.Float64),
            tolerance=FACT_PARTNER_WORLD_SHARE.value * pl.col("world_value").cast(pl.Float64),
        )
        .sort("period", "partner_code", "direction", "measure")
    )


def derived_month_matches_published(partner_trade: pl.DataFrame) -> pl.DataFrame:
    """|revision_residual| <= max(1% of the value, one printed unit), per currency: warnings."""
    parts = []
    for currency in ("usd", "cny"):
        is_world = pl.col("partner_code") == WORLD_CODE
        unit = (
            pl.when(is_world)
            .then(_PUBLISHED_UNIT[(currency, True)])
            .otherwise(_PUBLISHED_UNIT[(currency, False)])
        )
        parts.append(
            partner_trade.select(
                "release_id",
                "period",
                "partner_code",
                "direction",
                currency=pl.lit(currency.upper()),
                value=pl.col(f"value_{currency}"),
                value_derived=pl.col(f"value_derived_{currency}"),
                revision_residual=pl.col(f"revision_residual_{currency}"),
                _unit=unit,
            )
        )
    return (
        pl.concat(parts)
        .drop_nulls(["value", "revision_residual"])
        .with_columns(
            deviation=pl.col("revision_residual").abs().cast(pl.Float64),
            tolerance=pl.max_horizontal(
                RESIDUAL_SHARE.value * pl.col("value").abs().cast(pl.Float64), pl.col("_unit")
            ),
        )
        .drop("_unit")
        .sort("period", "partner_code", "direction", "currency")
    )


_REVISED_MEASURES = ("value_usd", "value_cny", "value_ytd_usd", "value_ytd_cny")


def _bulletin_revisions(fact: pl.DataFrame, grain: str, unit: pl.Expr) -> pl.DataFrame:
    """Each published Bulletin figure against the latest preliminary vintage of the same figure (period,
    `grain`, direction, measure): both values, the revision, and the tolerance (a share of the preliminary
    value plus half its printed step, `unit` per row: its own rounding)."""
    key = ["period", grain, "direction"]
    bulletin = fact.filter((pl.col("vintage_source") == "bulletin") & (pl.col("value_source") == "published"))
    preliminary = (
        fact.filter(pl.col("vintage_source") == "preliminary")
        .sort("vintage_precedence", nulls_last=False)
        .unique(key, keep="last", maintain_order=True)
    )
    parts = []
    for measure in _REVISED_MEASURES:
        currency = measure.rsplit("_", 1)[1]
        parts.append(
            bulletin.select(*key, "release_id", bulletin_value=pl.col(measure))
            .join(
                preliminary.select(
                    *key,
                    preliminary_release_id=pl.col("release_id"),
                    preliminary_value=pl.col(measure),
                ),
                on=key,
                how="inner",
            )
            .with_columns(measure=pl.lit(measure), _currency=pl.lit(currency))
        )
    columns = ["release_id", "preliminary_release_id", *key, "measure", "bulletin_value", "preliminary_value"]
    revisions = pl.concat([part.select(*columns, "_currency") for part in parts])
    return (
        revisions.drop_nulls(["bulletin_value", "preliminary_value"])
        .with_columns(revision=pl.col("bulletin_value") - pl.col("preliminary_value"))
        .with_columns(
            deviation=pl.col("revision").abs().cast(pl.Float64),
            tolerance=BULLETIN_REVISION_SHARE.value * pl.col("preliminary_value").abs().cast(pl.Float64)
            + HALF_STEP.value * unit,
        )
        .drop("_currency")
        .sort(*key, "measure")
    )


def bulletin_revision_within_tolerance(partner_trade: pl.DataFrame) -> pl.DataFrame:
    """The Bulletin's revisions of partner figures (the World from table (1), partners from table (4))."""
    is_world = pl.col("partner_code") == WORLD_CODE
    unit = (
        pl.when(is_world)
        .then(_PUBLISHED_UNIT[("usd", True)])
        .when(pl.col("_currency") == "usd")
        .then(_PUBLISHED_UNIT[("usd", False)])
        .otherwise(_PUBLISHED_UNIT[("cny", False)])
    )
    return _bulletin_revisions(partner_trade, "partner_code", unit)


def bulletin_trade_mode_revision_within_tolerance(trade_mode: pl.DataFrame) -> pl.DataFrame:
    """The Bulletin's revisions of trade-mode figures (tables (2)/(3))."""
    return _bulletin_revisions(trade_mode, "trade_mode_code", pl.lit(_TRADE_MODE_PUBLISHED_UNIT))


def implied_rate_plausible(partner_trade: pl.DataFrame) -> pl.DataFrame:
    """The rows whose implied_cny_per_usd exists (both values do), for the plausible-range check."""
    return partner_trade.filter(pl.col("implied_cny_per_usd").is_not_null()).select(
        "release_id", "period", "partner_code", "direction", "value_usd", "value_cny", "implied_cny_per_usd"
    )


def no_missing_periods_fact(partner_trade: pl.DataFrame) -> pl.DataFrame:
    """The World (WLD) rows of core.fact_partner_trade have every period from the first to the last."""
    loaded = (
        partner_trade.filter(pl.col("partner_code") == WORLD_CODE)
        .sort("period", "release_id")
        .unique(["partner_code", "period"], keep="last")
        .select("partner_code", "period", "release_id")
    )
    return _gap_frame(loaded, ["partner_code"])


# --- the registry ----------------------------------------------------------------------------------------

_PAIR = "ExpectColumnPairValuesAToBeGreaterThanB"
_BETWEEN = "ExpectColumnValuesToBeBetween"
_NOT_NULL = "ExpectColumnValuesToNotBeNull"


@dataclass(frozen=True)
class RuleExpectation:
    """One expectation of a rule: its name in the results, severity, GX class and arguments.

    `expectation` is the name of a subclass of the GX built-in `base`, documented by `doc`.
    """

    name: str
    severity: Severity
    expectation: str
    base: str
    kwargs: Mapping[str, Any]
    description: str
    doc: str

    def spec(self) -> ExpectationSpec:
        return ExpectationSpec(
            self.name, self.severity, self.expectation, self.kwargs, self.description, self.base, self.doc
        )

    def offending(self) -> pl.Expr:
        """True on a row of the prepared frame that fails this expectation: the condition GX's built-in
        `base` checks with these arguments, stated in polars (so a rule is tested without GX).

        As in GX, a row missing a compared value is skipped, not failed (NaN counts as missing: pandas
        compares it false).
        """
        kwargs = self.kwargs
        if self.base == _PAIR:
            a, b = (pl.col(kwargs[k]).fill_nan(None) for k in ("column_A", "column_B"))
            below = a < b if kwargs.get("or_equal") else a <= b
            return below.fill_null(False)
        if self.base == _BETWEEN:
            value = pl.col(kwargs["column"]).fill_nan(None)
            low, high = kwargs.get("min_value"), kwargs.get("max_value")
            outside = pl.lit(False)
            if low is not None:
                outside |= value < low
            if high is not None:
                outside |= value > high
            return outside.fill_null(False)
        if self.base == _NOT_NULL:
            return pl.col(kwargs["column"]).is_null()
        raise NotImplementedError(f"{self.name}: no polars statement of {self.base}")


def _within_tolerance(
    name: str,
    severity: Severity,
    expectation: str,
    description: str,
    doc: str,
    deviation: str = "deviation",
) -> RuleExpectation:
    """A row passes where its deviation is within its own tolerance (rows missing either are skipped)."""
    kwargs = {
        "column_A": "tolerance",
        "column_B": deviation,
        "or_equal": True,
        "ignore_row_if": "either_value_is_missing",
    }
    return RuleExpectation(name, severity, expectation, _PAIR, kwargs, description, doc)


@dataclass(frozen=True)
class Rule:
    """A business rule: the table it reads, how it prepares its frame, and its expectations on it.

    `prepare` is pure (a frame of `table` in, the prepared frame out: one row per comparison).
    `parameters` are the tolerances `prepare` applies (`expectations.parameters`). `blame_columns` hold
    the releases an offending row is charged to (none: nothing to quarantine).
    """

    name: str
    table: TableContract
    prepare: Callable[[pl.DataFrame], pl.DataFrame]
    expectations: tuple[RuleExpectation, ...]
    parameters: tuple[Parameter, ...] = ()
    blame_columns: tuple[str, ...] = ("release_id",)

    @property
    def object_name(self) -> str:
        return self.table.qualified_name

    @property
    def suite_name(self) -> str:
        """One GX suite per (table, rule): each rule validates its own prepared frame."""
        return f"rules.{self.object_name}.{self.name}"

    def check(self, frame: pl.DataFrame) -> Check:
        """The rule's check on a frame of its table (raises where the frame cannot be prepared)."""
        prepared = self.prepare(_well_formed_periods(frame))
        return Check(
            suite_name=self.suite_name,
            object_name=self.object_name,
            frame=prepared,
            expectations=tuple(e.spec() for e in self.expectations),
            blame_columns=tuple(c for c in self.blame_columns if c in prepared.columns),
            notes=self.notes,
        )

    def offending_rows(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The rows of the prepared frame that fail any of the rule's expectations (pure polars: what
        the gate's GX run finds, without GX)."""
        prepared = self.prepare(_well_formed_periods(frame))
        return prepared.filter(pl.any_horizontal(e.offending() for e in self.expectations))

    @property
    def notes(self) -> str:
        """The rule's description and its parameters with their reasons (the GX suite's notes)."""
        lines = [self.expectations[0].description]
        if self.parameters:
            lines += ["", "Parameters:", *(f"- {p.describe()}" for p in self.parameters)]
        return "\n".join(lines)


def _well_formed_periods(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows whose period key parses: a malformed key is the contract suite's failure to report; the
    rules' period arithmetic would only raise on it."""
    return frame.filter(pl.col("period").str.contains(f"^(?:{PERIOD_PATTERN})$"))


# Rules checked on staging and on a fact alike.
_NO_PARTNER_ABOVE_WORLD = _within_tolerance(
    "no_partner_above_world",
    CRITICAL,
    "ExpectPartnerValuesToBeAtMostWorld",
    "No partner or group exceeds the World value of the same period, currency, direction and span",
    "Partner value - World value (deviation) is at most the tolerance.",
)
_NO_MISSING_PERIODS = RuleExpectation(
    "no_missing_periods",
    CRITICAL,
    "ExpectSeriesPeriodsToBeLoaded",
    _NOT_NULL,
    {"column": "release_id"},
    "Every period of a series is loaded from its first to its last (Jan-Feb counted as one period)",
    "Every expected period of a series has a loaded release (release_id not null).",
)

_BULLETIN_REVISION = _within_tolerance(
    "bulletin_revision_within_tolerance",
    WARNING,
    "ExpectBulletinRevisionToBeWithinTolerance",
    f"A Monthly Bulletin figure differs from the preliminary release's same figure by at most {BULLETIN_REVISION_SHARE.value:.1%} (plus half the preliminary's printed step)",
    "|Bulletin value - preliminary value| (deviation) is within the tolerance; the row names the figure and both values.",
)

# Every business rule, in the order the gate runs them. Documentation and tests read it.
RULES: tuple[Rule, ...] = (
    Rule(
        "ei_equals_export_plus_import",
        STG_PRELIMINARY,
        ei_equals_export_plus_import,
        (
            _within_tolerance(
                "ei_equals_export_plus_import",
                CRITICAL,
                "ExpectTotalToEqualExportPlusImport",
                "Export & Import equals Export + Import in tables (1) and (4), within the rounding of the three printed figures",
                "|Export & Import - (Export + Import)| (deviation) is within the rounding tolerance.",
            ),
        ),
        parameters=(EI_TOLERANCE,),
    ),
    Rule(
        "world_equals_table1_total",
        STG_PRELIMINARY,
        world_equals_table1_total,
        (
            _within_tolerance(
                "world_equals_table1_total",
                CRITICAL,
                "ExpectPartnerTableTotalToEqualTotalsTable",
                "Table (4)'s Total row equals table (1)'s value, per period, currency, direction and span, within the rounding of both units",
                "|table (4) Total - table (1) value| (deviation) is within the rounding of both units.",
            ),
        ),
        parameters=(WORLD_TOLERANCE_UNITS,),
        blame_columns=("release_id", "totals_release_id"),
    ),
    Rule(
        "trade_modes_sum_to_total",
        STG_PRELIMINARY,
        trade_modes_sum_to_total,
        (
            _within_tolerance(
                "trade_modes_sum_to_total",
                CRITICAL,
                "ExpectTradeModesToSumToTotal",
                "In tables (2)/(3), the trade modes (aggregates left out) sum to the Total Value row, per file, direction and span, within the rounding of the printed figures",
                "|sum of the regimes - Total Value| (deviation) is within the rounding tolerance.",
            ),
        ),
        parameters=(HALF_STEP, TRADE_MODE_SUM_MARGIN),
    ),
    Rule(
        "bulletin_regimes_sum_to_total",
        STG_PRELIMINARY,
        bulletin_regimes_sum_to_total,
        (
            _within_tolerance(
                "bulletin_regimes_sum_to_total",
                CRITICAL,
                "ExpectBulletinRegimesToSumToTotal",
                "In the Monthly Bulletin's customs-regime table, the regimes (aggregates left out) sum to TOTAL, China's total, per page, flow and span, within half a printed unit (US$1,000 or CNY 10,000) per figure",
                "|sum of the regimes - TOTAL| (deviation) is within half a printed unit per figure summed.",
            ),
        ),
        parameters=(BULLETIN_HALF_UNIT,),
    ),
    Rule(
        "trade_mode_total_equals_table1",
        STG_PRELIMINARY,
        trade_mode_total_equals_table1,
        (
            _within_tolerance(
                "trade_mode_total_equals_table1",
                CRITICAL,
                "ExpectTradeModeTotalToEqualTotalsTable",
                "The Total Value of tables (2)/(3) equals table (1)'s value, per period, currency, direction and span, within the rounding of both units",
                "|tables (2)/(3) Total Value - table (1) value| (deviation) is within the rounding of both units.",
            ),
        ),
        parameters=(WORLD_TOLERANCE_UNITS,),
        blame_columns=("release_id", "totals_release_id"),
    ),
    Rule(
        "members_not_above_group",
        STG_PRELIMINARY,
        members_not_above_group,
        (
            _within_tolerance(
                "members_not_above_group",
                CRITICAL,
                "ExpectGroupMembersToSumToAtMostGroup",
                "The members listed under a group ('of which') sum to no more than the group, within rounding",
                "Sum of members - group value (deviation) is at most the rounding tolerance.",
            ),
        ),
        parameters=(HALF_STEP, MEMBERS_MARGIN),
    ),
    Rule(
        "no_partner_above_world",
        STG_PRELIMINARY,
        no_partner_above_world,
        (_NO_PARTNER_ABOVE_WORLD,),
        parameters=(PARTNER_WORLD_TOLERANCE,),
    ),
    Rule(
        "yoy_agrees_with_levels",
        STG_PRELIMINARY,
        yoy_agrees_with_levels,
        (
            _within_tolerance(
                "yoy_agrees_with_levels.world",
                CRITICAL,
                "ExpectPublishedYoyToAgreeWithLevels",
                "The published y/y % of the World total agrees with the y/y of the two periods' published values",
                "|published y/y % - y/y % computed from the levels| (deviation) is within the tolerance.",
                deviation="deviation_world",
            ),
            _within_tolerance(
                "yoy_agrees_with_levels.partners",
                WARNING,
                "ExpectPublishedYoyToAgreeWithLevels",
                "The published y/y % of a partner agrees with the y/y of the two periods' published values",
                "|published y/y % - y/y % computed from the levels| (deviation) is within the tolerance.",
                deviation="deviation_partners",
            ),
        ),
        parameters=(YOY_TOLERANCE_PP, HALF_STEP),
    ),
    Rule(
        "ytd_non_decreasing",
        STG_PRELIMINARY,
        ytd_non_decreasing,
        (
            _within_tolerance(
                "ytd_non_decreasing",
                CRITICAL,
                "ExpectYtdValuesToBeNonDecreasing",
                "Within a year, a January-to-month value never falls from one period to the next beyond a revision",
                "Previous January-to-month value - this one (deviation) is at most a revision.",
            ),
        ),
        parameters=(YTD_REVISION_SHARE, HALF_STEP),
        # Which of the two values is wrong cannot be told: both releases are held back.
        blame_columns=("release_id", "previous_release_id"),
    ),
    Rule(
        "no_missing_periods",
        STG_PRELIMINARY,
        no_missing_periods,
        (_NO_MISSING_PERIODS,),
        # A missing period has no release to quarantine: the failure stops the publish without blame.
        blame_columns=(),
    ),
    Rule(
        "no_outlier_moves",
        STG_PRELIMINARY,
        no_outlier_moves,
        (
            _within_tolerance(
                "no_outlier_moves",
                WARNING,
                "ExpectMovesToBeWithinRobustThreshold",
                f"Month-on-month and y/y log changes of a series stay within {OUTLIER_K.value:g} robust standard deviations of its median change",
                "|log change - the series' median log change| (deviation) is within k x its scaled MAD.",
            ),
        ),
        parameters=(OUTLIER_K, MAD_SCALE, MAD_FLOOR, MAD_CAP),
    ),
    Rule(
        "no_partner_above_world",
        FACT_PARTNER_TRADE,
        no_partner_above_world_fact,
        (_NO_PARTNER_ABOVE_WORLD,),
        parameters=(FACT_PARTNER_WORLD_SHARE,),
    ),
    Rule(
        "derived_month_matches_published",
        FACT_PARTNER_TRADE,
        derived_month_matches_published,
        (
            _within_tolerance(
                "derived_month_matches_published",
                WARNING,
                "ExpectDerivedMonthToMatchPublished",
                f"The published period value and the one derived from January-to-month values agree within max({RESIDUAL_SHARE.value:.0%}, one printed unit)",
                "|revision residual| (deviation) is within max(1% of the value, one printed unit).",
            ),
        ),
        parameters=(RESIDUAL_SHARE,),
    ),
    Rule(
        "implied_rate_plausible",
        FACT_PARTNER_TRADE,
        implied_rate_plausible,
        (
            RuleExpectation(
                "implied_rate_plausible",
                CRITICAL,
                "ExpectImpliedRateToBePlausible",
                _BETWEEN,
                {
                    "column": "implied_cny_per_usd",
                    "min_value": IMPLIED_RATE_MIN.value,
                    "max_value": IMPLIED_RATE_MAX.value,
                },
                f"CNY value / USD value of the same figure lies between {IMPLIED_RATE_MIN.value:g} and {IMPLIED_RATE_MAX.value:g} yuan per dollar",
                "The implied CNY per USD lies in a plausible range.",
            ),
        ),
        parameters=(IMPLIED_RATE_MIN, IMPLIED_RATE_MAX),
    ),
    Rule(
        "no_missing_periods",
        FACT_PARTNER_TRADE,
        no_missing_periods_fact,
        (_NO_MISSING_PERIODS,),
        blame_columns=(),
    ),
    Rule(
        "bulletin_revision_within_tolerance",
        FACT_PARTNER_TRADE,
        bulletin_revision_within_tolerance,
        (_BULLETIN_REVISION,),
        parameters=(BULLETIN_REVISION_SHARE, HALF_STEP),
    ),
    Rule(
        "bulletin_revision_within_tolerance",
        FACT_TRADE_MODE,
        bulletin_trade_mode_revision_within_tolerance,
        (_BULLETIN_REVISION,),
        parameters=(BULLETIN_REVISION_SHARE, HALF_STEP),
    ),
    Rule(
        "balance_is_exports_minus_imports",
        FACT_TRADE_SURPLUS,
        balance_is_exports_minus_imports,
        (
            _within_tolerance(
                "balance_is_exports_minus_imports",
                CRITICAL,
                "ExpectBalanceToEqualExportsMinusImports",
                "In core.fact_trade_surplus, balance = exports - imports (USD and CNY, period and year to date)",
                "|balance - (exports - imports)| (deviation) is within the tolerance.",
            ),
        ),
        parameters=(BALANCE_TOLERANCE,),
    ),
)


def rules_to_run(
    staging_preliminary: pl.DataFrame, tables: Mapping[TableContract, pl.DataFrame]
) -> list[tuple[Rule, pl.DataFrame]]:
    """Every business rule the inputs allow, with the frame of its table (a table not given, or empty,
    is not checked by rules).

    Preparing a rule can fail on a frame that breaks its contract (a missing column, say): the gate
    prepares each rule on its own and records such a failure as a failed rule, never a crash.
    """
    frames = {**tables, STG_PRELIMINARY: staging_preliminary}
    return [(rule, frame) for rule in RULES if (frame := frames.get(rule.table)) is not None and frame.height]


def rule_named(name: str, table: TableContract) -> Rule:
    """The rule of that name on that table."""
    for rule in RULES:
        if rule.name == name and rule.table == table:
            return rule
    raise KeyError(f"no business rule {name!r} on {table.qualified_name}")
