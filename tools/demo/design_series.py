"""Design the synthetic monthly series behind the bundled demo releases, and write them as CSV.

`python -m tools.demo.design_series` rewrites `series/*.csv` from the constants below. The
output is deterministic (one seeded `random.Random`, no clock), so re-running it on an unchanged file
gives byte-identical CSVs; the CSVs are committed and reviewed, and `generate.py` renders the GACC
pages from them (it never calls this module).

How the series are built, in order:
1. China's world totals (partner `WLD`), US$ per month, 2022-01..2025-12. A hand-drafted monthly
   shape (Jan-Feb low with the Chinese New Year dip, strong December) is scaled so that each year's
   January-December cumulative, as the December release prints it (months plus the revisions each
   release makes to earlier months), hits its target. The months that facts.md pins (Oct-Dec 2024
   and 2025) are set exactly and left out of the scaling: their 2025 values are the 2024 ones times
   the published growth rates, and November 2025 is the published level.
2. Partners: a share of the world value per partner, direction and year (roughly GACC's 2022-2025
   shares), times a little seeded noise per month. US exports in 2025 are set month by month from
   2024 with the published pattern of the tariff year (double-digit declines April to December).
   RCEP is the sum of its listed members (ASEAN, Japan, Korea, Australia, New Zealand), which are
   all of them.
3. Revisions: each release from March on revises the earlier months of the year by a seeded fraction
   (at most 0.5%) of the previous month's value; GACC's cumulative minus cumulative therefore never
   equals the published month, as in the real releases.
4. CNY/USD: a monthly base rate near the market rate, plus a small constant offset per partner and a
   little monthly noise, because each declaration is converted at its own day's rate.
5. The commodities of GACC's tables (5)/(6) (quantity and value, as shares of the world's trade), the
   shares of the trade modes of tables (2)/(3), and one small HS8 x partner online-query extract.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

from tools.demo import SERIES_DIR
from warehouse.codes import TRADE_DIRECTIONS

SEED = 20260114  # the day GACC reported the 2025 full-year figures
YEARS = (2022, 2023, 2024, 2025)
BN = 1_000_000_000
REVISION_LIMIT = 0.005  # revisions stay within +-0.5% of the previous month's value

PROVENANCE = {
    "partner_trade_usd.csv": (
        "# provenance/why: SYNTHETIC demo series, not GACC data. Monthly US$ values per partner and "
        "direction for 2022-01..2025-12 (2022 only feeds the 2023 year-on-year rates), plus the revision "
        "each release makes to the earlier months of the year. Pinned by the published figures in "
        "shared/docs/facts.md: 2025 exports 3,770 bn (+5.5%), imports 2,580 bn (about 0%), 2024 surplus "
        "992 bn, Jan-Nov 2025 surplus about 1,080 bn, Oct/Nov/Dec 2025 monthly rates, Nov 2025 levels "
        "330.3/218.6 bn, US exports Nov 2025 about -29%. Written by tools/demo/design_series.py."
    ),
    "cny_per_usd.csv": (
        "# provenance/why: SYNTHETIC implied CNY per US$ per partner and month (CNY value / USD value), "
        "near the market rate and slightly different per partner because each declaration is converted "
        "at its own day's rate. Written by tools/demo/design_series.py."
    ),
    "commodities.csv": (
        "# provenance/why: SYNTHETIC quantities and US$ values of the commodities of GACC's tables (5)/(6) "
        "(the rows of its 2025-2026 pages, by commodity code of warehouse/reference/commodities.csv; "
        "quantity empty for value-only rows), with the revision each release makes to the earlier months "
        "of the year; values are shares of the world's trade and quantities follow unit values roughly "
        "like GACC's, no published figure pins them. Written by tools/demo/design_series.py."
    ),
    "trade_mode_shares.csv": (
        "# provenance/why: SYNTHETIC share of the world's monthly value per leaf trade mode of tables "
        "(2)/(3) (codes of warehouse/reference/trade_modes.csv) and direction; OTHER is the rest, so the "
        "shares of a month sum to 1 exactly. Ordinary trade about 65%, processing trade 15-20%, bonded "
        "logistics 10-17%; no published figure pins them. Written by tools/demo/design_series.py."
    ),
    "online_query_soybean_imports_2024.csv": (
        "# provenance/why: SYNTHETIC online-query extract: 2024 monthly imports of three small soybean HS8 "
        "lines from the United States (502) and Brazil (410), kilograms and US$; no published figure pins "
        "them. Written by tools/demo/design_series.py."
    ),
}

# --- 1. World totals --------------------------------------------------------------------------------

# Hand-drafted monthly shape in US$ bn: Jan-Feb as one figure (split by JAN_SHARE), then March to
# December. Only the shape matters: each year is scaled to ANNUAL_TARGET_BN below.
DRAFT_BN: dict[tuple[str, int], tuple[float, ...]] = {
    ("export", 2022): (544.7, 276.1, 273.6, 308.2, 331.3, 332.9, 314.9, 322.8, 298.4, 296.1, 306.1),
    ("export", 2023): (506.3, 315.6, 295.4, 283.5, 285.3, 281.8, 284.9, 299.1, 274.8, 291.9, 303.6),
    ("export", 2024): (528.0, 279.7, 292.5, 302.4, 307.8, 300.6, 308.6, 303.7, 0.0, 0.0, 0.0),
    ("export", 2025): (539.9, 313.9, 315.7, 316.1, 325.2, 321.8, 321.8, 328.6, 0.0, 0.0, 0.0),
    ("import", 2022): (428.8, 228.7, 222.5, 229.5, 233.6, 231.7, 235.5, 238.1, 213.3, 226.2, 228.0),
    ("import", 2023): (412.2, 227.5, 205.2, 217.7, 214.7, 201.2, 216.5, 221.7, 218.3, 223.5, 228.0),
    ("import", 2024): (402.5, 221.2, 220.3, 219.7, 208.8, 215.7, 217.6, 222.0, 0.0, 0.0, 0.0),
    ("import", 2025): (369.4, 211.3, 219.5, 212.9, 210.4, 223.5, 219.5, 238.1, 0.0, 0.0, 0.0),
}
# January's share of Jan-Feb: lower when the Chinese New Year falls in January (2023: 22 Jan,
# 2025: 29 Jan), higher when it falls in February (2022: 1 Feb, 2024: 10 Feb).
JAN_SHARE = {2022: 0.555, 2023: 0.495, 2024: 0.575, 2025: 0.515}

# January-December cumulative as printed in each December release, US$ bn. 2024 and 2025 come from
# facts.md: 2025 exports 3,770 (+5.5%: 3,770 / 3,573.5 = 1.05499); imports flat at 2,581.5 (0.0%,
# within 5 bn of 2,580); surplus 2024 = 3,573.5 - 2,581.5 = 992.0; 2025 = 1,188.5 (about 1,190).
# 2022 and 2023 are made up (close to the real magnitudes).
ANNUAL_TARGET_BN = {
    ("export", 2022): 3593.6,
    ("export", 2023): 3380.0,
    ("export", 2024): 3573.5,
    ("export", 2025): 3770.0,
    ("import", 2022): 2716.0,
    ("import", 2023): 2556.8,
    ("import", 2024): 2581.5,
    ("import", 2025): 2581.5,
}

# Oct-Dec: 2024 chosen, 2025 = 2024 x published growth (Oct -1.1%/+1.0%, Nov +5.9%/+1.9%, Dec
# +6.6%/+5.7%). November 2025 is the published level (330.3 / 218.6 bn), so November 2024 is derived
# from it. December 2024 is chosen so that December 2025's surplus (109.2 bn) leaves Jan-Nov 2025 at
# about 1,080 bn (1,188.5 - 109.2 - the December release's net revision).
PINNED_2024_BN = {
    "export": {10: 309.1, 11: 330.3 / 1.059, 12: 333.0},
    "import": {10: 213.3, 11: 218.6 / 1.019, 12: 232.5},
}
PUBLISHED_GROWTH_2025 = {
    "export": {10: Decimal("-0.011"), 11: Decimal("0.059"), 12: Decimal("0.066")},
    "import": {10: Decimal("0.010"), 11: Decimal("0.019"), 12: Decimal("0.057")},
}
PUBLISHED_LEVEL_2025_BN = {"export": {11: Decimal("330.3")}, "import": {11: Decimal("218.6")}}

# --- 2. Partners -----------------------------------------------------------------------------------

# Share of China's world value, % for 2022, 2023, 2024, 2025 (exports, imports). Groups exceed the
# members GACC lists under them (the rest of the EU, of ASEAN, of Latin America, of Africa is unlisted).
SHARES_PCT: dict[str, dict[str, tuple[float, float, float, float]]] = {
    "EU": {"export": (15.6, 14.8, 14.4, 14.8), "import": (10.4, 11.1, 10.5, 10.4)},
    "DEU": {"export": (3.2, 3.0, 3.0, 3.0), "import": (4.1, 4.2, 3.7, 3.5)},
    "NLD": {"export": (3.3, 3.0, 2.6, 2.6), "import": (0.4, 0.5, 0.5, 0.5)},
    "FRA": {"export": (1.2, 1.2, 1.3, 1.3), "import": (1.2, 1.3, 1.1, 1.1)},
    "ITA": {"export": (1.4, 1.3, 1.3, 1.3), "import": (0.7, 0.8, 0.7, 0.7)},
    "USA": {"export": (16.2, 14.8, 14.7, 0.0), "import": (6.6, 6.3, 6.4, 5.5)},  # 2025 exports: below
    "ASEAN": {"export": (15.9, 15.5, 16.4, 17.6), "import": (15.0, 15.2, 15.3, 15.9)},
    "VNM": {"export": (4.1, 4.0, 4.6, 5.1), "import": (3.3, 3.4, 3.6, 3.8)},
    "MYS": {"export": (2.6, 2.6, 2.8, 2.8), "import": (4.0, 3.9, 3.9, 3.9)},
    "THA": {"export": (2.2, 2.3, 2.1, 2.3), "import": (2.1, 2.0, 2.1, 2.1)},
    "SGP": {"export": (2.3, 2.3, 1.9, 2.0), "import": (1.2, 1.1, 1.4, 1.4)},
    "IDN": {"export": (1.9, 1.9, 1.8, 2.0), "import": (2.5, 2.6, 2.7, 2.8)},
    "PHL": {"export": (1.8, 1.6, 1.7, 1.7), "import": (0.8, 0.7, 0.8, 0.8)},
    "JPN": {"export": (4.8, 4.7, 4.3, 4.1), "import": (6.8, 6.3, 6.1, 6.1)},
    "HKG": {"export": (8.3, 8.2, 8.2, 8.0), "import": (0.4, 0.5, 0.9, 1.2)},
    "KOR": {"export": (4.5, 4.4, 4.1, 3.9), "import": (7.4, 6.3, 6.8, 6.8)},
    "TWN": {"export": (2.3, 2.0, 2.0, 2.0), "import": (8.8, 7.7, 8.6, 9.8)},
    "AUS": {"export": (1.9, 2.2, 2.0, 1.9), "import": (5.6, 6.3, 5.2, 5.0)},
    "RUS": {"export": (2.1, 3.3, 3.2, 2.7), "import": (4.2, 5.0, 5.0, 4.5)},
    "IND": {"export": (3.3, 3.5, 3.4, 3.6), "import": (0.6, 0.7, 0.7, 0.7)},
    "GBR": {"export": (2.2, 2.3, 2.2, 2.2), "import": (0.7, 0.8, 0.8, 0.8)},
    "CAN": {"export": (1.5, 1.5, 1.3, 1.2), "import": (1.5, 1.7, 1.6, 1.4)},
    "NZL": {"export": (0.2, 0.2, 0.2, 0.2), "import": (0.5, 0.5, 0.5, 0.5)},
    "LATAM": {"export": (6.3, 7.0, 7.6, 7.7), "import": (8.9, 9.6, 9.3, 9.2)},
    "BRA": {"export": (1.7, 1.7, 2.0, 2.0), "import": (4.0, 4.8, 4.8, 4.5)},
    "AFRICA": {"export": (4.7, 5.2, 5.1, 6.1), "import": (4.1, 4.4, 4.3, 4.5)},
    "ZAF": {"export": (0.7, 0.7, 0.6, 0.6), "import": (1.2, 1.1, 1.1, 1.1)},
    "BRI": {"export": (45.0, 46.5, 47.0, 49.5), "import": (46.0, 47.5, 48.2, 49.0)},
}
RCEP_MEMBERS = ("ASEAN", "JPN", "KOR", "AUS", "NZL")
# Order of the partner codes in the CSV (that of table (4)); WLD is the Total row.
PARTNERS = (
    "WLD", "EU", "DEU", "NLD", "FRA", "ITA", "USA", "ASEAN", "VNM", "MYS", "THA", "SGP", "IDN", "PHL",
    "JPN", "HKG", "KOR", "TWN", "AUS", "RUS", "IND", "GBR", "CAN", "NZL", "LATAM", "BRA", "AFRICA",
    "ZAF", "RCEP", "BRI",
)  # fmt: skip
# US exports 2025 vs the same month of 2024, %: a little growth before the April tariffs, then
# double-digit declines every month (November -29%, as GACC reported).
US_EXPORT_GROWTH_2025_PCT = (3.0, 1.5, 9.0, -21.0, -34.5, -16.1, -21.7, -33.1, -27.0, -25.2, -29.0, -30.0)
PARTNER_NOISE = 0.02  # monthly deviation of a partner's share, a fraction of it (clipped at 2.5 sd)

# --- 4. CNY per US$ ---------------------------------------------------------------------------------

BASE_RATE = {
    2022: (6.36, 6.34, 6.35, 6.42, 6.66, 6.70, 6.74, 6.86, 7.02, 7.18, 7.16, 6.98),
    2023: (7.08, 7.10, 7.12, 7.11, 7.15, 7.22, 7.20, 7.25, 7.29, 7.30, 7.24, 7.14),
    2024: (7.17, 7.19, 7.20, 7.23, 7.24, 7.26, 7.25, 7.15, 7.10, 7.13, 7.22, 7.27),
    2025: (7.28, 7.28, 7.25, 7.29, 7.21, 7.17, 7.17, 7.15, 7.13, 7.12, 7.10, 7.08),
}
RATE_OFFSET_LIMIT = 0.012  # a partner's constant offset from the base rate, CNY
RATE_NOISE_LIMIT = 0.004  # its monthly wobble, CNY

# --- 5. Commodities ---------------------------------------------------------------------------------

# The rows of GACC's tables (5)/(6) as its 2025-2026 pages print them (commodity codes of
# warehouse/reference/commodities.csv). code: (2024 annual US$ bn, 2024 annual quantity in the printed
# unit or None for a value-only row, yearly change of the share in the world's trade, yearly change of
# the unit value, seasonal profile). Aggregates (`*`) are value-only and exceed their listed members.
FLAT = (1.0,) * 12
SOY_SEASON = (0.85, 0.6, 0.65, 0.95, 1.3, 1.2, 1.15, 1.1, 0.95, 0.8, 0.95, 1.1)
CommoditySpec = tuple[float, float | None, float, float, tuple[float, ...]]
COMMODITIES: dict[str, CommoditySpec] = {
    "X-AGRI": (104.0, None, -0.01, 0.0, FLAT),
    "X-AQUATIC": (20.0, 380.0, -0.02, -0.01, FLAT),
    "X-GRAIN": (1.8, 300.0, 0.03, -0.02, FLAT),
    "X-REFINEDOIL": (45.0, 5_800.0, -0.03, -0.06, FLAT),
    "X-RAREEARTH": (0.49, 55_400.0, 0.05, -0.12, FLAT),
    "X-PHARMA": (27.0, 160.0, 0.02, 0.01, FLAT),
    "X-FERTILIZER": (7.5, 3_400.0, 0.04, -0.05, FLAT),
    "X-PLASTICPROD": (108.0, None, 0.01, 0.0, FLAT),
    "X-BAGS": (31.0, 370.0, -0.03, -0.02, FLAT),
    "X-TEXTILE": (142.0, None, -0.02, 0.0, FLAT),
    "X-GARMENT": (159.0, None, -0.04, 0.0, FLAT),
    "X-FOOTWEAR": (49.0, 900_000.0, -0.04, -0.02, FLAT),
    "X-CERAMIC": (24.0, 2_000.0, -0.05, -0.04, FLAT),
    "X-STEEL": (83.2, 11_072.0, -0.02, -0.12, FLAT),
    "X-ALUMINIUM": (24.0, 660.0, 0.02, 0.03, FLAT),
    "X-FURNITURE": (69.0, None, -0.02, 0.0, FLAT),
    "X-TOYS": (40.0, None, -0.04, 0.0, FLAT),
    "X-MECHELEC": (2_100.0, None, 0.015, 0.0, FLAT),
    "X-GENMACH": (70.0, None, 0.01, 0.0, FLAT),
    "X-ADP": (207.0, None, -0.02, 0.0, FLAT),
    "X-MOBILE": (134.0, 81_400.0, -0.04, 0.01, FLAT),
    "X-HOMEAPPL": (112.0, 460_000.0, 0.01, -0.01, FLAT),
    "X-AUDIOVIDEO": (44.0, None, -0.02, 0.0, FLAT),
    "X-IC": (159.0, 2_980.0, 0.08, 0.05, FLAT),
    "X-MOTORVEH": (117.4, 641.0, 0.12, -0.03, FLAT),
    "X-AUTOPARTS": (100.0, None, 0.03, 0.0, FLAT),
    "X-SHIPS": (32.0, 6_500.0, 0.10, 0.04, FLAT),
    "X-LCD": (32.0, 200_000.0, -0.01, -0.02, FLAT),
    "X-MEDINSTR": (22.0, None, 0.02, 0.0, FLAT),
    "X-LIGHTING": (36.0, None, -0.03, 0.0, FLAT),
    "X-HIGHTECH": (850.0, None, 0.02, 0.0, FLAT),
    "M-AGRI": (215.0, None, -0.04, 0.0, SOY_SEASON),
    "M-MEAT": (18.0, 670.0, -0.06, -0.03, FLAT),
    "M-FRUIT": (17.0, 760.0, 0.02, 0.01, FLAT),
    "M-GRAIN": (72.0, 15_750.0, -0.05, -0.06, SOY_SEASON),
    "M-SOYBEAN": (52.7, 10_503.0, -0.04, -0.08, SOY_SEASON),
    "M-VEGOIL": (7.0, 700.0, -0.05, 0.0, FLAT),
    "M-IRONORE": (133.0, 123_655.0, -0.03, -0.07, FLAT),
    "M-COPPERORE": (57.0, 2_800.0, 0.03, 0.04, FLAT),
    "M-COAL": (54.0, 54_270.0, -0.08, -0.12, FLAT),
    "M-CRUDE": (325.0, 55_342.0, -0.04, -0.08, FLAT),
    "M-REFINEDOIL": (28.0, 4_800.0, -0.03, -0.06, FLAT),
    "M-NATGAS": (66.0, 13_169.0, -0.05, -0.04, FLAT),
    "M-RAREEARTH": (1.5, 120_000.0, 0.04, -0.05, FLAT),
    "M-PHARMA": (45.0, 300_000.0, -0.02, 0.01, FLAT),
    "M-FERTILIZER": (6.0, 1_800.0, 0.03, -0.04, FLAT),
    "M-COSMETICS": (16.0, 350_000.0, -0.05, 0.0, FLAT),
    "M-PLASTIC": (43.0, 2_900.0, -0.05, -0.02, FLAT),
    "M-RUBBER": (14.0, 830.0, -0.02, 0.03, FLAT),
    "M-WOOD": (10.0, 6_000.0, -0.04, -0.02, FLAT),
    "M-PULP": (22.0, 3_400.0, -0.02, -0.03, FLAT),
    "M-TEXTILE": (11.0, None, 0.02, 0.0, FLAT),
    "M-STEEL": (11.0, 680.0, -0.06, -0.01, FLAT),
    "M-COPPER": (58.0, 560.0, 0.02, 0.08, FLAT),
    "M-MECHELEC": (1_020.0, None, 0.03, 0.0, FLAT),
    "M-MACHTOOL": (5.2, 63_000.0, -0.05, 0.02, FLAT),
    "M-ADP": (38.0, None, 0.10, 0.0, FLAT),
    "M-DIODE": (24.0, 5_000.0, 0.01, 0.01, FLAT),
    "M-IC": (385.0, 5_492.0, 0.04, 0.03, FLAT),
    "M-MOTORVEH": (43.0, 70.0, -0.12, -0.02, FLAT),
    "M-AUTOPARTS": (19.0, None, -0.03, 0.0, FLAT),
    "M-AIRCRAFT": (8.0, 160.0, 0.05, 0.0, FLAT),
    "M-LCD": (10.0, 110_000.0, -0.03, -0.02, FLAT),
    "M-MEDINSTR": (11.0, None, -0.03, 0.0, FLAT),
    "M-HIGHTECH": (800.0, None, 0.03, 0.0, FLAT),
}
# Quantities printed as whole counts (ships, machine tools, aircraft): no fraction of a unit.
COUNTED_IN_UNITS = frozenset({"X-SHIPS", "M-MACHTOOL", "M-AIRCRAFT"})
COMMODITY_NOISE = 0.04
# The first demo's ten designed commodities drew from the shared generator before the online-query
# extract: as many draws are made (and dropped) so that the extract stays what it was.
_LEGACY_COMMODITY_DRAWS = (10, 96, 40)  # commodities x (gauss draws, uniform draws)

# --- 5b. Trade modes ---------------------------------------------------------------------------------

# Shares of the world's trade per leaf trade mode (warehouse/reference/trade_modes.csv), % in 2024,
# with a yearly change in points; OTHER takes the rest, so the leaves sum to the world's total.
# Ordinary trade about two thirds, processing trade about a fifth of exports (falling), bonded logistics
# about a tenth of exports and a sixth of imports.
TRADE_MODE_SHARES_PCT: dict[str, dict[str, tuple[float, float]]] = {
    "ORDINARY": {"export": (65.3, 0.6), "import": (64.6, 0.4)},
    "PROC_ASSEMBLY": {"export": (3.1, -0.2), "import": (2.9, -0.2)},
    "PROC_IMPORTED": {"export": (16.9, -0.6), "import": (12.1, -0.4)},
    "BONDED_SITES": {"export": (2.2, 0.1), "import": (3.6, 0.1)},
    "SSA_LOGISTICS": {"export": (7.3, 0.2), "import": (12.9, 0.2)},
    "FRONTIER_PETTY": {"export": (1.4, 0.05), "import": (0.5, 0.0)},
}
TRADE_MODE_NOISE = 0.015  # monthly deviation of a share, a fraction of it
TRADE_MODE_OTHER = "OTHER"

# --- 6. Online-query extract (HS8 x partner, 2024 imports, kg and US$) ------------------------------

# (partner code, HS8, typical tonnes a month, US$ per tonne, months with trade)
ONLINE_QUERY_LINES = (
    ("502", "12011000", 40.0, 1_450.0, (1, 2, 4, 11, 12)),
    ("502", "12019011", 18_000.0, 610.0, (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)),
    ("502", "12019020", 900.0, 820.0, (1, 3, 4, 6, 8, 10, 11, 12)),
    ("410", "12011000", 15.0, 1_600.0, (3, 5, 9)),
    ("410", "12019011", 9_000.0, 560.0, (4, 5, 6, 7, 8, 9)),
)


def _round(value: float | Decimal) -> int:
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _clipped_gauss(rng: random.Random, sd: float) -> float:
    return max(-2.5 * sd, min(2.5 * sd, rng.gauss(0.0, sd)))


def _month_keys() -> list[tuple[int, int]]:
    return [(year, month) for year in YEARS for month in range(1, 13)]


def _revision_fractions(rng: random.Random) -> dict[tuple[int, int], float]:
    """A fraction of the previous month's value, for every release from March on."""
    return {
        (y, m): (rng.uniform(-REVISION_LIMIT, REVISION_LIMIT) if m >= 3 else 0.0) for y, m in _month_keys()
    }


