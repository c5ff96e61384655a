"""The traps of the BI layer, declared once: rendered into the data dictionary's "Traps" section.

Each trap says what goes wrong, why the data is that way, and what to do, with a query that does it right
(run against the published demo warehouse by the tests, so every example stays valid). Figures quoted
from the demo are constants here, checked against the demo by the same tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from warehouse.codes import COMMODITY_CODE_KINDS, PERIOD_KINDS, YOY_SOURCES


@dataclass(frozen=True)
class Trap:
    name: str  # a stable slug: the anchor in the dictionary, the key tests use
    title: str
    what_goes_wrong: str
    why: str
    what_to_do: str
    columns: tuple[str, ...]  # the columns it concerns, as schema.view.column
    example_sql: str


# 2025 exports of the demo warehouse, in US$ billion: the December release's January-December value
# (bi.annual_trade) and the sum of the periods' own values (bi.monthly_trade).
DEMO_EXPORTS_2025_ANNUAL_BN: Final = 3770.0
DEMO_EXPORTS_2025_SUM_OF_PERIODS_BN: Final = 3772.5


def _codes(values: tuple[str, ...]) -> str:
    return ", ".join(f"`{v}`" for v in values)


TRAPS: Final[tuple[Trap, ...]] = (
    Trap(
        "annual-vs-sum-of-months",
        "A year's total is not the sum of its months",
        f"Summing a year of `bi.monthly_trade` does not give `bi.annual_trade`: for 2025 exports the demo "
        f"warehouse gives {DEMO_EXPORTS_2025_SUM_OF_PERIODS_BN:,.1f} bn summed over the periods and "
        f"{DEMO_EXPORTS_2025_ANNUAL_BN:,.1f} bn for the year.",
        "The annual figure is GACC's January-December cumulative of the December release, which carries "
        "the revisions of every earlier month; each period's value is as its own latest release prints it "
        "(the preliminary release, or the Monthly Bulletin of that month), and a later month's release "
        "revises it only inside the cumulative. "
        "`core.fact_partner_trade.revision_residual_usd` shows the gap period by period; a year's "
        "residuals add up to it.",
        "Take annual figures from `bi.annual_trade` (or the `*_ytd_*` columns for January to a month); "
        "sum periods only to study the months themselves, and say that the result is a sum of each month's "
        "own print.",
        ("bi.annual_trade.exports_usd", "bi.monthly_trade.exports_usd"),
        """
SELECT a.year,
       a.exports_usd / 1e9 AS annual_exports_bn,
       (SELECT sum(m.exports_usd) FROM bi.monthly_trade AS m
        WHERE year(m.period_start) = a.year) / 1e9 AS sum_of_periods_bn
FROM bi.annual_trade AS a
WHERE a.partner_code = 'WLD'
ORDER BY a.year
""",
    ),
    Trap(
        "jan-feb-combined",
        "January and February are one period, and some views hold the single months too",
        "GACC's preliminary release publishes January and February together (`2025-01..02`), while the "
        "online-query detail has single months (`2024-01`, `2024-02`), and so, later, does the Monthly "
        "Bulletin's February page (its February, and a January derived from it: `value_source` "
        "'derived'). Adding a combined period to the single months of the same figure counts January and "
        "February twice; treating the combined period as one month makes it look like a spike.",
        "GACC publishes no January release: its first release of a year covers two months; the split comes "
        "later, from the February Bulletin, or never.",
        f"Use `period_kind` ({_codes(PERIOD_KINDS)}): a series has either the combined period or the two "
        "single months for a year, never both. `bi.monthly_trade`, `bi.partner_trade`, `bi.trade_surplus` "
        "and `bi.trade_mode` show a year's combined period only while its split is not known: once a "
        "figure has both single months of the year, its combined row is left out of the view (and of the "
        "as-of views from the day the split became public); `core.fact_trade_surplus` and "
        "`core.fact_trade_mode` keep every row, and the next year's January-February y/y is computed "
        "against the combined period there. Sum one series (one commodity code, partner and direction) at "
        "a time, and weigh a combined period as two months when comparing with months.",
        (
            "bi.monthly_trade.period_kind",
            "bi.partner_trade.period_kind",
            "bi.trade_surplus.period_kind",
            "bi.commodity_trade.period_kind",
            "bi.trade_mode.period_kind",
        ),
        """
-- A year per commodity series: months_summed is 12 for a full year, whichever kind of period it has.
SELECT commodity_code, commodity_code_kind, partner_code, direction,
       sum(value_usd) AS value_usd_2024,
       sum(CASE period_kind WHEN 'jan_feb_combined' THEN 2 ELSE 1 END) AS months_summed
FROM bi.commodity_trade
WHERE period LIKE '2024-%'
GROUP BY ALL
ORDER BY commodity_code, partner_code, direction
""",
    ),
    Trap(
        "groups-overlap-countries",
        "Groups overlap countries",
        "`bi.partner_trade`, `bi.trade_surplus` and `bi.annual_trade` hold countries and groups side by "
        "side: the World (`WLD`), EU, ASEAN, RCEP, BRI, APEC, LATAM, AFRICA. Summing partners counts a "
        "country once for itself and again for every group it belongs to, and a ranking of partners is "
        "topped by the groups.",
        "GACC's table (4) prints the groups among the countries. Nor do the countries add up to the World: "
        "the table lists major partners only.",
        "Filter `NOT is_group` to rank or add countries; take China's total from `partner_code = 'WLD'`; "
        "group membership by month is in `core.bridge_partner_group`.",
        ("bi.partner_trade.is_group", "bi.trade_surplus.is_group", "bi.annual_trade.is_group"),
        """
