"""Every table and view of the project, declared once.

Staging and archive tables live as Parquet under the data root; `core`, `meta` and `bi` live in the
DuckDB warehouse. The BI views are the contract BI tools rely on: add columns, rename none.
"""

from __future__ import annotations

from warehouse.codes import (
    ARCHIVED_PRODUCTS,
    FILE_STATUSES,
    PARTNER_DIRECTIONS,
    RELEASE_STATUSES,
    TRADE_DIRECTIONS,
)
from warehouse.contracts import Field, TableContract
from warehouse.fields import FIELDS

_TRADE_DIRECTION = FIELDS["direction"].but(
    description="Trade direction: exports by destination (FOB), imports by origin (CIF)",
    allowed_values=TRADE_DIRECTIONS,
)
_PARTNER_DIRECTION = FIELDS["direction"].but(allowed_values=PARTNER_DIRECTIONS)
# What every fact with release grain says about each vintage (transforms.vintages fills them).
_VINTAGE_COLUMNS = ("vintage_source", "public_on", "vintage_precedence")

# --- archive ----------------------------------------------------------------------------------------
ARCHIVE_MANIFEST = TableContract(
    "archive",
    "manifest",
    "One row per raw file ever fetched or dropped: content-addressed, never modified",
    FIELDS.pick(
        "source_sha256",
        "size_bytes",
        "source_uri",
        "original_name",
        "retrieved_at",
        FIELDS["product"].but(nullable=True, allowed_values=ARCHIVED_PRODUCTS),
        FIELDS["table_id"].but(nullable=True),
        FIELDS["currency"].but(
            nullable=True,
            description="Currency edition of the table; for a quarantined page reached through an index page, "
            "the edition the index lists it as (given to the parser again on a re-parse)",
        ),
        FIELDS["period"].but(
            nullable=True,
            description="Reference period of the file; for an online-query export, its last month; for a "
            "quarantined page reached through an index page, the month the index lists it under",
        ),
        "published_on",
        "parser_version",
        FIELDS["status"].but(allowed_values=FILE_STATUSES),
        "quarantine_reason",
        "error",
        FIELDS["release_id"].but(nullable=True),
    ),
    primary_key=("source_sha256",),
)

# --- staging ----------------------------------------------------------------------------------------
STG_PRELIMINARY = TableContract(
    "staging",
    "preliminary_cells",
    "Every figure of every preliminary-release table, as published, one row per cell (long format)",
    FIELDS.pick(
        "release_id",
        "product",
        "source_sha256",
        "parser_version",
        "table_id",
        "printed_number",
        "title",
        "currency",
        "unit_label",
        "scale",
        "period",
        "months_covered",
        "published_on",
        "row_number",
        "label",
        "label_as_published",
        "indent_level",
        "parent_label",
        "quantity_unit",
        "column_number",
        "measure",
        "span",
        "direction",
        "figure_as_published",
        "amount_whole_units",
        "figure_period",
        "is_restatement",
        "is_aggregate",
        FIELDS["commodity_code"].but(
            nullable=True, description="Tables (5)/(6): the commodity, reference/commodity_aliases.csv"
        ),
        "trade_mode_code",
        "quantity_base_unit",
        "quantity_in_base_unit",
        "quantity_unit_pending",
    ),
    primary_key=("source_sha256", "row_number", "column_number"),
    partition_by=("table_id", "period"),
)

STG_ONLINE_QUERY = TableContract(
    "staging",
    "online_query_records",
    "HS8 x partner x month records of GACC online-query exports, as exported",
    FIELDS.pick(
        "release_id",
        "product",
        "source_sha256",
        "parser_version",
        "currency",
        _TRADE_DIRECTION,
        "period",
        "partner_code_gacc",
        "partner_name_zh",
        "hs_code",
        "commodity_name",
        "quantity_1",
        "quantity_1_unit",
        "quantity_2",
        "quantity_2_unit",
        FIELDS["amount_whole_units"].but(
            nullable=False, description="Value in whole currency units as exported"
        ),
    ),
    primary_key=("source_sha256", "period", "partner_code_gacc", "hs_code"),
    partition_by=("period",),
)