def _world(
    direction: str, rng: random.Random
) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], int]]:
    """World monthly values and revisions in whole US$ for one direction."""
    fractions = _revision_fractions(rng)
    values: dict[tuple[int, int], int] = {}
    revisions: dict[tuple[int, int], int] = {}
    pinned_2024 = {m: v * BN for m, v in PINNED_2024_BN[direction].items()}
    for year in YEARS:
        draft = DRAFT_BN[(direction, year)]
        base = [draft[0] * JAN_SHARE[year] * BN, draft[0] * (1 - JAN_SHARE[year]) * BN]
        base += [v * BN for v in draft[1:]]
        fixed: dict[int, float] = {}
        if year == 2024:
            fixed = dict(pinned_2024)
        elif year == 2025:
            for month, growth in PUBLISHED_GROWTH_2025[direction].items():
                fixed[month] = float(Decimal(_round(pinned_2024[month])) * (1 + growth))
            for month, level in PUBLISHED_LEVEL_2025_BN[direction].items():
                fixed[month] = float(level * BN)
        # The Dec-release cumulative is linear in the scale s of the free months:
        # sum(v) + sum(f_m * v_{m-1}) = s * free_part + fixed_part. Solve for s.
        free_part = fixed_part = 0.0
        for month in range(1, 13):
            weight = 1.0 + (fractions[(year, month + 1)] if month < 12 else 0.0)
            if month in fixed:
                fixed_part += weight * fixed[month]
            else:
                free_part += weight * base[month - 1]
        scale = (ANNUAL_TARGET_BN[(direction, year)] * BN - fixed_part) / free_part
        for month in range(1, 13):
            values[(year, month)] = _round(fixed.get(month, base[month - 1] * scale))
        for month in range(1, 13):
            previous = values[(year, month - 1)] if month >= 3 else 0
            revisions[(year, month)] = _round(fractions[(year, month)] * previous)
    return values, revisions


