"""The business rules' parameters: each tolerance or threshold once, with why it has its value.

Most tolerances are the rounding the source allows, with a margin: GACC's English pages print figures
to 0.1 of the printed unit (100 million yuan, 1 million dollars, ...). The rules (`expectations.rules`)
read the values from here; each rule lists the parameters it uses, and the rule's GX suite notes (in
Data Docs) render them with their reasons.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Parameter:
    """A rule parameter: its value, the unit of the value, and why it has that value."""

    name: str
    value: float
    unit: str
    why: str

    def describe(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.name} = {self.value:g}{unit}: {self.why}"


HALF_STEP = Parameter(
    "half_step",
    0.05,
    "printed units",
    "English pages round to 0.1 of the printed unit, so a printed figure is within 0.05 of the true value",
)
EI_TOLERANCE = Parameter(
    "ei_tolerance",
    0.2,
    "printed units",
    "E&I, export and import are each rounded: |E&I - (export + import)| <= 3 x 0.05; 0.2 leaves a margin",
)
BALANCE_TOLERANCE = Parameter(
    "balance_tolerance",
    1.0,
    "currency units",
    "balance, exports and imports are whole currency units computed from one another: only integer "
    "rounding may separate them",
)
WORLD_TOLERANCE_UNITS = Parameter(
    "world_tolerance_units",
    0.55,
    "x the coarser printed unit",
    "table (4)'s Total vs table (1): half the coarser printed unit, plus a bit (USD table (1) is in 100 "
    "million, table (4) in 1 million). Looser than two roundings to 0.1 need, so a page printed in whole "
    "units still passes, and far tighter than any real error (a wrong unit or period is 100x or 10%)",
)
MEMBERS_MARGIN = Parameter(
    "members_margin",
    0.01,
    "printed units",
    "added to one half step per member and for the group, so figures exactly at the rounding bound pass",
)
TRADE_MODE_SUM_MARGIN = Parameter(
    "trade_mode_sum_margin",
    0.1,
    "printed units",
    "tables (2)/(3): the regimes and the Total Value are each rounded to 0.1, so their sum may miss the "
    "total by one half step per figure; this margin is added to those half steps, so figures exactly at "
    "the rounding bound pass, and stays far below a missing or doubled regime (hundreds of units)",
)
PARTNER_WORLD_TOLERANCE = Parameter(
    "partner_world_tolerance",
    0.1,
    "printed units",
    "a partner and the World row of the same table are two rounded figures: 2 x 0.05",
)
FACT_PARTNER_WORLD_SHARE = Parameter(
    "fact_partner_world_share",
    0.01,
    "x the World value",
    "in the fact table the World comes from table (1) and partners from table (4), with other units; a "
    "partner's real share never comes near the World, so 1% is slack for rounding and tight for a slip",
)
YOY_TOLERANCE_PP = Parameter(
    "yoy_tolerance_pp",
    0.15,
    "percentage points",
    "published y/y % are rounded to one decimal (0.05) and computed from unrounded levels; 0.15 pp covers "
    "the rounding of the rate, and the levels' own rounding is added per row",
)
YTD_REVISION_SHARE = Parameter(
    "ytd_revision_share",
    0.005,
    "x the earlier value",
    "GACC revises earlier months in each release: a January-to-month value may fall by such a revision "
    "(plus one printed step)",
)
RESIDUAL_SHARE = Parameter(
    "residual_share",
    0.01,
    "x the value",
    "the published month and the month derived from two January-to-month values differ by revisions; "
    "1% (or one printed unit, whichever is larger) separates revisions from errors",
)
IMPLIED_RATE_MIN = Parameter(
    "implied_rate_min",
    5.0,
    "CNY per USD",
    "the yuan has stayed between about 6 and 8.3 per dollar since 2005: below 5, one currency's figure "
    "is wrong (a unit or column slip)",
)
IMPLIED_RATE_MAX = Parameter(
    "implied_rate_max",
    9.0,
    "CNY per USD",
    "above 9 yuan per dollar, one currency's figure is wrong (a unit or column slip)",
)
OUTLIER_K = Parameter(
    "outlier_k",
    8.0,
    "scaled MADs",
    "robust outlier rule on log changes, |x - median| > k x scaled MAD: 8 flags unit slips (x10, x1000), "
    "not ordinary trade swings",
)
MAD_SCALE = Parameter(
    "mad_scale",
    1.4826,
    "",
    "MAD x 1.4826 estimates the standard deviation of normal data",
)
MAD_FLOOR = Parameter(
    "mad_floor",
    0.1,
    "log units",
    "a floor on the scaled MAD, so a perfectly smooth series does not flag ordinary moves",
)
MAD_CAP = Parameter(
    "mad_cap",
    0.5,
    "log units",
    "a cap on the scaled MAD, so a short series whose few points include the outliers themselves still "
    "flags a x1000 slip (log 1000 = 6.9 > 8 x 0.5)",
)
BULLETIN_HALF_UNIT = Parameter(
    "bulletin_half_unit",
    0.5,
    "printed units per printed figure",
    "the Monthly Bulletin prints whole US$1,000 (CNY 10,000), each figure within half a unit of its true "
    "value: its regimes may miss its TOTAL by half a unit per figure summed (the real customs-regime page "
    "of 10.2019 misses by 2 units, US$2,000, over 18 rows), while a missing, doubled or mistyped regime is "
    "off by thousands of units",
)
BULLETIN_REVISION_SHARE = Parameter(
    "bulletin_revision_share",
    0.001,
    "x the preliminary value",
    "the Bulletin's revisions of preliminary figures are small (December 2025 exports: -US$30.9 million, "
    "-0.008%); one above 0.1% (plus half the preliminary's printed step, its own rounding) is unusual "
    "enough for an operator to look at, and is reported naming the figure and both values",
)

PARAMETERS: tuple[Parameter, ...] = (
    HALF_STEP,
    EI_TOLERANCE,
    BALANCE_TOLERANCE,
    WORLD_TOLERANCE_UNITS,
    MEMBERS_MARGIN,
    TRADE_MODE_SUM_MARGIN,
    PARTNER_WORLD_TOLERANCE,
    FACT_PARTNER_WORLD_SHARE,
    YOY_TOLERANCE_PP,
    YTD_REVISION_SHARE,
    RESIDUAL_SHARE,
    IMPLIED_RATE_MIN,
    IMPLIED_RATE_MAX,
    OUTLIER_K,
    MAD_SCALE,
    MAD_FLOOR,
    MAD_CAP,
    BULLETIN_HALF_UNIT,
    BULLETIN_REVISION_SHARE,
)