# --- core dimensions --------------------------------------------------------------------------------
DIM_PARTNER = TableContract(
    "core",
    "dim_partner",
    "Countries, regions and groups China trades with, from the reviewed reference data",
    FIELDS.pick(
        "partner_code",
        "gacc_code",
        "iso_alpha3",
        # The same names as the BI views (issue 13): a join USING (partner_code) gives partner_name.
        FIELDS["partner_name"].but(nullable=False),
        FIELDS["partner_name_zh"].but(description="Partner name in Chinese"),
        "continent",
        "is_group",
    ),
    primary_key=("partner_code",),
)
BRIDGE_PARTNER_GROUP = TableContract(
    "core",
    "bridge_partner_group",
    "Membership of countries in groups, valid from/to a month (EU without the UK from 2020-02)",
    FIELDS.pick("group_code", "member_code", "valid_from", "valid_to"),
    primary_key=("group_code", "member_code", "valid_from"),
)
DIM_PERIOD = TableContract(
    "core",
    "dim_period",
    "Reference periods: months, and the combined January-February period",
    FIELDS.pick(
        "period",
        "period_start",
        "year",
        "first_month",
        "last_month",
        "months_covered",
        "is_combined",
        "period_kind",
    ),
    primary_key=("period",),
)
DIM_COMMODITY = TableContract(
    "core",
    "dim_commodity",
    "Commodities of the major-commodity tables and the online-query detail",
    FIELDS.pick(
        "commodity_code",
        "commodity_name",
        _TRADE_DIRECTION.but(nullable=True),
        "hs_heading",
        "hs_chapter",
        # --- what kind of code, and names in both languages (issue 13)
        "commodity_code_kind",
        "commodity_name_en",
        "commodity_name_zh",
    ),
    primary_key=("commodity_code",),
)

DIM_TRADE_MODE = TableContract(
    "core",
    "dim_trade_mode",
    "Trade modes (customs regimes) of tables (2)/(3), from the reviewed reference data",
    FIELDS.pick(
        FIELDS["trade_mode_code"].but(nullable=False),
        FIELDS["trade_mode"].but(nullable=False),
        "trade_mode_zh",  # one name per concept, as partner_name/partner_name_zh (issue 13)
        "is_processing_trade",
        FIELDS["is_aggregate"].but(
            description="True for a row that sums other rows (Total, Processing trade)"
        ),
    ),
    primary_key=("trade_mode_code",),
)

# --- core facts -------------------------------------------------------------------------------------
FACT_PARTNER_TRADE = TableContract(
    "core",
    "fact_partner_trade",
    "Trade by partner from tables (1) (World) and (4) and from the Monthly Bulletin (its customs-regime TOTAL "
    "as World, its by-country table), every release kept: both currencies as published",
    FIELDS.pick(
        "release_id",
        "product",
        "published_on",
        "period",
        "period_start",
        "months_covered",
        "partner_code",
        "partner_label",
        "is_group",
        _PARTNER_DIRECTION,
        "value_usd",
        "value_cny",
        "value_ytd_usd",
        "value_ytd_cny",
        "value_derived_usd",
        "value_derived_cny",
        "revision_residual_usd",
        "revision_residual_cny",
        "yoy_pct_published_usd",
        "yoy_pct_published_cny",
        "yoy_ytd_pct_published_usd",
        "yoy_ytd_pct_published_cny",
        "mom_pct_published_usd",
        "implied_cny_per_usd",
        "is_latest_vintage",
        *_VINTAGE_COLUMNS,
        "value_source",
    ),
    primary_key=("release_id", "period", "partner_code", "direction"),
)