def _partners(
    world: dict[str, dict[tuple[int, int], int]], rng: random.Random
) -> dict[tuple[str, str], tuple[dict[tuple[int, int], int], dict[tuple[int, int], int]]]:
    """Monthly values and revisions per (partner, direction), RCEP summed from its members."""
    result: dict[tuple[str, str], tuple[dict[tuple[int, int], int], dict[tuple[int, int], int]]] = {}
    for partner in PARTNERS:
        if partner in ("WLD", "RCEP"):
            continue
        for direction in TRADE_DIRECTIONS:
            values: dict[tuple[int, int], int] = {}
            for year, month in _month_keys():
                noise = _clipped_gauss(rng, PARTNER_NOISE)
                if partner == "USA" and direction == "export" and year == 2025:
                    growth = US_EXPORT_GROWTH_2025_PCT[month - 1] / 100
                    values[(year, month)] = _round(values[(2024, month)] * (1 + growth))
                    continue
                share = SHARES_PCT[partner][direction][YEARS.index(year)] / 100
                values[(year, month)] = _round(world[direction][(year, month)] * share * (1 + noise))
            fractions = _revision_fractions(rng)
            revisions = {
                (y, m): (_round(fractions[(y, m)] * values[(y, m - 1)]) if m >= 3 else 0)
                for y, m in _month_keys()
            }
            result[(partner, direction)] = (values, revisions)
    for direction in TRADE_DIRECTIONS:
        members = [result[(member, direction)] for member in RCEP_MEMBERS]
        result[("RCEP", direction)] = (
            {k: sum(v[k] for v, _ in members) for k in _month_keys()},
            {k: sum(r[k] for _, r in members) for k in _month_keys()},
        )
    return result


