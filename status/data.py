"""The warehouse side of `customs status`: which releases are in, against the calendar."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Final

import duckdb
import polars as pl

from config.settings import Settings
from release_calendar import CALENDAR_SCHEMA, PRODUCTS, ReleaseState, beijing_today, calendar_frame
from warehouse.tables import META_RELEASES

#: Products the warehouse can hold, in calendar order: only these can be published, hence overdue.
WAREHOUSE_PRODUCTS: Final[tuple[str, ...]] = tuple(
    p for p in PRODUCTS if p in (META_RELEASES.field("product").allowed_values or ())
)
# A quarantined release is recorded but its figures are not served: it does not count as published.
_NOT_PUBLISHED_STATUS = "quarantined"

STATUS_SCHEMA: Final = pl.Schema(
    {
        **dict(CALENDAR_SCHEMA),
        "in_warehouse": pl.Boolean(),
        "published_on": pl.Date(),
    }
)
_RELEASES_SCHEMA = pl.Schema({"product": pl.String, "period": pl.String, "published_on": pl.Date})


# --- the warehouse side ---------------------------------------------------------------------------------


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()"
        " AND schema_name = ? AND table_name = ?",
        [schema, name],
    ).fetchone()
    return row is not None and row[0] > 0


def warehouse_release_frame(warehouse_path: Path) -> pl.DataFrame:
    """(product, period, latest published_on) of every release in the published warehouse.

    Read-only, connection closed before returning; an absent file gives an empty frame. An online-query
    release is recorded under its export's last month, yet the export may hold every month up to it: the
    months come from `core.fact_trade_flows` when that table is there, so the earlier months count too.
    """
    path = Path(warehouse_path)
    if not path.is_file():
        # connect() would create an empty database file rather than fail.
        return pl.DataFrame(schema=_RELEASES_SCHEMA)
    con = duckdb.connect(str(path), read_only=True)
    try:
        if not _has_table(con, META_RELEASES.schema, META_RELEASES.name):
            raise ValueError(f"{path}: no {META_RELEASES.qualified_name} table: not a customs warehouse")
        sources = [
            f"SELECT product, period, published_on FROM {META_RELEASES.qualified_name}"
            f" WHERE status <> '{_NOT_PUBLISHED_STATUS}'"
        ]
        if _has_table(con, "core", "fact_trade_flows"):
            sources.append(
                "SELECT DISTINCT f.product, f.period, r.published_on"
                f" FROM core.fact_trade_flows AS f JOIN {META_RELEASES.qualified_name} AS r USING (release_id)"
                f" WHERE f.product = 'online_query' AND r.status <> '{_NOT_PUBLISHED_STATUS}'"
            )
        rows = con.execute(
            "SELECT product, period, max(published_on) FROM ("
            + " UNION ALL ".join(sources)
            + ") GROUP BY product, period ORDER BY product, period"
        ).fetchall()
    finally:
        con.close()
    return pl.DataFrame(rows, schema=_RELEASES_SCHEMA, orient="row")


def warehouse_releases(warehouse_path: Path) -> set[tuple[str, str]]:
    """The (product, period) pairs the published warehouse holds; empty when there is no warehouse."""
    frame = warehouse_release_frame(warehouse_path)
    return set(zip(frame["product"].to_list(), frame["period"].to_list(), strict=True))


def status_report(
    settings: Settings, today: date, products: Sequence[str] = WAREHOUSE_PRODUCTS
) -> pl.DataFrame:
    """Every release of `products` in today's and the previous year against the warehouse.

    Columns: product, period, due_date, due_source, state, days_late (see calendar_frame), in_warehouse,
    published_on (the latest publication date of the period's releases in the warehouse).
    """
    held = warehouse_release_frame(settings.warehouse_path)
    published = set(zip(held["product"].to_list(), held["period"].to_list(), strict=True))
    calendar = calendar_frame(today, published, (today.year - 1, today.year), products=products)
    return (
        calendar.join(held, on=["product", "period"], how="left", maintain_order="left")
        .with_columns(in_warehouse=pl.col("state") == ReleaseState.PUBLISHED.value)
        .select(STATUS_SCHEMA.names())
    )


def parse_today(today: str | None) -> date:
    """`YYYY-MM-DD`, or today in Beijing (GACC's calendar) when None."""
    if today is None:
        return beijing_today()
    try:
        return date.fromisoformat(today)
    except ValueError as exc:
        raise ValueError(f"not a day (YYYY-MM-DD): {today!r}") from exc