FACT_TRADE_FLOWS = TableContract(
    "core",
    "fact_trade_flows",
    "Trade by commodity (tables (5)/(6), World) and by commodity x partner (online-query detail)",
    FIELDS.pick(
        "release_id",
        "product",
        "published_on",
        "period",
        "period_start",
        "months_covered",
        _TRADE_DIRECTION,
        "commodity_code",
        "commodity_name",
        "partner_code",
        FIELDS["is_aggregate"].but(
            description="Tables (5)/(6): a row marked '*' that sums listed and other items (never add it "
            "to its members)"
        ),
        "quantity_unit",
        "quantity",
        "quantity_ytd",
        "quantity_base_unit",
        "quantity_base",
        "quantity_ytd_base",
        "value_usd",
        "value_cny",
        "value_ytd_usd",
        "value_ytd_cny",
        "yoy_ytd_pct_published_usd",
        "yoy_ytd_pct_published_cny",
        FIELDS["is_restatement"].but(
            description="True for a row reprinted by a later release (the prior-year January-to-month "
            "column of tables (5)/(6)): a later vintage of the period's cumulative figures only"
        ),
        FIELDS["is_latest_vintage"].but(
            description="True for the row of the newest release that gives the period's own value; BI "
            "views show only these (a restatement of a cumulative figure alone never is)"
        ),
        *_VINTAGE_COLUMNS,
    ),
    # The grain, checked per changed period by the publish; not a DuckDB constraint (see partition_by).
    primary_key=("release_id", "period", "direction", "commodity_code", "partner_code"),
    # Stored and published one period at a time (warehouse.partitions): tens of millions of rows.
    partition_by=("period",),
)

FACT_TRADE_MODE = TableContract(
    "core",
    "fact_trade_mode",
    "Trade by trade mode (customs regime) from tables (2) (the month) and (3) (January to month) and from "
    "the Monthly Bulletin's customs-regime table (both on one page), every release kept: both currencies "
    "as published",
    FIELDS.pick(
        "release_id",
        "product",
        "published_on",
        "period",
        "period_start",
        "months_covered",
        FIELDS["trade_mode_code"].but(nullable=False),
        FIELDS["label"].but(nullable=True, description="Trade-mode label as published"),
        _TRADE_DIRECTION,
        "value_usd",
        "value_cny",
        "value_ytd_usd",
        "value_ytd_cny",
        "yoy_pct_published_usd",
        "yoy_pct_published_cny",
        "yoy_ytd_pct_published_usd",
        "yoy_ytd_pct_published_cny",
        "yoy_pct",
        "yoy_ytd_pct",
        "share_of_total_pct",
        "processing_trade_share_pct",
        "is_latest_vintage",
        *_VINTAGE_COLUMNS,
        "value_source",
    ),
    primary_key=("release_id", "period", "trade_mode_code", "direction"),
)

FACT_TRADE_SURPLUS = TableContract(
    "core",
    "fact_trade_surplus",
    "Exports, imports and balance per period and partner (countries, groups, World), latest vintage",
    FIELDS.pick(
        "period",
        "period_start",
        "months_covered",
        "partner_code",
        "is_group",
        FIELDS["release_id"].but(
            description="The release the period's figures come from (its latest vintage)"
        ),
        "exports_usd",
        "imports_usd",
        "balance_usd",
        "exports_cny",
        "imports_cny",
        "balance_cny",
        "exports_ytd_usd",
        "imports_ytd_usd",
        "balance_ytd_usd",
        "exports_ytd_cny",
        "imports_ytd_cny",
        "balance_ytd_cny",
        "balance_rolling_12m_usd",
        "balance_rolling_12m_cny",
        "balance_yoy_change_usd",
        "balance_yoy_change_cny",
        "exports_yoy_pct",
        "imports_yoy_pct",
        "exports_ytd_yoy_pct",
        "imports_ytd_yoy_pct",
        "share_of_total_balance_pct",
        # --- which y/y figures GACC published and which are derived (issue 13)
        "exports_yoy_source",
        "imports_yoy_source",
        "exports_ytd_yoy_source",
        "imports_ytd_yoy_source",
        # --- a derived January of a Monthly Bulletin February page (issue 12)
        FIELDS["value_source"].but(
            description="Where the period's exports and imports come from: 'published', or 'derived' where "
            "either is (January from a Monthly Bulletin February page: its January-February minus its "
            "February, never GACC's print)"
        ),
    ),
    primary_key=("period", "partner_code"),
)

