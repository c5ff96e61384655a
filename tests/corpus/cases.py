"""The bad-input corpus: what each case drops into a landing folder and what the monthly release must do.

Each case's files are `tests/corpus/<name>/<file>`, made by `tests/corpus/make_corpus.py` from the demo
releases. `tests/integration/test_bad_inputs.py` drops them into a landing folder and runs
`monthly_release(source="landing", ...)` on a copy of a data root where the demo is already published.

Outcomes:
- `quarantined`: a parse-level rejection. The run completes and says nothing new; each file's manifest
  row is `quarantined` with an error naming the file (and table/row/column where it applies).
- `fails`: the run raises: `GateFailedError` for a critical rule, or `BuildRejectedError` for rows the
  build cannot resolve (an unknown partner); the releases charged are quarantined, their raw files kept.
  The warehouse is untouched.
- `rejected`: either of the two above (used where a product bug means the right level is not decided).
- `warns`: published, with a failed warning-severity result of each named rule in
  `meta.validation_results`.
- `passes`: tricky but valid: published, no expectation failed in the run.

A case with `bug` set documents a product bug: it runs as `xfail(strict=True)`, so the suite stays green
while the bug stands, and turns red the day it is fixed (then drop `bug`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Outcome = Literal["quarantined", "fails", "rejected", "warns", "passes"]

# Release ids of the demo's own releases that a gate failure can charge as well (see the cases).
# The edited pages of the gate cases are revised vintages published on these days.
REVISED_DEC_2025 = "preliminary:2025-12:2026-01-20"
REVISED_JAN_FEB_2025 = "preliminary:2025-01..02:2025-03-20"


@dataclass(frozen=True)
class Case:
    name: str
    outcome: Outcome
    what: str
    files: tuple[str, ...]
    # Fragments the message must contain: the quarantine error of each file (`quarantined`), the raised
    # error (`fails`), the offending rows recorded for the rule (`warns`).
    fragments: tuple[str, ...] = ()
    # `fails`: the exception's class name. `GateFailedError` for a critical gate failure.
    error: str = ""
    # `fails` by the gate: critical rules that must be among the failures; `warns`: warning rules.
    rules: tuple[str, ...] = ()
    # `fails` by the gate: exactly the releases quarantined (the case's own: a published one stays);
    # empty where the failure is charged to no release (a missing period).
    quarantined_releases: frozenset[str] = field(default_factory=frozenset)
    # `passes`/`warns`: a query on the published warehouse and the one row it must return.
    sql: str = ""
    sql_row: tuple[object, ...] = ()
    bug: str = ""


def revised_dec_2025_vintage(column: str, partner: str, direction: str) -> str:
    """The query of a case's revised December 2025 figure: (release, `column`, the latest vintage's source).

    The revision is a vintage of its own in core; the demo's Bulletin of 2026-01-19 outranks it (the
    Bulletin over the preliminary release, whatever the dates), so it is never the latest vintage."""
    return (
        f"SELECT r.release_id, r.{column}, l.vintage_source FROM core.fact_partner_trade AS r"
        " JOIN core.fact_partner_trade AS l USING (period, partner_code, direction)"
        f" WHERE r.release_id = '{REVISED_DEC_2025}' AND l.is_latest_vintage"
        f" AND period = '2025-12' AND partner_code = '{partner}' AND direction = '{direction}'"
    )


T4_DEC_USD = ("t4_by_partner_2025-12_usd.html",)
T4_DEC_USD_REVISED = ("t4_by_partner_2025-12_usd_revised.html",)
T4_DEC_CNY = ("t4_by_partner_2025-12_cny.html",)
CSV = ("online_query_hs8_partner_2024_imports_usd.csv",)
NOT_A_PAGE = "not a GACC table page, index page or online-query CSV"

CASES: tuple[Case, ...] = (
    # --- parse-level rejections: pages ----------------------------------------------------------------
    Case(
        "page-truncated-mid-row",
        "quarantined",
        "table (4) USD, Dec 2025, bytes cut inside Japan's row",
        T4_DEC_USD,
        ("table 'by_partner'", "row 'Japan'", "5 cells where the header has 10"),
    ),
    Case(
        "page-truncated-at-row-boundary",
        "quarantined",
        "table (4) USD, Dec 2025, bytes cut just after India's row: 9 partners and the note row missing",
        T4_DEC_USD,
        ("truncated: the page ends before its table and page are closed",),
    ),
    Case(
        "page-shell-no-rows",
        "quarantined",
        "table (4) USD, Dec 2025: title, unit and header rows, no data row",
        T4_DEC_USD,
        ("no data rows", "shell page"),
    ),
    Case(
        "page-error-404",
        "quarantined",
        "a '404 Not Found' server page saved under a table page's name",
        T4_DEC_USD,
        ("error or captcha page", "'404 Not Found'", NOT_A_PAGE),
    ),
    Case(
        "page-error-access-denied",
        "quarantined",
        "a '403 Forbidden / Access Denied' page saved under a table page's name",
        ("t1_totals_2025-12_usd.html",),
        ("error or captcha page", "'403 Forbidden'"),
    ),
    Case(
        "page-captcha-as-table-page",
        "quarantined",
        "the captcha wall served at table (4)'s address: site chrome, a 验证码 form, no table",
        T4_DEC_USD,
        ("error or captcha page", "'验证码'"),
    ),
    Case("page-empty-file", "quarantined", "a zero-byte download", T4_DEC_USD, (NOT_A_PAGE,)),
    Case(
        "page-unit-currency-mismatch",
        "quarantined",
        "table (4) titled '(in CNY)' above a unit row 'USD 1 Million'",
        T4_DEC_CNY,
        ("the title says CNY", "'USD 1 Million'", "currency disagrees"),
    ),
    Case(
        "page-unknown-unit",
        "quarantined",
        "table (4) CNY with the unit row 'Unit: CNY 1 Billion'",
        T4_DEC_CNY,
        ("unknown unit 'CNY 1 Billion'",),
    ),
    Case(
        "page-unknown-table",
        "quarantined",
        "a table titled '... by Customs District' in the by-country layout",
        ("t4_by_customs_district_2025-12_usd.html",),
        ("unknown table", "by Customs District"),
    ),
    Case(
        "page-number-does-not-parse",
        "quarantined",
        "Germany's December export printed '12,3a4.5'",
        T4_DEC_USD,
        ("table 'by_partner'", "row 'Germany'", "column 'Export 12'", "not a number: '12,3a4.5'"),
    ),
    Case(
        "page-jan-feb-header-1-to-3",
        "quarantined",
        "the January-February 2025 table (4) whose columns say '1- to-3'",
        ("t4_by_partner_2025-01-02_usd.html",),
        ("column 'Export & Import 1- to-3'", "header month 3 disagrees with the title's period 2025-01..02"),
    ),
    Case(
        "page-title-month-vs-header-month",
        "quarantined",
        "the December table (4) titled 'Nov 2025', its columns still '12' and '1- to-12'",
        ("t4_by_partner_2025-11_usd.html",),
        ("column 'Export & Import 12'", "header month 12 disagrees with the title's period 2025-11"),
    ),
    Case(
        "page-no-header-rows",
        "quarantined",
        "table (4) with its title and unit rows but no header rows",
        T4_DEC_USD,
        ("no header rows above the data",),
    ),
    Case(
        "page-titles-disagree",
        "quarantined",
        "the atcl-ttl heading says '(in CNY)', the table's title row '(in USD)'",
        T4_DEC_USD,
        ("the page title", "Dec 2025 (in CNY)", "the table title", "Dec 2025 (in USD)", "disagree"),
    ),
    Case(
        "page-row-missing-a-cell",
        "quarantined",
        "Canada's row one cell short",
        T4_DEC_USD,
        ("table 'by_partner'", "row 'Canada'", "9 cells where the header has 10"),
    ),
    Case(
        "page-bad-publication-date",
        "quarantined",
        "atcl-date '2026/13/45'",
        T4_DEC_USD,
        ("publication date '2026/13/45' is not YYYY/MM/DD",),
    ),
    Case(
        "page-gbk-declared-utf8",
        "quarantined",
        "table (4) re-encoded as GBK while it declares UTF-8",
        T4_DEC_USD,
        ("not UTF-8", "declared charset 'UTF-8'"),
    ),
    Case(
        "index-page-captcha",
        "quarantined",
        "the 2025 index page answered with the captcha wall (chrome and year selector, no index table)",
        ("index_2025.html",),
        ("error or captcha page", "'验证码'"),
    ),
    # --- parse-level rejections: online-query CSV exports -----------------------------------------------
    Case(
        "csv-utf8-reencoded",
        "quarantined",
        "the GBK export re-saved as UTF-8",
        CSV,
        ("encoded UTF-8, expected GBK",),
    ),
    Case(
        "csv-missing-column",
        "quarantined",
        "the 第二计量单位 (second unit) column left out",
        CSV,
        ("missing columns: 第二计量单位",),
    ),
    Case(
        "csv-name-without-direction",
        "quarantined",
        "a well-formed export named without export/import (出口/进口)",
        ("online_query_hs8_partner_2024_usd.csv",),
        ("neither export nor import", "cannot tell which flow"),
    ),
    Case(
        "csv-bad-yyyymm",
        "quarantined",
        "数据年月 '202413' on line 5",
        CSV,
        ("row 5", "column '数据年月'", "'202413' is not a month (YYYYMM)"),
    ),
    Case(
        "csv-non-numeric-value",
        "quarantined",
        "美元 '9,7a7,931' on line 3",
        CSV,
        ("row 3", "column '美元'", "not a number: '9,7a7,931'"),
    ),
    Case(
        "csv-duplicated-line",
        "quarantined",
        "line 3 repeated as line 5",
        CSV,
        ("row 5", "repeats line 3", "same month, partner and HS code"),
    ),
    Case(
        "csv-no-currency-column",
        "quarantined",
        "the value column named 金额 (amount) instead of 美元",
        CSV,
        ("no currency column", "cannot tell the unit"),
    ),
    Case("csv-header-only", "quarantined", "the header line and nothing else", CSV, ("no data rows",)),
    Case(
        "csv-truncated-mid-character",
        "quarantined",
        "bytes cut inside a two-byte GBK character of the last line",
        CSV,
        ("not GBK: undecodable byte",),
    ),
    # --- rejected by the build ------------------------------------------------------------------------
    Case(
        "page-unknown-partner-label",
        "fails",
        "a revised table (4) USD, Dec 2025, with Canada's row labelled 'Atlantis'",
        T4_DEC_USD,
        ("table (4) by_partner, row ", "unknown partner label 'Atlantis'", "partner_aliases.csv"),
        error="BuildRejectedError",
    ),
    Case(
        "csv-unknown-partner-code",
        "fails",
        "GACC partner code 341 (a retired code the reference leaves out) on line 4",
        CSV,
        ("table online query export", "unknown partner GACC code '341'", "partners.csv"),
        error="BuildRejectedError",
    ),
    # --- rejected by the gate (critical rules) ------------------------------------------------------------
    Case(
        "gate-partner-x1000",
        "fails",
        "a revised table (4) USD, Dec 2025, Germany's six figures x1000 (units slip on one partner)",
        T4_DEC_USD_REVISED,
        (
            "members_not_above_group",
            "group=European Union",
            "no_partner_above_world",
            "label=Germany",
            "period=2025-12",
        ),
        error="GateFailedError",
        rules=("members_not_above_group", "no_partner_above_world"),
        quarantined_releases=frozenset({REVISED_DEC_2025}),
    ),
    Case(
        "gate-page-x1000",
        "fails",
        "a revised table (4) USD, Dec 2025, every value x1000, the World row too",
        T4_DEC_USD_REVISED,
        ("world_equals_table1_total", "period=2025-12", "currency=USD", "span=month"),
        error="GateFailedError",
        rules=("world_equals_table1_total", "implied_rate_plausible"),
        # The rule charges both tables: the demo's table (1) of December (published, right) is
        # quarantined with the bad page, and with it every file of the demo's December release.
        quarantined_releases=frozenset({REVISED_DEC_2025}),
    ),
    Case(
        "gate-missing-period",
        "fails",
        "table (1) USD for Mar 2026 (the 2025-03 figures, y/y 0.0) while 2026-01..02 was never loaded",
        ("t1_totals_2026-03_usd.html",),
        ("no_missing_periods", "table_id=totals", "period=2026-01..02", "no release to quarantine"),
        error="GateFailedError",
        rules=("no_missing_periods",),
        quarantined_releases=frozenset(),  # a gap is charged to no release: the file stays staged
    ),
    Case(
        "gate-group-below-members",
        "fails",
        "a revised table (4) USD, Dec 2025, the EU's month cut below Germany + Netherlands + France + Italy",
        T4_DEC_USD_REVISED,
        (
            "members_not_above_group",
            "group=European Union",
            "members=Germany, Netherlands, France, Italy",
            "period=2025-12",
        ),
        error="GateFailedError",
        rules=("members_not_above_group",),
        quarantined_releases=frozenset({REVISED_DEC_2025}),
    ),
    Case(
        "gate-yoy-world",
        "fails",
        "a revised table (1) USD, Dec 2025, export y/y printed 16.6 where the levels give 6.6",
        ("t1_totals_2025-12_usd_revised.html",),
        ("yoy_agrees_with_levels.world", "label=Export", "period=2025-12", "published_yoy_pct=16.6"),
        error="GateFailedError",
        rules=("yoy_agrees_with_levels.world",),
        quarantined_releases=frozenset({REVISED_DEC_2025}),
    ),
    Case(
        "gate-ei-not-export-plus-import",
        "fails",
        "a revised table (4) USD, Dec 2025, India's Export & Import 1,000 above export + import",
        T4_DEC_USD_REVISED,
        ("ei_equals_export_plus_import", "label=India", "period=2025-12", "e_and_i=15412.0"),
        error="GateFailedError",
        rules=("ei_equals_export_plus_import",),
        quarantined_releases=frozenset({REVISED_DEC_2025}),
    ),
    Case(
        "gate-ytd-decreasing",
        "fails",
        "a revised table (4) USD, Dec 2025, Japan's Jan-Dec exports below its Jan-Nov ones",
        T4_DEC_USD_REVISED,
        ("ytd_non_decreasing", "label=Japan", "period=2025-12", "previous_period=2025-11"),
        error="GateFailedError",
        rules=("ytd_non_decreasing",),
        # Which of the two values is wrong cannot be told: the demo's November release is held back too.
        quarantined_releases=frozenset({REVISED_DEC_2025}),
    ),
    Case(
        "gate-implied-rate",
        "fails",
        "a revised table (4) CNY, Jan-Feb 2025, every partner's figures halved (CNY per USD ~3.6)",
        ("t4_by_partner_2025-01-02_cny_revised.html",),
        ("implied_rate_plausible", "period=2025-01..02", "implied_cny_per_usd=3.6"),
        error="GateFailedError",
        rules=("implied_rate_plausible",),
        quarantined_releases=frozenset({REVISED_JAN_FEB_2025}),
    ),
    Case(
        "gate-negative-value",
        "fails",
        "a revised table (4) USD, Dec 2025, Japan's December export printed -14,398.7",
        T4_DEC_USD_REVISED,
        ("range:value_usd", "partner_code=JPN", "period=2025-12", "value_usd=-14398700000"),
        error="GateFailedError",
        rules=("range:value_usd",),
        quarantined_releases=frozenset({REVISED_DEC_2025}),
    ),
    Case(
        "page-duplicated-partner-row",
        "quarantined",
        "a revised table (4) USD, Dec 2025, Japan's row printed twice",
        T4_DEC_USD_REVISED,
        ("table 'by_partner'", "row 'Japan'", "repeats row", "a duplicated row"),
    ),
    # --- published with a warning ------------------------------------------------------------------------
    Case(
        "warn-yoy-partner",
        "warns",
        "a revised table (4) USD, Dec 2025, Japan's export y/y printed 10.7 where the levels give 0.7",
        T4_DEC_USD_REVISED,
        ('"label": "Japan"', '"period": "2025-12"', '"published_yoy_pct": 10.7'),
        rules=("yoy_agrees_with_levels.partners",),
        sql=revised_dec_2025_vintage("yoy_ytd_pct_published_usd", "JPN", "export"),
        sql_row=(REVISED_DEC_2025, 10.7, "bulletin"),
    ),
    Case(
        "warn-outlier-partner",
        "warns",
        "a revised table (4) USD, Dec 2025, New Zealand's month x10 (under the World, in no group)",
        T4_DEC_USD_REVISED,
        ('"label": "New Zealand"', '"period": "2025-12"', '"kind": "mom"'),
        rules=("no_outlier_moves",),
        sql=revised_dec_2025_vintage("value_usd", "NZL", "export"),
        sql_row=(REVISED_DEC_2025, 7_091_000_000, "bulletin"),
    ),
    # --- tricky but valid ----------------------------------------------------------------------------------
    Case(
        "control-misnumbered-table",
        "passes",
        "a revised table (4) USD, Dec 2025, printed as '(3)': identified by its description",
        ("t4_by_partner_2025-12_usd_printed_3.html",),
        sql=revised_dec_2025_vintage("value_usd", "USA", "export"),
        sql_row=(REVISED_DEC_2025, 34_084_000_000, "bulletin"),
    ),
    Case(
        "control-gbk-declared",
        "passes",
        "a revised table (4) CNY, Dec 2025, GBK-encoded and declared so, 'December 2025 (in RMB)', the "
        "Belt and Road label wrapped by <br />",
        ("t4_by_partner_2025-12_cny_gbk.html",),
        sql=(
            "SELECT release_id, partner_label, value_cny FROM core.fact_partner_trade WHERE is_latest_vintage"
            " AND period = '2025-12' AND partner_code = 'BRI' AND direction = 'total'"
        ),
        sql_row=(
            REVISED_DEC_2025,
            "Jointly build the countries along Belt and Road Routes",
            2_129_300_000_000,
        ),
    ),
    Case(
        "csv-revised-export",
        "passes",
        "the 2024 imports export again, later, one figure revised (9,747,931 -> 9,750,000)",
        ("online_query_hs8_partner_2024_imports_usd_revised.csv",),
        sql=(
            "SELECT value_usd FROM core.fact_trade_flows WHERE is_latest_vintage AND product = 'online_query'"
            " AND period = '2024-01' AND partner_code = 'USA' AND commodity_code = '12019011'"
        ),
        sql_row=(9_750_000,),
    ),
)

CASES_BY_NAME: dict[str, Case] = {case.name: case for case in CASES}
