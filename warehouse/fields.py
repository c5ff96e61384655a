"""Every column of every table, declared once: type, meaning, unit and constraints."""

from __future__ import annotations

from warehouse.codes import (
    COMMODITY_CODE_KINDS,
    CURRENCIES,
    DIRECTIONS,
    MEASURES,
    PERIOD_KINDS,
    PRODUCTS,
    QUARANTINE_REASONS,
    REVISED_MEASURES,
    SPANS,
    TABLE_IDS,
    VALUE_SOURCES,
    VINTAGE_PRECEDENCE_RULE,
    VINTAGE_SOURCES,
    YOY_SOURCES,
)
from warehouse.contracts import DType, Field, FieldRegistry

PERIOD_PATTERN = r"\d{4}-(0[1-9]|1[0-2])(\.\.(0[2-9]|1[0-2]))?"
STR, INT, FLT, BOOL, DATE, TS = (
    DType.STRING,
    DType.INT64,
    DType.FLOAT64,
    DType.BOOL,
    DType.DATE,
    DType.TIMESTAMP,
)


def _money(name: str, currency: str, what: str) -> Field:
    unit = "US dollars" if currency == "USD" else "yuan"
    return Field(name, INT, f"{what}, in whole {unit} as published (never converted)", unit=unit, min_value=0)


def _balance(name: str, currency: str, what: str) -> Field:
    unit = "US dollars" if currency == "USD" else "yuan"
    return Field(name, INT, f"{what}: exports minus imports, in whole {unit}", unit=unit)


def _pct(name: str, what: str) -> Field:
    return Field(name, FLT, what, unit="percent")


def _yoy_source(pct: str) -> Field:
    return Field(
        pct.removesuffix("_pct") + "_source",
        STR,
        f"Where {pct} comes from: 'published' (GACC's printed figure, one decimal) or 'derived' (computed "
        "here from this value and the same value a year earlier); null where there is no y/y",
        allowed_values=YOY_SOURCES,
    )