def _rates(rng: random.Random) -> dict[tuple[str, int, int], Decimal]:
    rates: dict[tuple[str, int, int], Decimal] = {}
    for partner in PARTNERS:
        # The world total is the mix of all declarations: no offset of its own.
        offset = 0.0 if partner == "WLD" else rng.uniform(-RATE_OFFSET_LIMIT, RATE_OFFSET_LIMIT)
        for year, month in _month_keys():
            rate = BASE_RATE[year][month - 1] + offset + rng.uniform(-RATE_NOISE_LIMIT, RATE_NOISE_LIMIT)
            rates[(partner, year, month)] = Decimal(rate).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return rates


def _burn_legacy_commodity_draws(rng: random.Random) -> None:
    commodities, gauss_draws, uniform_draws = _LEGACY_COMMODITY_DRAWS
    for _ in range(commodities):
        for _ in range(gauss_draws):
            rng.gauss(0.0, 1.0)
        for _ in range(uniform_draws):
            rng.random()


def _annual(values: dict[tuple[int, int], int], year: int) -> int:
    return sum(values[(year, m)] for m in range(1, 13))


def _commodities(
    world: dict[str, dict[tuple[int, int], int]], rng: random.Random
) -> list[tuple[str, int, int, Decimal | None, int, Decimal | None, int]]:
    """Rows (code, year, month, quantity or None, value_usd, quantity_revision or None, revision_usd)."""
    rows = []
    for code, (value_2024_bn, quantity_2024, share_trend, price_trend, season) in COMMODITIES.items():
        direction = "export" if code.startswith("X-") else "import"
        share_2024 = value_2024_bn * BN / _annual(world[direction], 2024)
        price_2024 = None if quantity_2024 is None else value_2024_bn * BN / quantity_2024
        step = Decimal(1) if code in COUNTED_IN_UNITS else Decimal("0.001")
        quantities: dict[tuple[int, int], Decimal | None] = {}
        values: dict[tuple[int, int], int] = {}
        for year in YEARS:
            # The world's seasonality in the direction, times the commodity's own profile.
            annual = share_2024 * (1 + share_trend) ** (year - 2024) * _annual(world[direction], year)
            weights = [world[direction][(year, m)] * s for m, s in zip(range(1, 13), season, strict=True)]
            for month in range(1, 13):
                value = (
                    annual * weights[month - 1] / sum(weights) * (1 + _clipped_gauss(rng, COMMODITY_NOISE))
                )
                values[(year, month)] = _round(value)
                if price_2024 is None:
                    quantities[(year, month)] = None
                    continue
                price = price_2024 * (1 + price_trend) ** (year - 2024)
                price *= 1 + _clipped_gauss(rng, COMMODITY_NOISE / 2)
                quantities[(year, month)] = Decimal(value / price).quantize(step, rounding=ROUND_HALF_UP)
        fractions = _revision_fractions(rng)
        for year, month in _month_keys():
            f = Decimal(fractions[(year, month)])
            previous_q = quantities[(year, month - 1)] if month >= 3 else Decimal(0)
            previous_v = values[(year, month - 1)] if month >= 3 else 0
            rows.append(
                (
                    code,
                    year,
                    month,
                    quantities[(year, month)],
                    values[(year, month)],
                    None if previous_q is None else (f * previous_q).quantize(step, rounding=ROUND_HALF_UP),
                    _round(f * previous_v),
                )
            )
    return rows