FACT_TRADE_SURPLUS_HISTORY = TableContract(
    "core",
    "fact_trade_surplus_history",
    "Every version of core.fact_trade_surplus: the fact as it stood on each day a vintage became public "
    "(the vintages public by then, the latest of each picked by the precedence rule), one row per version "
    "with the days it was current; the as-of macros read it",
    (*FACT_TRADE_SURPLUS.fields, *FIELDS.pick("visible_from", "visible_until")),
    primary_key=("period", "partner_code", "visible_from"),
)

# --- meta -------------------------------------------------------------------------------------------
META_RELEASES = TableContract(
    "meta",
    "releases",
    "One row per release (product x period x publication date) in the warehouse",
    FIELDS.pick(
        "release_id",
        "product",
        "period",
        "published_on",
        "retrieved_at",
        "file_count",
        "is_latest_vintage",
        FIELDS["status"].but(allowed_values=RELEASE_STATUSES),
    ),
    primary_key=("release_id",),
)
META_RELEASE_FILES = TableContract(
    "meta",
    "release_files",
    "The raw files behind each release: source URL or path, checksum, parser version",
    FIELDS.pick(
        "release_id",
        "source_sha256",
        "source_uri",
        FIELDS["table_id"].but(nullable=True),
        FIELDS["currency"].but(nullable=True),
        "retrieved_at",
        "parser_version",
    ),
    primary_key=("release_id", "source_sha256"),
)
META_RUNS = TableContract(
    "meta",
    "runs",
    "One row per pipeline run that published the warehouse",
    FIELDS.pick(
        "run_id",
        "flow_run_id",
        "started_at",
        "finished_at",
        "status",
        "source",
        "code_version",
        "input_fingerprint",
        "message",
    ),
    primary_key=("run_id",),
)
META_VALIDATION_RESULTS = TableContract(
    "meta",
    "validation_results",
    "Every expectation result of every gate run: suite, rule, severity, outcome and offending rows",
    FIELDS.pick(
        "run_id",
        FIELDS["release_id"].but(nullable=True, description="The release validated, where one release is"),
        "batch_id",
        "suite_name",
        FIELDS["object_name"].but(description="Table validated (schema.name)"),
        "expectation_type",
        "rule",
        "severity",
        "success",
        "observed_value",
        "unexpected_count",
        "unexpected_examples",
        "validated_at",
    ),
    primary_key=("run_id", "suite_name", "rule", "batch_id"),
)
META_BUILD_PARTITIONS = TableContract(
    "meta",
    "build_partitions",
    "One row per period of each table stored per period (core.fact_trade_flows): the fingerprint of "
    "what its rows were built from; a publish rewrites only the periods whose fingerprint changed",
    FIELDS.pick(
        "table_name",
        "period",
        FIELDS["input_fingerprint"].but(
            description="SHA-256 over everything the period's rows were built from (its staged files, the "
            "parser, the code, the reference data): equal fingerprints, equal rows",
            nullable=False,
        ),
        "row_count",
        "built_by_run_id",
        "built_at",
    ),
    primary_key=("table_name", "period"),
)
META_DATA_DICTIONARY = TableContract(
    "meta",
    "data_dictionary",
    "Every column of every table and view in the warehouse, rendered from the table contracts",
    FIELDS.pick(
        "object_schema",
        "object_name",
        "object_kind",
        "object_description",
        "column_name",
        "ordinal_position",
        "data_type",
        "unit",
        "column_description",
        "is_primary_key",
        "is_nullable",
    ),
    primary_key=("object_schema", "object_name", "column_name"),
)

# --- BI contract views ------------------------------------------------------------------------------
# Columns are only ever appended (issue 13's additions come last in each view), so a BI tool reading
# columns by position keeps working.

_GACC_DECIMALS = 1  # GACC prints percentages with one decimal


