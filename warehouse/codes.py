"""The code lists of the contract: every value a coded column may take, declared once.

Each list is a `Literal` type (what the parsers and flows are checked against by mypy) and the tuple of
its values (what `warehouse.fields` declares as a column's allowed values, so that the expectation
suites, the data dictionary and any enum come from the same list).
"""

from __future__ import annotations

from typing import Final, Literal, get_args

# Which published table (preliminary release or Monthly Bulletin), identified by its description (never by its printed number).
TableId = Literal[
    "totals",  # (1) China's Total Export & Import Values
    "trade_mode_month",  # (2) ... by Trade Mode, the month ("Only August")
    "trade_mode_ytd",  # (3) ... by Trade Mode, January to month
    "by_partner",  # (4) ... by Country/Region
    "major_exports",  # (5) Major Exports by Quantity and Value
    "major_imports",  # (6) Major Imports by Quantity and Value
    "bulletin_trade_mode",  # Monthly Bulletin: Imports and Exports by Customs Regime
    "bulletin_by_partner",  # Monthly Bulletin: Imports and Exports by Country (Region)
]
TABLE_IDS: Final[tuple[TableId, ...]] = get_args(TableId)

Currency = Literal["CNY", "USD"]
CURRENCIES: Final[tuple[Currency, ...]] = get_args(Currency)

Measure = Literal["value", "quantity", "yoy_pct", "mom_pct"]
MEASURES: Final[tuple[Measure, ...]] = get_args(Measure)

Span = Literal["month", "ytd"]
SPANS: Final[tuple[Span, ...]] = get_args(Span)

Direction = Literal["total", "export", "import", "balance"]
DIRECTIONS: Final[tuple[Direction, ...]] = get_args(Direction)
# The flows a trade record or a commodity has: exports by destination, imports by origin.
TradeDirection = Literal["export", "import"]
TRADE_DIRECTIONS: Final[tuple[TradeDirection, ...]] = get_args(TradeDirection)
# The flows a partner's trade is published in (table (1) prints the balance too; it is derived later).
PARTNER_DIRECTIONS: Final[tuple[Direction, ...]] = ("total", *TRADE_DIRECTIONS)

# The GACC products whose figures are staged and published.
Product = Literal["preliminary", "bulletin", "online_query"]
PRODUCTS: Final[tuple[Product, ...]] = get_args(Product)
# What the archive holds besides them: the yearly index pages of the preliminary release.
ArchivedProduct = Literal[Product, "index"]
ARCHIVED_PRODUCTS: Final[tuple[ArchivedProduct, ...]] = (*PRODUCTS, "index")

# What became of a file in the archive manifest.
FileStatus = Literal["staged", "quarantined", "index"]
FILE_STATUSES: Final[tuple[FileStatus, ...]] = get_args(FileStatus)
# Why a file is quarantined: its parser could not read it, the build could not resolve its rows (a
# partner the reference lacks), the data-quality gate failed its release, or (`unconfirmed`) it is a
# Monthly Bulletin page printed without a Unit row that no staged vintage of its month can yet confirm:
# it waits, and every ingest checks it again until one can (then it is staged, or rejected for good).
QuarantineReason = Literal["parse", "build", "gate", "unconfirmed"]
QUARANTINE_REASONS: Final[tuple[QuarantineReason, ...]] = get_args(QuarantineReason)

ReleaseStatus = Literal["published", "quarantined", "released_by_override"]
RELEASE_STATUSES: Final[tuple[ReleaseStatus, ...]] = get_args(ReleaseStatus)

# --- the BI layer's markers (issue 13) ---------------------------------------------------------------
# Where a y/y % comes from: GACC's printed figure (one decimal) or derived by this project from two values.
YoySource = Literal["published", "derived"]
YOY_SOURCES: Final[tuple[YoySource, ...]] = get_args(YoySource)
# Where a fact row's values come from: printed by GACC, or derived here from printed figures (January from a
# Monthly Bulletin February page: its January-February minus its February). A derived value is never GACC's.
ValueSource = Literal["published", "derived"]
VALUE_SOURCES: Final[tuple[ValueSource, ...]] = get_args(ValueSource)
# What kind of code a commodity row has: an HS8 code, an HS chapter, or our code for a GACC commodity label
# of tables (5)/(6) ('M-CRUDE'), which is no HS code at all.
CommodityCodeKind = Literal["hs8", "hs2", "gacc_label"]
COMMODITY_CODE_KINDS: Final[tuple[CommodityCodeKind, ...]] = get_args(CommodityCodeKind)
# What a period key covers: one calendar month, or GACC's combined January-February period. A year's
# months and its Jan-Feb period never both hold January and February for the same figure, but a view
# mixing products (commodity detail) can hold both kinds: sum one kind only.
PeriodKind = Literal["month", "jan_feb_combined"]
PERIOD_KINDS: Final[tuple[PeriodKind, ...]] = get_args(PeriodKind)

# The file formats `customs export` writes the BI views in.
ExportFormat = Literal["csv", "parquet", "xlsx"]
EXPORT_FORMATS: Final[tuple[ExportFormat, ...]] = get_args(ExportFormat)

# Where a vintage of a figure comes from: the preliminary release, a later preliminary page's reprint of
# an earlier figure (the prior-year January-to-month column of tables (5)/(6)), the Monthly Bulletin, or
# an online-query export.
VintageSource = Literal["preliminary", "preliminary_restated", "bulletin", "online_query"]
VINTAGE_SOURCES: Final[tuple[VintageSource, ...]] = get_args(VintageSource)
# The precedence rule, first key: a higher rank wins over any vintage of a lower rank, whatever its date.
# `transforms.vintages` applies it; the text below is what the data dictionary says about it.
VINTAGE_SOURCE_RANK: Final[dict[VintageSource, int]] = {
    "preliminary": 0,
    "preliminary_restated": 0,
    "online_query": 0,
    "bulletin": 1,
}
VINTAGE_PRECEDENCE_RULE: Final[str] = (
    "Precedence rule (the latest vintage of a figure): the Monthly Bulletin over the preliminary release "
    "and online-query exports; among vintages of the same rank, the later over the earlier (public_on, "
    "then retrieval time, then release_id)"
)

# The figures of a partner's trade whose vintages `bi.revisions` compares (columns of core.fact_partner_trade).
RevisedMeasure = Literal["value_usd", "value_cny", "value_ytd_usd", "value_ytd_cny"]
REVISED_MEASURES: Final[tuple[RevisedMeasure, ...]] = get_args(RevisedMeasure)