def _trade_mode_shares(rng: random.Random) -> list[tuple[str, int, int, str, Decimal]]:
    """Rows (direction, year, month, trade mode code, share of the world's value).

    Every leaf (OTHER with the rest of the planned shares) gets its own noise, then the month is
    normalised to 1; OTHER takes the last millionths of rounding, so a month's shares sum to 1 exactly."""
    rows: list[tuple[str, int, int, str, Decimal]] = []
    for direction in TRADE_DIRECTIONS:
        for year, month in _month_keys():
            planned = {
                code: pct_2024 + change * (year - 2024)
                for code, (pct_2024, change) in (
                    (code, by_direction[direction]) for code, by_direction in TRADE_MODE_SHARES_PCT.items()
                )
            }
            planned[TRADE_MODE_OTHER] = 100 - sum(planned.values())
            noisy = {code: pct * (1 + _clipped_gauss(rng, TRADE_MODE_NOISE)) for code, pct in planned.items()}
            total = sum(noisy.values())
            shares = {
                code: Decimal(pct / total).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
                for code, pct in noisy.items()
                if code != TRADE_MODE_OTHER
            }
            shares[TRADE_MODE_OTHER] = Decimal(1) - sum(shares.values(), Decimal(0))
            rows += [(direction, year, month, code, share) for code, share in shares.items()]
    return rows