_SURPLUS_VALUE_SOURCE = FACT_TRADE_SURPLUS.field("value_source").description


def _bi_pct(name: str, rounded: str, core: str = "trade_surplus") -> Field:
    """A % column as the BI views show it: core's full-precision value, rounded where it is derived."""
    f = FIELDS[name]
    return f.but(description=f"{f.description}; {rounded} (full precision in core.fact_{core})")


def _bi_yoy(name: str) -> Field:
    return _bi_pct(name, f"a derived value is rounded to {_GACC_DECIMALS} decimal, as GACC publishes")


def _yoy_sql(pct: str, source: str, alias: str | None = None, table: str = "s") -> str:
    """A y/y column as the BI views show it: published figures as printed, derived ones rounded."""
    return (
        f"CASE WHEN {table}.{source} = 'derived' THEN round({table}.{pct}, {_GACC_DECIMALS})"
        f" ELSE {table}.{pct} END AS {alias or pct}"
    )


BI_MONTHLY_TRADE = TableContract(
    "bi",
    "monthly_trade",
    "China's total trade per period (latest vintage): values in whole US dollars and yuan",
    FIELDS.pick(
        "period",
        "period_start",
        "months_covered",
        "exports_usd",
        "imports_usd",
        "balance_usd",
        "exports_cny",
        "imports_cny",
        "balance_cny",
        _bi_yoy("exports_yoy_pct"),
        _bi_yoy("imports_yoy_pct"),
        # --- issue 13
        "period_kind",
        "exports_yoy_source",
        "imports_yoy_source",
        # --- issue 12
        FIELDS["value_source"].but(description=_SURPLUS_VALUE_SOURCE),
    ),
    primary_key=("period",),
    kind="view",
    sql=f"""
SELECT s.period, s.period_start, s.months_covered, s.exports_usd, s.imports_usd, s.balance_usd,
       s.exports_cny, s.imports_cny, s.balance_cny,
       {_yoy_sql("exports_yoy_pct", "exports_yoy_source")},
       {_yoy_sql("imports_yoy_pct", "imports_yoy_source")},
       d.period_kind, s.exports_yoy_source, s.imports_yoy_source, s.value_source
FROM core.fact_trade_surplus AS s
JOIN core.dim_period AS d USING (period)
WHERE s.partner_code = 'WLD'
ORDER BY s.period_start
""",
)
BI_PARTNER_TRADE = TableContract(
    "bi",
    "partner_trade",
    "Trade per period and partner (countries, groups flagged, World = WLD), latest vintage",
    FIELDS.pick(
        "period",
        "partner_code",
        "partner_name",
        "is_group",
        "exports_usd",
        "imports_usd",
        "balance_usd",
        "exports_cny",
        "imports_cny",
        "balance_cny",
        _bi_yoy("exports_yoy_pct"),
        _bi_yoy("imports_yoy_pct"),
        # --- issue 13
        "period_kind",
        "exports_yoy_source",
        "imports_yoy_source",
        # --- issue 12
        FIELDS["value_source"].but(description=_SURPLUS_VALUE_SOURCE),
    ),
    primary_key=("period", "partner_code"),
    kind="view",
    sql=f"""
SELECT s.period, s.partner_code, p.partner_name, s.is_group,
       s.exports_usd, s.imports_usd, s.balance_usd, s.exports_cny, s.imports_cny, s.balance_cny,
       {_yoy_sql("exports_yoy_pct", "exports_yoy_source")},
       {_yoy_sql("imports_yoy_pct", "imports_yoy_source")},
       d.period_kind, s.exports_yoy_source, s.imports_yoy_source, s.value_source
FROM core.fact_trade_surplus AS s
JOIN core.dim_partner AS p USING (partner_code)
JOIN core.dim_period AS d USING (period)
ORDER BY s.period_start, s.partner_code
""",
)
BI_TRADE_SURPLUS = TableContract(
    "bi",
    "trade_surplus",
    "Trade balance per period and partner: the period, year to date, rolling 12 months, share of total",
    FIELDS.pick(
        "period",
        "partner_code",
        "balance_usd",
        "balance_ytd_usd",
        "balance_rolling_12m_usd",
        _bi_pct("share_of_total_balance_pct", f"rounded to {_GACC_DECIMALS} decimal"),
        # --- issue 13
        "partner_name",
        "is_group",
        "period_kind",
    ),
    primary_key=("period", "partner_code"),
    kind="view",
    sql=f"""
SELECT s.period, s.partner_code, s.balance_usd, s.balance_ytd_usd, s.balance_rolling_12m_usd,
       round(s.share_of_total_balance_pct, {_GACC_DECIMALS}) AS share_of_total_balance_pct,
       p.partner_name, s.is_group, d.period_kind
FROM core.fact_trade_surplus AS s
JOIN core.dim_partner AS p USING (partner_code)
JOIN core.dim_period AS d USING (period)
ORDER BY s.period_start, s.partner_code
""",
)
BI_COMMODITY_TRADE = TableContract(
    "bi",
    "commodity_trade",
    "Trade per period, commodity, partner and direction (tables (5)/(6) and online-query detail)",
    FIELDS.pick(
        "period",
        FIELDS["hs_code"].but(
            description="The commodity code (kept for existing readers; the same as commodity_code, whose "
            "kind commodity_code_kind gives: not always an HS code)"
        ),
        "commodity_name",
        "partner_code",
        _TRADE_DIRECTION,
        "value_usd",
        "value_cny",
        "quantity",
        "quantity_unit",
        "quantity_base",
        "quantity_base_unit",
        "is_aggregate",
        # --- issue 13: the code's name as in core, its kind, names in both languages, the period's kind
        "commodity_code",
        "commodity_code_kind",
        "commodity_name_en",
        "commodity_name_zh",
        "hs_heading",
        "hs_chapter",
        "period_kind",
    ),
    primary_key=("period", "hs_code", "partner_code", "direction"),
    kind="view",
    sql="""
SELECT f.period, f.commodity_code AS hs_code, f.commodity_name, f.partner_code, f.direction,
       f.value_usd, f.value_cny, f.quantity, f.quantity_unit, f.quantity_base, f.quantity_base_unit,
       f.is_aggregate,
       f.commodity_code, c.commodity_code_kind, c.commodity_name_en, c.commodity_name_zh,
       c.hs_heading, c.hs_chapter, d.period_kind
FROM core.fact_trade_flows AS f
JOIN core.dim_commodity AS c USING (commodity_code)
JOIN core.dim_period AS d USING (period)
WHERE f.is_latest_vintage
ORDER BY f.period_start, hs_code, f.partner_code, f.direction
""",
)
BI_TRADE_MODE = TableContract(
    "bi",
    "trade_mode",
    "Trade per period, trade mode (customs regime) and direction (tables (2)/(3), the Monthly Bulletin's "
    "customs-regime table), latest vintage",
    FIELDS.pick(
        "period",
        FIELDS["trade_mode_code"].but(nullable=False),
        "trade_mode",
        _TRADE_DIRECTION,
        "value_usd",
        "value_cny",
        "value_ytd_usd",
        "value_ytd_cny",
        _bi_pct(
            "yoy_pct",
            f"a derived value is rounded to {_GACC_DECIMALS} decimal, as GACC publishes",
            "trade_mode",
        ),
        _bi_pct(
            "yoy_ytd_pct",
            f"a derived value is rounded to {_GACC_DECIMALS} decimal, as GACC publishes",
            "trade_mode",
        ),
        "is_processing_trade",
        _bi_pct("share_of_total_pct", f"rounded to {_GACC_DECIMALS} decimal", "trade_mode"),
        _bi_pct("processing_trade_share_pct", f"rounded to {_GACC_DECIMALS} decimal", "trade_mode"),
        # --- issue 13
        "period_kind",
        "yoy_source",
        "yoy_ytd_source",
        # --- issue 12
        "value_source",
    ),
    primary_key=("period", "trade_mode_code", "direction"),
    kind="view",
    sql=f"""
SELECT f.period, f.trade_mode_code, m.trade_mode, f.direction,
       f.value_usd, f.value_cny, f.value_ytd_usd, f.value_ytd_cny,
       {_yoy_sql("yoy_pct", "yoy_source", table="f")},
       {_yoy_sql("yoy_ytd_pct", "yoy_ytd_source", table="f")},
       m.is_processing_trade,
       round(f.share_of_total_pct, {_GACC_DECIMALS}) AS share_of_total_pct,
       round(f.processing_trade_share_pct, {_GACC_DECIMALS}) AS processing_trade_share_pct,
       d.period_kind, f.yoy_source, f.yoy_ytd_source, f.value_source
FROM (
    SELECT *,
           CASE WHEN yoy_pct_published_usd IS NOT NULL THEN 'published'
                WHEN yoy_pct IS NOT NULL THEN 'derived' END AS yoy_source,
           CASE WHEN yoy_ytd_pct_published_usd IS NOT NULL THEN 'published'
                WHEN yoy_ytd_pct IS NOT NULL THEN 'derived' END AS yoy_ytd_source
    FROM core.fact_trade_mode
    WHERE is_latest_vintage
) AS f
JOIN core.dim_trade_mode AS m USING (trade_mode_code)
JOIN core.dim_period AS d USING (period)
ORDER BY f.period_start, f.trade_mode_code, f.direction
""",
)
BI_ANNUAL_TRADE = TableContract(
    "bi",
    "annual_trade",
    "Trade per calendar year and partner, from the January-December values of the latest vintage",
    FIELDS.pick(
        "year",
        "partner_code",
        "exports_usd",
        "imports_usd",
        "balance_usd",
        _bi_yoy("exports_yoy_pct"),
        _bi_yoy("imports_yoy_pct"),
        # --- issue 13
        "partner_name",
        "is_group",
        FIELDS["exports_yoy_source"].but(description=FIELDS["exports_ytd_yoy_source"].description),
        FIELDS["imports_yoy_source"].but(description=FIELDS["imports_ytd_yoy_source"].description),
    ),
    primary_key=("year", "partner_code"),
    kind="view",
    sql=f"""
SELECT year(s.period_start) AS year, s.partner_code,
       s.exports_ytd_usd AS exports_usd, s.imports_ytd_usd AS imports_usd, s.balance_ytd_usd AS balance_usd,
       {_yoy_sql("exports_ytd_yoy_pct", "exports_ytd_yoy_source", "exports_yoy_pct")},
       {_yoy_sql("imports_ytd_yoy_pct", "imports_ytd_yoy_source", "imports_yoy_pct")},
       p.partner_name, s.is_group,
       s.exports_ytd_yoy_source AS exports_yoy_source, s.imports_ytd_yoy_source AS imports_yoy_source
FROM core.fact_trade_surplus AS s
JOIN core.dim_partner AS p USING (partner_code)
WHERE s.period LIKE '%-12'
ORDER BY year, s.partner_code
""",
)

