"""Tests of `customs status`; `write_warehouse` builds the tiny warehouse files they read.

`APRIL_2026` is a warehouse as of 12 April 2026: Jan-Feb 2026 (due 10 March) is in, March 2026 (due
8 April, hand-entered) is not, so it is overdue; the Monthly Bulletin's months up to February 2026 are in,
and March (due 20 April: the 18th is a Saturday) is not due yet; the online query's months up to February
2026 are in, and March (due 20 April) is not due yet. Nothing else of 2025 or 2026 is missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

import duckdb

from release_calendar import release_periods
from warehouse.tables import FACT_TRADE_FLOWS, META_RELEASES

# (product, period, published_on) of a release; the status is 'published' unless given as a 4th item.
Release = tuple[str, str, date | None] | tuple[str, str, date | None, str]

APRIL_2026_TODAY = date(2026, 4, 12)
APRIL_2026: list[Release] = [
    *(("preliminary", p, date(2026, 1, 14)) for p in release_periods(2025)["preliminary"]),
    ("preliminary", "2026-01..02", date(2026, 3, 9)),
    ("preliminary", "2026-01..02", date(2026, 3, 10)),  # a second vintage of the same period
    ("preliminary", "2026-03", date(2026, 4, 11), "quarantined"),  # recorded, but not served
    *(("bulletin", p, date(int(p[:4]), int(p[5:]) + 1, 18)) for p in release_periods(2025)["bulletin"][:-1]),
    ("bulletin", "2025-12", date(2026, 1, 20)),
    ("bulletin", "2026-02", date(2026, 3, 18)),  # February's issue: February, and January-February
    ("online_query", "2025-12", date(2026, 1, 20)),
    ("online_query", "2026-02", date(2026, 3, 20)),
]
# The months each online-query export holds: the 2025 one every month, the 2026 one January and February.
APRIL_2026_MONTHS = {"2025-12": [f"2025-{m:02d}" for m in range(1, 13)], "2026-02": ["2026-01", "2026-02"]}


def write_warehouse(
    path: Path, releases: Iterable[Release], online_query_months: dict[str, Iterable[str]] | None = None
) -> Path:
    """A DuckDB file with `meta.releases` (and `core.fact_trade_flows` when `online_query_months`, keyed
    by the period of an online-query release, lists the months its export holds), nothing else."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA meta")
        con.execute(META_RELEASES.create_sql())
        for release in releases:
            product, period, published_on = release[:3]
            status = release[3] if len(release) == 4 else "published"
            con.execute(
                "INSERT INTO meta.releases VALUES (?, ?, ?, ?, NULL, 1, true, ?)",
                [f"{product}:{period}:{published_on}", product, period, published_on, status],
            )
        if online_query_months is not None:
            con.execute("CREATE SCHEMA core")
            con.execute(FACT_TRADE_FLOWS.create_sql())
            for last_month, months in online_query_months.items():
                release_id = con.execute(
                    "SELECT release_id FROM meta.releases WHERE product = 'online_query' AND period = ?",
                    [last_month],
                ).fetchone()
                assert release_id is not None, f"no online_query release {last_month} to attach months to"
                for month in months:
                    con.execute(
                        "INSERT INTO core.fact_trade_flows (release_id, product, period, period_start,"
                        " months_covered, direction, commodity_code, partner_code, is_aggregate,"
                        " is_restatement, is_latest_vintage, vintage_source)"
                        " VALUES (?, 'online_query', ?, ?, 1, 'import', '12019011', 'USA', false, false, true,"
                        " 'online_query')",
                        [release_id[0], month, date.fromisoformat(f"{month}-01")],
                    )
    return path