def _online_query(rng: random.Random) -> list[tuple[int, str, str, int, int]]:
    """Rows (month, partner code, HS8, kilograms, US$) for 2024."""
    rows = []
    for partner, hs_code, tonnes, price, months in ONLINE_QUERY_LINES:
        for month in months:
            kg = _round(tonnes * 1000 * rng.uniform(0.3, 1.7))
            rows.append((month, partner, hs_code, kg, _round(kg / 1000 * price * rng.uniform(0.9, 1.1))))
    return sorted(rows, key=lambda r: (r[0], r[1], r[2]))


def _quantity_text(quantity: Decimal | None) -> str:
    return "" if quantity is None else str(quantity)


def _csv_text(comment: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    buffer.write(comment + "\n")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def design() -> dict[str, str]:
    """File name -> CSV text of every series file."""
    rng = random.Random(SEED)
    world_values: dict[str, dict[tuple[int, int], int]] = {}
    world_revisions: dict[str, dict[tuple[int, int], int]] = {}
    for direction in TRADE_DIRECTIONS:
        world_values[direction], world_revisions[direction] = _world(direction, rng)
    partners = _partners(world_values, rng)
    partners.update({("WLD", d): (world_values[d], world_revisions[d]) for d in TRADE_DIRECTIONS})
    rates = _rates(rng)
    _burn_legacy_commodity_draws(rng)
    online = _online_query(rng)
    commodities = _commodities(world_values, rng)
    trade_modes = _trade_mode_shares(rng)

    trade_rows = [
        (f"{y}-{m:02d}", partner, direction, partners[(partner, direction)][0][(y, m)],
         partners[(partner, direction)][1][(y, m)])
        for y, m in _month_keys() for partner in PARTNERS for direction in TRADE_DIRECTIONS
    ]  # fmt: skip
    rate_rows = [
        (f"{y}-{m:02d}", partner, f"{rates[(partner, y, m)]:.4f}")
        for y, m in _month_keys()
        for partner in PARTNERS
    ]
    commodity_rows = [
        (f"{y}-{m:02d}", code, _quantity_text(q), v, _quantity_text(qr), vr)
        for code, y, m, q, v, qr, vr in commodities
    ]
    commodity_rows.sort(key=lambda r: (r[0], list(COMMODITIES).index(str(r[1]))))
    trade_mode_rows = [(f"{y}-{m:02d}", d, code, f"{share:.6f}") for d, y, m, code, share in trade_modes]
    trade_mode_rows.sort(key=lambda r: (r[0], r[1]))
    online_rows = [(f"2024-{m:02d}", p, hs, kg, usd) for m, p, hs, kg, usd in online]
    return {
        "partner_trade_usd.csv": _csv_text(
            PROVENANCE["partner_trade_usd.csv"],
            ("month", "partner", "direction", "value_usd", "revision_usd"),
            trade_rows,
        ),
        "cny_per_usd.csv": _csv_text(
            PROVENANCE["cny_per_usd.csv"], ("month", "partner", "cny_per_usd"), rate_rows
        ),
        "commodities.csv": _csv_text(
            PROVENANCE["commodities.csv"],
            ("month", "commodity", "quantity", "value_usd", "quantity_revision", "revision_usd"),
            commodity_rows,
        ),
        "trade_mode_shares.csv": _csv_text(
            PROVENANCE["trade_mode_shares.csv"],
            ("month", "direction", "trade_mode_code", "share"),
            trade_mode_rows,
        ),
        "online_query_soybean_imports_2024.csv": _csv_text(
            PROVENANCE["online_query_soybean_imports_2024.csv"],
            ("month", "partner_code", "hs_code", "quantity_kg", "value_usd"),
            online_rows,
        ),
    }


def main() -> None:
    SERIES_DIR.mkdir(parents=True, exist_ok=True)
    for name, text in design().items():
        (SERIES_DIR / name).write_text(text, encoding="utf-8", newline="")
        print(f"wrote series/{name} ({text.count(chr(10)) - 2} rows)")


if __name__ == "__main__":
    main()