FIELDS = FieldRegistry(
    [
        # --- identity and lineage -------------------------------------------------------------
        Field(
            "release_id",
            STR,
            "The release (vintage) a row comes from: product, reference period and publication date",
            nullable=False,
        ),
        Field(
            "product",
            STR,
            "GACC product: the preliminary release, the Monthly Bulletin or the online query database",
            nullable=False,
            allowed_values=PRODUCTS,
        ),
        Field("source_sha256", STR, "SHA-256 of the raw file the row was parsed from", nullable=False),
        Field("parser_version", STR, "Version of the parser that read the raw file", nullable=False),
        Field("published_on", DATE, "Publication date printed on the release (retrieval date where none)"),
        Field("retrieved_at", TS, "When the raw file was fetched or dropped (UTC)"),
        Field(
            "is_latest_vintage",
            BOOL,
            "True for the row of the newest release of its period (the one vintage_precedence picks); BI "
            "views show only these",
            nullable=False,
        ),
        Field(
            "vintage_source",
            STR,
            "Where this vintage of the figure comes from: the preliminary release, a later preliminary "
            "page's reprint of an earlier figure, the Monthly Bulletin, or an online-query export",
            nullable=False,
            allowed_values=VINTAGE_SOURCES,
        ),
        Field(
            "public_on",
            DATE,
            "The date this vintage became public: its release's publication date, or the date its file was "
            "retrieved where no publication date is known; as-of queries see the vintages public on or "
            "before their date",
        ),
        Field(
            "vintage_precedence",
            INT,
            f"{VINTAGE_PRECEDENCE_RULE}. This vintage's rank under it (higher wins), comparable among the "
            "vintages of one figure (the rows of its period); null for a row that never gives the figure a view shows (a restatement of "
            "a cumulative figure alone)",
            min_value=1,
        ),
        Field(
            "visible_from",
            DATE,
            "First day this version of the row was what the warehouse showed (a day a vintage became public)",
            nullable=False,
        ),
        Field(
            "visible_until",
            DATE,
            "The day a later version replaced this one (exclusive); null for the current version",
        ),
        # --- revisions ----------------------------------------------------------------------------
        Field(
            "revised_measure",
            STR,
            "Which figure of the partner's trade: the period value or the January-to-month value, in US "
            "dollars or yuan (a column of core.fact_partner_trade)",
            nullable=False,
            allowed_values=REVISED_MEASURES,
        ),
        Field(
            "value_whole_units",
            INT,
            "The figure in this vintage, in whole currency units of its measure (US dollars or yuan)",
            unit="currency units",
        ),
        Field(
            "previous_whole_units",
            INT,
            "The same figure in the vintage before this one under the precedence rule; null for the first",
            unit="currency units",
        ),
        Field(
            "change_whole_units",
            INT,
            "This vintage's value minus the previous vintage's: the revision",
            unit="currency units",
        ),
        Field("change_pct", FLT, "The revision as a % of the previous vintage's value", unit="percent"),
        Field(
            "first_print_whole_units",
            INT,
            "The same figure in its first print (the earliest vintage public)",
            unit="currency units",
        ),
        Field(
            "days_since_first_print",
            INT,
            "Days from the first print's public_on to this vintage's",
            unit="days",
            min_value=0,
        ),
        Field(
            "vintage_number",
            INT,
            "1 for a figure's first print, 2 for the next vintage public, and so on",
            nullable=False,
            min_value=1,
        ),
        Field(
            "change_from_first_print_usd",
            INT,
            "value_usd minus the first print's value_usd",
            unit="US dollars",
        ),
        # --- periods ------------------------------------------------------------------------------
        Field(
            "period",
            STR,
            "Reference period: a month YYYY-MM, or YYYY-01..02 for the combined January-February period. "
            "A Monthly Bulletin February page gives three: YYYY-01..02 (its January-February column, filed "
            "as the preliminary release files it, so that the two vintages compare like with like), YYYY-02 "
            "(February alone) and YYYY-01 (January, derived: value_source 'derived')",
            nullable=False,
            pattern=PERIOD_PATTERN,
        ),
        Field("period_start", DATE, "First day of the reference period", nullable=False),
        Field("year", INT, "Calendar year of the reference period", nullable=False, min_value=1990),
        Field(
            "first_month",
            INT,
            "First calendar month the period covers",
            nullable=False,
            min_value=1,
            max_value=12,
        ),
        Field(
            "last_month",
            INT,
            "Last calendar month the period covers",
            nullable=False,
            min_value=1,
            max_value=12,
        ),
        Field(
            "months_covered",
            INT,
            "Number of calendar months in the period",
            nullable=False,
            min_value=1,
            max_value=12,
        ),
        Field("is_combined", BOOL, "True for the combined January-February period", nullable=False),
        # --- staging: the page as published ---------------------------------------------------------
        Field(
            "table_id",
            STR,
            "Which published table (preliminary release or Monthly Bulletin), identified by its description",
            nullable=False,
            allowed_values=TABLE_IDS,
        ),
        Field("printed_number", INT, "The table number printed in the title (can be wrong)"),
        Field("title", STR, "Table title as published", nullable=False),
        Field("currency", STR, "Currency edition of the table", nullable=False, allowed_values=CURRENCIES),
        Field("unit_label", STR, "Unit as printed on the page, e.g. 'CNY 100 Million'", nullable=False),
        Field(
            "scale",
            INT,
            "Whole currency units per published unit (100 million = 100000000)",
            nullable=False,
            min_value=1,
        ),
        Field(
            "row_number",
            INT,
            "Position of the row among the table's data rows, from 1",
            nullable=False,
            min_value=1,
        ),
        Field("label", STR, "Row label, whitespace normalised and 'of which:' removed", nullable=False),
        Field("label_as_published", STR, "Row label exactly as printed", nullable=False),
        Field(
            "indent_level",
            INT,
            "0 top level, 1 country or group, 2 member of the row above; tables (5)/(6): four printed "
            "spaces per level (up to 3)",
            nullable=False,
            min_value=0,
            max_value=3,
        ),
        Field("parent_label", STR, "Normalised label of the row this one belongs to"),
        Field("quantity_unit", STR, "Quantity unit as published (tables (5)/(6), online query)"),
        Field(
            "column_number",
            INT,
            "Position of the figure's cell in the row, from 1",
            nullable=False,
            min_value=1,
        ),
        Field(
            "measure",
            STR,
            "What the figure measures",
            nullable=False,
            allowed_values=MEASURES,
        ),
        Field(
            "span",
            STR,
            "'month': the reference period itself; 'ytd': January to the period's last month",
            nullable=False,
            allowed_values=SPANS,
        ),
        Field("direction", STR, "Trade direction", nullable=False, allowed_values=DIRECTIONS),
        Field("figure_as_published", FLT, "The number as printed, unscaled; null where GACC prints '-'"),
        Field(
            "amount_whole_units",
            INT,
            "For value figures: the number scaled to whole currency units (yuan or US dollars)",
            unit="currency units",
        ),
        # --- staging: what the real layouts of tables (2)/(3), (5)/(6) add (issue 9) -----------------
        Field(
            "figure_period",
            STR,
            "Period the figure is for: the table's period, or for the prior-year January-to-month column "
            "of tables (5)/(6), the same period a year earlier",
            nullable=False,
            pattern=PERIOD_PATTERN,
        ),
        Field(
            "is_restatement",
            BOOL,
            "True for a figure of an earlier period reprinted by this table (a later vintage of it)",
            nullable=False,
        ),
        Field(
            "is_aggregate",
            BOOL,
            "Tables (5)/(6): a row marked '*' that sums listed and other items",
            nullable=False,
        ),
        Field(
            "trade_mode_code",
            STR,
            "Tables (2)/(3): the trade mode (customs regime), reference/trade_modes.csv",
        ),
        Field(
            "quantity_base_unit",
            STR,
            "Base unit of the quantity (ton, piece, set, vehicle, pair, ...), reference/quantity_units.csv",
        ),
        Field("quantity_in_base_unit", FLT, "A quantity figure converted to quantity_base_unit", min_value=0),
        Field(
            "quantity_unit_pending",
            BOOL,
            "True where a shifted page printed no unit: the unit is to come from the other edition",
            nullable=False,
        ),
        # --- staging: online query ------------------------------------------------------------------
        Field(
            "partner_code_gacc", STR, "GACC's 3-digit country/region code", nullable=False, pattern=r"\d{3}"
        ),
        Field("partner_name_zh", STR, "Partner name in Chinese as exported"),
        Field(
            "hs_code",
            STR,
            "Commodity code as published: HS8, or the project's code for a GACC commodity label",
            nullable=False,
        ),
        Field("commodity_name", STR, "Commodity name as published"),
        Field("quantity_1", FLT, "First quantity, in quantity_1_unit"),
        Field("quantity_1_unit", STR, "Unit of the first quantity"),
        Field("quantity_2", FLT, "Second quantity, in quantity_2_unit"),
        Field("quantity_2_unit", STR, "Unit of the second quantity"),
        # --- partners and dimensions ----------------------------------------------------------------
        Field(
            "partner_code",
            STR,
            "Partner: ISO 3166 alpha-3 for countries, WLD for the world, a group code (EU, ASEAN, ...)",
            nullable=False,
        ),
        Field("partner_label", STR, "Partner label as published"),
        Field("partner_name", STR, "Partner name in English"),
        Field("is_group", BOOL, "True for the world and for groups of countries", nullable=False),
        Field("gacc_code", STR, "GACC's 3-digit country/region code (countries only)"),
        Field("iso_alpha3", STR, "ISO 3166-1 alpha-3 code (countries only)"),
        Field("continent", STR, "Continent in GACC's code list"),
        Field("group_code", STR, "Code of the group", nullable=False),
        Field("member_code", STR, "Partner code of the member", nullable=False),
        Field(
            "valid_from", STR, "First month of membership (YYYY-MM)", nullable=False, pattern=r"\d{4}-\d{2}"
        ),
        Field(
            "valid_to",
            STR,
            "Last month of membership (YYYY-MM); null while still a member",
            pattern=r"\d{4}-\d{2}",
        ),
        Field(
            "commodity_code",
            STR,
            "Commodity: HS8, or the project's code for a GACC commodity label",
            nullable=False,
        ),
        Field("hs_heading", STR, "HS heading (4 digits) where one fits"),
        Field("hs_chapter", STR, "HS chapter (2 digits)"),
        # --- partner trade measures ---------------------------------------------------------------
        _money("value_usd", "USD", "Trade value of the reference period (the month, or Jan-Feb)"),
        _money("value_cny", "CNY", "Trade value of the reference period (the month, or Jan-Feb)"),
        _money("value_ytd_usd", "USD", "Trade value from January to the period's last month"),
        _money("value_ytd_cny", "CNY", "Trade value from January to the period's last month"),
        Field(
            "value_derived_usd",
            INT,
            "Period value derived from this release's January-to-month value minus the previous period's",
            unit="US dollars",
        ),
        Field(
            "value_derived_cny",
            INT,
            "Period value derived from this release's January-to-month value minus the previous period's",
            unit="yuan",
        ),
        Field(
            "revision_residual_usd",
            INT,
            "Published period value minus the derived one: a revision signal",
            unit="US dollars",
        ),
        Field(
            "revision_residual_cny",
            INT,
            "Published period value minus the derived one: a revision signal",
            unit="yuan",
        ),
        _pct(
            "yoy_pct_published_usd", "Year-on-year % of the period value as GACC published it (USD edition)"
        ),
        _pct(
            "yoy_pct_published_cny", "Year-on-year % of the period value as GACC published it (CNY edition)"
        ),
        _pct("yoy_ytd_pct_published_usd", "Year-on-year % of the January-to-month value as published (USD)"),
        _pct("yoy_ytd_pct_published_cny", "Year-on-year % of the January-to-month value as published (CNY)"),
        _pct("mom_pct_published_usd", "Month-on-month % as published (USD edition, table (1) only)"),
        Field(
            "implied_cny_per_usd",
            FLT,
            "CNY value divided by USD value of the same figure: a check, never used to convert",
            unit="yuan per US dollar",
        ),
        # --- trade flows (commodities) ----------------------------------------------------------------
        Field("quantity", FLT, "Quantity of the reference period, in quantity_unit", min_value=0),
        Field(
            "quantity_ytd",
            FLT,
            "Quantity from January to the period's last month, in quantity_unit",
            min_value=0,
        ),
        Field(
            "quantity_base",
            FLT,
            "Quantity of the reference period in quantity_base_unit (the printed quantity x the unit's factor)",
            min_value=0,
        ),
        Field(
            "quantity_ytd_base",
            FLT,
            "Quantity from January to the period's last month, in quantity_base_unit",
            min_value=0,
        ),
        # --- trade modes (tables (2)/(3)) -------------------------------------------------------------
        Field("trade_mode", STR, "Trade mode (customs regime), English label from the reference data"),
        Field("trade_mode_zh", STR, "Trade mode (customs regime), Chinese name from the reference data"),
        Field(
            "is_processing_trade",
            BOOL,
            "True for the regimes of processing trade (materials supplied, imported materials) and their sum",
            nullable=False,
        ),
        _pct(
            "yoy_pct",
            "Year-on-year % of value_usd: GACC's figure where published for this value (table (2); the "
            "cumulative's for a Jan-Feb period), else derived from the same period a year earlier, else null",
        ),
        _pct(
            "yoy_ytd_pct",
            "Year-on-year % of value_ytd_usd: GACC's figure (table (3)), else derived, else null",
        ),
        _pct(
            "share_of_total_pct",
            "The row's value_usd as a % of the Total Value of the same period and direction",
        ),
        _pct(
            "processing_trade_share_pct",
            "Processing trade (materials supplied plus imported materials) as a % of the Total Value of "
            "the same period and direction, in USD",
        ),
        # --- surplus ----------------------------------------------------------------------------------
        _money("exports_usd", "USD", "Exports of the reference period"),
        _money("imports_usd", "USD", "Imports of the reference period"),
        _balance("balance_usd", "USD", "Trade balance of the reference period"),
        _money("exports_cny", "CNY", "Exports of the reference period"),
        _money("imports_cny", "CNY", "Imports of the reference period"),
        _balance("balance_cny", "CNY", "Trade balance of the reference period"),
        _money("exports_ytd_usd", "USD", "Exports from January to the period's last month"),
        _money("imports_ytd_usd", "USD", "Imports from January to the period's last month"),
        _balance("balance_ytd_usd", "USD", "Trade balance from January to the period's last month"),
        _money("exports_ytd_cny", "CNY", "Exports from January to the period's last month"),
        _money("imports_ytd_cny", "CNY", "Imports from January to the period's last month"),
        _balance("balance_ytd_cny", "CNY", "Trade balance from January to the period's last month"),
        _balance("balance_rolling_12m_usd", "USD", "Trade balance over the 12 months ending with the period"),
        _balance("balance_rolling_12m_cny", "CNY", "Trade balance over the 12 months ending with the period"),
        _balance(
            "balance_yoy_change_usd",
            "USD",
            "Change in the period's balance from the same period a year earlier",
        ),
        _balance(
            "balance_yoy_change_cny",
            "CNY",
            "Change in the period's balance from the same period a year earlier",
        ),
        _pct(
            "exports_yoy_pct",
            "Year-on-year % of exports_usd: GACC's figure where published for this value, else derived",
        ),
        _pct(
            "imports_yoy_pct",
            "Year-on-year % of imports_usd: GACC's figure where published for this value, else derived",
        ),
        _pct("exports_ytd_yoy_pct", "Year-on-year % of exports_ytd_usd: published, else derived"),
        _pct("imports_ytd_yoy_pct", "Year-on-year % of imports_ytd_usd: published, else derived"),
        _pct(
            "share_of_total_balance_pct",
            "The partner's balance as a % of China's total balance for the period",
        ),
        # --- meta ---------------------------------------------------------------------------------------
        Field("run_id", STR, "Identifier of the pipeline run", nullable=False),
        Field("flow_run_id", STR, "Prefect flow-run id"),
        Field("started_at", TS, "When the run started (UTC)", nullable=False),
        Field("finished_at", TS, "When the run finished (UTC)"),
        Field("status", STR, "Outcome", nullable=False),
        Field("source", STR, "Where the files came from: gacc, landing or demo"),
        Field("source_uri", STR, "URL or path the raw file came from", nullable=False),
        Field("code_version", STR, "Version of this project that ran"),
        Field(
            "input_fingerprint",
            STR,
            "SHA-256 over the staged files and the code version a warehouse was built from",
        ),
        Field("file_count", INT, "Number of raw files", min_value=0),
        Field("message", STR, "Human-readable summary"),
        Field("size_bytes", INT, "Size of the raw file in bytes", nullable=False, min_value=0),
        Field("original_name", STR, "File name as fetched or dropped"),
        Field(
            "error", STR, "Why the file was quarantined: the parser's message naming file, table, row, column"
        ),
        Field(
            "quarantine_reason",
            STR,
            "Why the file is quarantined: 'parse' (its parser could not read it), 'gate' (the data-quality"
            " gate failed its release); null for a file that is not",
            allowed_values=QUARANTINE_REASONS,
        ),
        Field(
            "batch_id",
            STR,
            "The batch validated: 'period=<period>' for per-period batches, 'all' for whole-table rules",
            nullable=False,
        ),
        Field("suite_name", STR, "Great Expectations suite the expectation belongs to", nullable=False),
        Field("expectation_type", STR, "Great Expectations expectation type", nullable=False),
        Field(
            "rule", STR, "The rule checked: a contract constraint or a named business rule", nullable=False
        ),
        Field(
            "severity",
            STR,
            "critical stops the publish; warning is recorded and reported",
            nullable=False,
            allowed_values=("critical", "warning"),
        ),
        Field("success", BOOL, "True if the expectation held", nullable=False),
        Field("observed_value", STR, "What was observed, as JSON"),
        Field("unexpected_count", INT, "Number of rows that broke the expectation", min_value=0),
        Field("unexpected_examples", STR, "Up to a few offending rows, as JSON"),
        Field("validated_at", TS, "When the validation ran (UTC)", nullable=False),
        Field("object_schema", STR, "Schema of the table or view", nullable=False),
        Field("object_name", STR, "Name of the table or view", nullable=False),
        Field("object_kind", STR, "table or view", nullable=False, allowed_values=("table", "view")),
        Field("object_description", STR, "What the table or view holds", nullable=False),
        Field("column_name", STR, "Column name", nullable=False),
        Field("ordinal_position", INT, "Position of the column, from 1", nullable=False),
        Field("data_type", STR, "DuckDB type of the column", nullable=False),
        Field("unit", STR, "Unit of the column's values"),
        Field("column_description", STR, "What the column holds", nullable=False),
        Field("is_primary_key", BOOL, "True if the column is part of the primary key", nullable=False),
        Field("is_nullable", BOOL, "True if the column may hold nulls", nullable=False),
        # --- the partitions of the incremental build and publish (issue 11) -----------------------------
        Field(
            "table_name", STR, "Qualified name (schema.table) of a table stored per period", nullable=False
        ),
        Field("row_count", INT, "Number of rows", nullable=False, min_value=0),
        Field(
            "built_by_run_id",
            STR,
            "The run that built the rows (a carried-over period keeps its first)",
            nullable=False,
        ),
        Field("built_at", TS, "When the rows were built (UTC)", nullable=False),
        # --- the BI layer without traps (issue 13) ---------------------------------------------------
        Field(
            "period_kind",
            STR,
            "What the period covers: 'month', or 'jan_feb_combined' (GACC's January-February period, "
            "published as one). Never add a jan_feb_combined row to January or February rows of the same "
            "figure (a Monthly Bulletin February page gives both: the January-February period, and February "
            "with a derived January)",
            nullable=False,
            allowed_values=PERIOD_KINDS,
        ),
        Field(
            "value_source",
            STR,
            "Where the row's values come from: 'published' (printed by GACC) or 'derived' (computed here "
            "from printed figures, never GACC's print: January from a Monthly Bulletin February page, its "
            "January-February minus its February, with no published y/y)",
            nullable=False,
            allowed_values=VALUE_SOURCES,
        ),
        _yoy_source("exports_yoy_pct"),
        _yoy_source("imports_yoy_pct"),
        _yoy_source("exports_ytd_yoy_pct"),
        _yoy_source("imports_ytd_yoy_pct"),
        _yoy_source("yoy_pct"),
        _yoy_source("yoy_ytd_pct"),
        Field(
            "commodity_code_kind",
            STR,
            "What kind of code commodity_code is: 'hs8' (an HS 8-digit code), 'hs2' (an HS chapter), "
            "'gacc_label' (our code for a GACC commodity label of tables (5)/(6), e.g. M-CRUDE: no HS code)",
            nullable=False,
            allowed_values=COMMODITY_CODE_KINDS,
        ),
        Field(
            "commodity_name_en",
            STR,
            "English name: GACC's English label for a gacc_label code; for an HS code, the name of its HS "
            "heading, else of its chapter, from the reviewed reference data",
        ),
        Field("commodity_name_zh", STR, "Chinese name as GACC published it (online-query exports)"),
    ]
)