# The vintages of each figure, side by side (issue 12).
_REVISION_KEY = "PARTITION BY period, partner_code, direction, revised_measure"
BI_REVISIONS = TableContract(
    "bi",
    "revisions",
    "Every vintage of every partner-trade figure (period x partner x direction x measure): its value, the "
    "previous vintage's (under the precedence rule), the revision, and the first print",
    FIELDS.pick(
        "period",
        "partner_code",
        _PARTNER_DIRECTION,
        "revised_measure",
        "release_id",
        "vintage_source",
        "public_on",
        "is_latest_vintage",
        "value_whole_units",
        "previous_whole_units",
        "change_whole_units",
        "change_pct",
        "first_print_whole_units",
        "days_since_first_print",
    ),
    primary_key=("period", "partner_code", "direction", "revised_measure", "release_id"),
    kind="view",
    sql=f"""
SELECT period, partner_code, direction, revised_measure, release_id, vintage_source, public_on,
       is_latest_vintage, value_whole_units, previous_whole_units,
       value_whole_units - previous_whole_units AS change_whole_units,
       CASE WHEN previous_whole_units <> 0
            THEN 100 * CAST(value_whole_units - previous_whole_units AS DOUBLE) / previous_whole_units
       END AS change_pct,
       first_print_whole_units,
       CAST(public_on - first_print_on AS BIGINT) AS days_since_first_print
FROM (
    SELECT *,
           lag(value_whole_units) OVER ({_REVISION_KEY} ORDER BY vintage_precedence) AS previous_whole_units,
           first_value(value_whole_units) OVER by_print AS first_print_whole_units,
           first_value(public_on) OVER by_print AS first_print_on
    FROM (
        UNPIVOT (
            SELECT period, period_start, partner_code, direction, release_id, vintage_source, public_on,
                   vintage_precedence, is_latest_vintage, value_usd, value_cny, value_ytd_usd, value_ytd_cny
            FROM core.fact_partner_trade
        )
        ON value_usd, value_cny, value_ytd_usd, value_ytd_cny
        INTO NAME revised_measure VALUE value_whole_units
    )
    WINDOW by_print AS ({_REVISION_KEY} ORDER BY public_on, vintage_precedence)
)
ORDER BY period_start, partner_code, direction, revised_measure, vintage_precedence
""",
)
BI_REVISION_TRIANGLE = TableContract(
    "bi",
    "revision_triangle",
    "China's totals (World) per reference period and vintage: each vintage's value in order of "
    "publication, and its change from the first print (pivot vintage_number into columns for a triangle)",
    FIELDS.pick(
        "period",
        _PARTNER_DIRECTION,
        "vintage_number",
        "public_on",
        "release_id",
        "vintage_source",
        "value_usd",
        "value_cny",
        "change_from_first_print_usd",
        "is_latest_vintage",
    ),
    primary_key=("period", "direction", "vintage_number"),
    kind="view",
    sql="""
SELECT period, direction,
       row_number() OVER by_print AS vintage_number,
       public_on, release_id, vintage_source, value_usd, value_cny,
       value_usd - first_value(value_usd) OVER by_print AS change_from_first_print_usd,
       is_latest_vintage
FROM core.fact_partner_trade
WHERE partner_code = 'WLD'
WINDOW by_print AS (PARTITION BY period, direction ORDER BY public_on, vintage_precedence)
ORDER BY period_start, direction, vintage_number
""",
)