SELECT partner_code, partner_name, balance_usd / 1e9 AS balance_bn
FROM bi.trade_surplus
WHERE period = '2025-12' AND NOT is_group
ORDER BY balance_usd DESC
LIMIT 10
""",
    ),
    Trap(
        "published-vs-derived-yoy",
        "Some y/y figures are GACC's, others are computed here",
        "`*_yoy_pct` holds GACC's printed figure where GACC published one for that value, and otherwise a "
        "figure derived from the same value a year earlier. The two can differ for the same period by "
        "GACC's own rounding and revisions.",
        "GACC prints y/y rates for its headline totals and for some partners only.",
        f"`*_yoy_source` ({_codes(YOY_SOURCES)}) says which one a row holds. In the BI views a derived "
        "value is rounded to one decimal, as GACC prints; core (`fact_trade_surplus`, `fact_trade_mode`) keeps "
        "full precision. The shares (`share_of_total_balance_pct`, `share_of_total_pct`, "
        "`processing_trade_share_pct`) are rounded the same way.",
        (
            "bi.monthly_trade.exports_yoy_source",
            "bi.partner_trade.exports_yoy_source",
            "bi.annual_trade.exports_yoy_source",
            "bi.trade_mode.yoy_source",
        ),
        """
SELECT period, partner_code, partner_name, exports_yoy_pct, exports_yoy_source
FROM bi.partner_trade
WHERE period = '2025-11' AND partner_code IN ('WLD', 'USA')
ORDER BY partner_code
""",
    ),
    Trap(
        "cny-vs-usd-growth",
        "Growth in yuan is not growth in US dollars",
        "The y/y columns are of the US-dollar values. The same period's y/y in yuan differs, sometimes by "
        "several points (2025-11 exports: +5.9% in US dollars, about +4% in yuan on the demo).",
        "GACC publishes both editions, each in its own currency; the yuan's exchange rate moves between "
        "the two periods compared. The warehouse never converts one into the other.",
        "Compare growth rates within one currency; compute a yuan y/y from the `*_cny` values.",
        ("bi.monthly_trade.exports_yoy_pct", "bi.monthly_trade.exports_cny"),
        """
SELECT m.period, m.exports_yoy_pct AS exports_yoy_pct_usd,
       round(100 * (m.exports_cny - e.exports_cny) / e.exports_cny, 1) AS exports_yoy_pct_cny
FROM bi.monthly_trade AS m
-- The year-earlier figure from core, which keeps a combined Jan-Feb the view leaves out once it is split.
JOIN core.fact_trade_surplus AS e
  ON e.partner_code = 'WLD' AND e.period = strftime(m.period_start - INTERVAL 1 YEAR, '%Y') || substr(m.period, 5)
ORDER BY m.period_start
""",
    ),
    Trap(
        "null-vs-zero",
        "NULL means not published, never zero",
        "A measure the loaded releases do not give is NULL: a y/y without a year-earlier value, a "
        "partner's balance share in a period without a World total, a quantity GACC did not print. "
        "`avg()` and `count(column)` skip NULLs; treating them as 0 drags averages and totals down.",
        "The warehouse stores what GACC published; it fills in nothing.",
        "Test `IS NULL` explicitly; never `coalesce(..., 0)` a measure before averaging or comparing.",
        ("bi.monthly_trade.exports_yoy_pct", "bi.commodity_trade.quantity"),
        """
SELECT count(*) AS periods,
       count(exports_yoy_pct) AS with_yoy,
       count(*) FILTER (WHERE exports_yoy_pct IS NULL) AS without_yoy
FROM bi.monthly_trade
""",
    ),
    Trap(
        "whole-currency-units",
        "Money is in whole yuan and US dollars",
        "GACC prints 100 million yuan, thousands or 100 millions of US dollars; the warehouse stores whole "
        "units (`330300000000` for US$ 330.3 bn). A chart axis in billions needs a division.",
        "One unit for every table and vintage, so that figures from different pages add up.",
        "Divide by 1e9 for billions; the unit is in every column's description and in "
        "`meta.data_dictionary.unit`.",
        ("bi.monthly_trade.exports_usd", "meta.data_dictionary.unit"),
        """
SELECT period, exports_usd, round(exports_usd / 1e9, 1) AS exports_bn
FROM bi.monthly_trade
WHERE period = '2025-11'
""",
    ),
    Trap(
        "commodity-code-kinds",
        "A commodity code is not always an HS code",
        "`bi.commodity_trade.hs_code` (the same as `commodity_code`) holds HS8 codes of the online-query "
        "detail beside our codes for GACC's commodity labels of tables (5)/(6) (`M-CRUDE`, `X-MOBILE`), "
        "which are GACC's own aggregates, not HS codes; the two overlap.",
        "Tables (5)/(6) print labels and no HS codes; the online query prints HS8 codes.",
        f"Filter on `commodity_code_kind` ({_codes(COMMODITY_CODE_KINDS)}); never add labels and HS "
        "codes together. English names are in `commodity_name_en` (an HS code's heading or chapter), the "
        "Chinese ones in `commodity_name_zh`.",
        ("bi.commodity_trade.commodity_code_kind", "bi.commodity_trade.commodity_name_en"),
        """
SELECT commodity_code_kind, count(DISTINCT commodity_code) AS codes
FROM bi.commodity_trade
GROUP BY commodity_code_kind
ORDER BY commodity_code_kind
""",
    ),
)