WAREHOUSE_TABLES: tuple[TableContract, ...] = (
    DIM_PARTNER,
    BRIDGE_PARTNER_GROUP,
    DIM_PERIOD,
    DIM_COMMODITY,
    DIM_TRADE_MODE,
    FACT_PARTNER_TRADE,
    FACT_TRADE_FLOWS,
    FACT_TRADE_MODE,
    FACT_TRADE_SURPLUS,
    FACT_TRADE_SURPLUS_HISTORY,
    META_RELEASES,
    META_RELEASE_FILES,
    META_RUNS,
    META_VALIDATION_RESULTS,
    META_BUILD_PARTITIONS,
    META_DATA_DICTIONARY,
)
BI_VIEWS: tuple[TableContract, ...] = (
    BI_MONTHLY_TRADE,
    BI_PARTNER_TRADE,
    BI_TRADE_SURPLUS,
    BI_COMMODITY_TRADE,
    BI_TRADE_MODE,
    BI_ANNUAL_TRADE,
    BI_REVISIONS,
    BI_REVISION_TRIANGLE,
)
STAGING_TABLES: tuple[TableContract, ...] = (STG_PRELIMINARY, STG_ONLINE_QUERY)
ALL_CONTRACTS: tuple[TableContract, ...] = (ARCHIVE_MANIFEST, *STAGING_TABLES, *WAREHOUSE_TABLES, *BI_VIEWS)


def contract(qualified_name: str) -> TableContract:
    for c in ALL_CONTRACTS:
        if c.qualified_name == qualified_name:
            return c
    raise KeyError(f"no table or view {qualified_name!r} is declared")
