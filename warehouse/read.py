"""Every read of the published warehouse: the flows, the release report and `customs status` go through here.

Connections are read-only and closed on return: the publish step swaps the file with a rename, and a
connection left open would keep serving the old file to later connections in this process. A path with
no file is never connected to (connect() would create an empty database rather than fail).

Queries return plain rows and frames; what they mean to a reader (a report's totals, a status table) is
the reader's business.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from warehouse.tables import (
    BI_ANNUAL_TRADE,
    BI_MONTHLY_TRADE,
    BI_PARTNER_TRADE,
    BI_REVISION_TRIANGLE,
    BI_REVISIONS,
    BI_TRADE_SURPLUS,
    BI_VIEWS,
    FACT_PARTNER_TRADE,
    FACT_TRADE_FLOWS,
    META_BUILD_PARTITIONS,
    META_DATA_DICTIONARY,
    META_RELEASES,
    META_RUNS,
    META_VALIDATION_RESULTS,
)

# A quarantined release is recorded but its figures are not served: it does not count as published.
_NOT_PUBLISHED_STATUS = "quarantined"
_RELEASES_SCHEMA = pl.Schema({"product": pl.String, "period": pl.String, "published_on": pl.Date})

Row = tuple[Any, ...]


@contextmanager
def open_read_only(warehouse_path: Path) -> Iterator[PublishedWarehouse]:
    """The published warehouse, read-only, closed when the block ends."""
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        yield PublishedWarehouse(con)


class PublishedWarehouse:
    """The queries readers of the published warehouse need, on one read-only connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def has_table(self, schema: str, name: str) -> bool:
        row = self.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()"
            " AND schema_name = ? AND table_name = ?",
            [schema, name],
        ).fetchall()  # fetchall: a result fetched whole leaves the connection free for the next query
        return bool(row) and row[0][0] > 0

    # --- whole BI views (customs export) ----------------------------------------------------------------
    def bi_views_present(self) -> list[str]:
        """The qualified names of the BI contract's views this file holds, in the contract's order."""
        present = {
            f"{schema}.{name}"
            for schema, name in self.con.execute(
                "SELECT schema_name, view_name FROM duckdb_views()"
                " WHERE database_name = current_database() AND NOT internal"
            ).fetchall()
        }
        return [v.qualified_name for v in BI_VIEWS if v.qualified_name in present]

    def view_frame(self, qualified_name: str) -> pl.DataFrame:
        """Every row of a BI view, in its key order (only the BI contract's views are read)."""
        view = next((v for v in BI_VIEWS if v.qualified_name == qualified_name), None)
        if view is None:
            raise ValueError(f"{qualified_name!r} is not a view of the BI contract")
        order = ", ".join(view.primary_key) or "ALL"
        arrow = self.con.sql(f"SELECT * FROM {view.qualified_name} ORDER BY {order}").to_arrow_table()
        return pl.DataFrame(pl.from_arrow(arrow))

    def data_dictionary(self, qualified_names: list[str]) -> pl.DataFrame:
        """The warehouse's own dictionary rows (meta.data_dictionary) of these tables or views."""
        if not self.has_table(META_DATA_DICTIONARY.schema, META_DATA_DICTIONARY.name):
            return META_DATA_DICTIONARY.empty_frame()
        # Names of the contract's objects (checked by the callers), quoted as SQL literals: a relation
        # with bound parameters would hold the connection busy for the next query.
        names = ", ".join("'" + n.replace("'", "''") + "'" for n in qualified_names) or "NULL"
        arrow = self.con.sql(
            f"SELECT * FROM {META_DATA_DICTIONARY.qualified_name}"
            f" WHERE object_schema || '.' || object_name IN ({names})"
            " ORDER BY object_schema, object_name, ordinal_position"
        ).to_arrow_table()
        return pl.DataFrame(pl.from_arrow(arrow))

    # --- bi.monthly_trade ------------------------------------------------------------------------------
    def monthly_trade(self, *, period: str | None = None, up_to: date | None = None) -> list[dict[str, Any]]:
        """Rows of bi.monthly_trade (every column of its contract), of one period or up to a start date."""
        where, value = ("period = ?", period) if period is not None else ("period_start <= ?", up_to)
        columns = BI_MONTHLY_TRADE.column_names
        rows = self.con.execute(
            f"SELECT {', '.join(columns)} FROM {BI_MONTHLY_TRADE.qualified_name}"
            f" WHERE {where} ORDER BY period_start",
            [value],
        ).fetchall()
        return [dict(zip(columns, row, strict=True)) for row in rows]

    def latest_period(self) -> str | None:
        row = self.con.execute(
            f"SELECT period FROM {BI_MONTHLY_TRADE.qualified_name} ORDER BY period_start DESC LIMIT 1"
        ).fetchone()
        return None if row is None else str(row[0])

    # --- partners --------------------------------------------------------------------------------------
    def top_partners_by_exports(self, period: str, *, world_code: str, limit: int) -> list[Row]:
        """(code, name, exports, imports, balance, exports y/y, imports y/y) of the countries, largest first."""
        return self.con.execute(
            f"""
            SELECT partner_code, partner_name, exports_usd, imports_usd, balance_usd,
                   exports_yoy_pct, imports_yoy_pct
            FROM {BI_PARTNER_TRADE.qualified_name}
            WHERE period = ? AND NOT is_group AND partner_code <> ? AND exports_usd IS NOT NULL
            ORDER BY exports_usd DESC, partner_code
            LIMIT ?
            """,
            [period, world_code, limit],
        ).fetchall()

    def partner_exports_with_year_earlier(
        self, period: str, year_earlier: str, *, world_code: str
    ) -> list[Row]:
        """(code, name, exports, exports a year earlier or None, exports y/y) of the countries."""
        return self.con.execute(
            f"""
            SELECT c.partner_code, c.partner_name, c.exports_usd, p.exports_usd, c.exports_yoy_pct
            FROM {BI_PARTNER_TRADE.qualified_name} AS c
            LEFT JOIN {BI_PARTNER_TRADE.qualified_name} AS p
                ON p.partner_code = c.partner_code AND p.period = ?
            WHERE c.period = ? AND NOT c.is_group AND c.partner_code <> ? AND c.exports_usd IS NOT NULL
            """,
            [year_earlier, period, world_code],
        ).fetchall()

    def surplus_by_partner(self, period: str, *, world_code: str) -> list[Row]:
        """(code, name, is_group, balance, ytd, rolling 12 months, share of total) per partner, largest first."""
        return self.con.execute(
            f"""
            SELECT s.partner_code, coalesce(p.partner_name, s.partner_code), coalesce(p.is_group, false),
                   s.balance_usd, s.balance_ytd_usd, s.balance_rolling_12m_usd, s.share_of_total_balance_pct
            FROM {BI_TRADE_SURPLUS.qualified_name} AS s
            LEFT JOIN {BI_PARTNER_TRADE.qualified_name} AS p
                ON p.period = s.period AND p.partner_code = s.partner_code
            WHERE s.period = ? AND s.partner_code <> ? AND s.balance_usd IS NOT NULL
            ORDER BY s.balance_usd DESC, s.partner_code
            """,
            [period, world_code],
        ).fetchall()

    # --- bi.annual_trade ---------------------------------------------------------------------------------
    def annual_trade(self, year: int) -> list[Row]:
        """(code, name, is_group, exports, imports, balance, exports y/y, imports y/y) of every partner in a
        calendar year, the World included; names and the group flag from December's bi.partner_trade."""
        if not self.has_view(BI_ANNUAL_TRADE.schema, BI_ANNUAL_TRADE.name):
            return []
        return self.con.execute(
            f"""
            SELECT a.partner_code, coalesce(p.partner_name, a.partner_code), coalesce(p.is_group, false),
                   a.exports_usd, a.imports_usd, a.balance_usd, a.exports_yoy_pct, a.imports_yoy_pct
            FROM {BI_ANNUAL_TRADE.qualified_name} AS a
            LEFT JOIN {BI_PARTNER_TRADE.qualified_name} AS p
                ON p.partner_code = a.partner_code AND p.period = ?
            WHERE a.year = ?
            ORDER BY a.exports_usd DESC NULLS LAST, a.partner_code
            """,
            [f"{year}-12", year],
        ).fetchall()

    def has_view(self, schema: str, name: str) -> bool:
        row = self.con.execute(
            "SELECT count(*) FROM duckdb_views() WHERE database_name = current_database()"
            " AND schema_name = ? AND view_name = ?",
            [schema, name],
        ).fetchall()
        return bool(row) and row[0][0] > 0

    # --- bi.revisions and bi.revision_triangle ---------------------------------------------------------
    def has_revisions(self) -> bool:
        """Whether the file keeps vintages (bi.revisions and bi.revision_triangle, issue 12)."""
        return self.has_view(BI_REVISIONS.schema, BI_REVISIONS.name) and self.has_view(
            BI_REVISION_TRIANGLE.schema, BI_REVISION_TRIANGLE.name
        )

    def first_print_on(self, period: str) -> date | None:
        """The day China's totals of `period` were first public (its first vintage in bi.revision_triangle)."""
        row = self.con.execute(
            f"SELECT min(public_on) FROM {BI_REVISION_TRIANGLE.qualified_name} WHERE period = ?", [period]
        ).fetchone()
        return row[0] if row else None

    def revisions_public_between(self, after: date | None, until: date | None) -> list[Row]:
        """Every revision (a vintage whose value differs from the vintage before it) made public after
        `after` and on or before `until` (None: unbounded), largest absolute change first:
        (period, partner code, partner name, direction, revised measure, previous vintage's source, its
        public_on, its value, this vintage's source, its public_on, its value, change, change %).

        bi.revisions gives the previous vintage's value; its source and date come from the same order, the
        precedence rule's rank (core.fact_partner_trade.vintage_precedence), that the view's lag() uses."""
        return self.con.execute(
            f"""
            WITH ordered AS (
                SELECT r.*, f.period_start,
                       lag(r.vintage_source) OVER by_precedence AS previous_source,
                       lag(r.public_on) OVER by_precedence AS previous_public_on
                FROM {BI_REVISIONS.qualified_name} AS r
                JOIN {FACT_PARTNER_TRADE.qualified_name} AS f USING (release_id, period, partner_code, direction)
                WINDOW by_precedence AS (
                    PARTITION BY r.period, r.partner_code, r.direction, r.revised_measure
                    ORDER BY f.vintage_precedence)
            )
            SELECT o.period, o.partner_code, coalesce(p.partner_name, o.partner_code), o.direction,
                   o.revised_measure, o.previous_source, o.previous_public_on, o.previous_whole_units,
                   o.vintage_source, o.public_on, o.value_whole_units, o.change_whole_units, o.change_pct
            FROM ordered AS o
            LEFT JOIN (
                -- The partner's name as the latest period has it: the revised period may be long past.
                SELECT partner_code, arg_max(partner_name, period) AS partner_name
                FROM {BI_PARTNER_TRADE.qualified_name} GROUP BY partner_code
            ) AS p USING (partner_code)
            WHERE o.change_whole_units <> 0
              AND (CAST(? AS DATE) IS NULL OR o.public_on > ?)
              AND (CAST(? AS DATE) IS NULL OR o.public_on <= ?)
            ORDER BY abs(o.change_whole_units) DESC, o.period_start, o.partner_code, o.direction,
                     o.revised_measure, o.public_on
            """,
            [after, after, until, until],
        ).fetchall()

    def first_print_and_latest(self, periods: list[str], *, directions: tuple[str, ...]) -> list[Row]:
        """(period, direction, first print US$, latest US$) of China's totals, from bi.revision_triangle:
        the earliest vintage printing a US-dollar value, and the latest vintage (the views' figure)."""
        return self.con.execute(
            f"""
            SELECT period, direction,
                   arg_min(value_usd, vintage_number) FILTER (WHERE value_usd IS NOT NULL),
                   max(value_usd) FILTER (WHERE is_latest_vintage)
            FROM {BI_REVISION_TRIANGLE.qualified_name}
            WHERE list_contains(?, period) AND list_contains(?, direction)
            GROUP BY period, direction
            ORDER BY period, direction
            """,
            [periods, list(directions)],
        ).fetchall()

    # --- meta.validation_results -----------------------------------------------------------------------
    def latest_validation_run(self) -> Row | None:
        """(run_id, when it last validated, UTC) of the latest gate run recorded."""
        return self.con.execute(
            f"""
            SELECT run_id, max(timezone('UTC', validated_at)) AS last_validated_at
            FROM {META_VALIDATION_RESULTS.qualified_name} GROUP BY run_id
            ORDER BY last_validated_at DESC, run_id DESC LIMIT 1
            """
        ).fetchone()

    def validation_counts(self, run_id: str) -> list[Row]:
        """(severity, passed, failed) of a gate run; critical first, the others alphabetically."""
        return self.con.execute(
            f"""
            SELECT severity, count(*) FILTER (WHERE success), count(*) FILTER (WHERE NOT success)
            FROM {META_VALIDATION_RESULTS.qualified_name} WHERE run_id = ?
            GROUP BY severity ORDER BY severity <> 'critical', severity
            """,
            [run_id],
        ).fetchall()

    def validation_failures(self, run_id: str, *, limit: int) -> list[Row]:
        """(suite, object, rule, severity, unexpected rows) of a gate run's failures, critical first."""
        return self.con.execute(
            f"""
            SELECT suite_name, object_name, rule, severity, unexpected_count
            FROM {META_VALIDATION_RESULTS.qualified_name} WHERE run_id = ? AND NOT success
            ORDER BY severity <> 'critical', severity, suite_name, rule, batch_id
            LIMIT ?
            """,
            [run_id, limit],
        ).fetchall()

    # --- meta.releases and meta.runs -------------------------------------------------------------------
    def releases_of_period(self, period: str) -> list[Row]:
        """(release_id, product, published_on, status, is_latest_vintage, file_count), oldest first."""
        return self.con.execute(
            f"""
            SELECT release_id, product, published_on, status, is_latest_vintage, file_count
            FROM {META_RELEASES.qualified_name} WHERE period = ? ORDER BY published_on NULLS LAST, release_id
            """,
            [period],
        ).fetchall()

    def publication_date(self, period: str) -> date | None:
        """The latest preliminary vintage's publication date; without one, the period's newest release's."""
        row = self.con.execute(
            f"""
            SELECT coalesce(
                max(published_on) FILTER (WHERE product = 'preliminary' AND is_latest_vintage),
                max(published_on))
            FROM {META_RELEASES.qualified_name} WHERE period = ?
            """,
            [period],
        ).fetchone()
        return row[0] if row else None

    def release_ids(self) -> set[str]:
        return {
            r
            for (r,) in self.con.execute(f"SELECT release_id FROM {META_RELEASES.qualified_name}").fetchall()
        }

    def published_from(self) -> str | None:
        """The source of the run that published the warehouse; None without meta.runs (provenance only)."""
        try:
            row = self.con.execute(
                f"SELECT source FROM {META_RUNS.qualified_name} WHERE status = 'published'"
                " ORDER BY started_at DESC LIMIT 1"
            ).fetchone()
        except duckdb.CatalogException:
            return None
        return row[0] if row else None

    def runs(self) -> pl.DataFrame:
        return pl.from_arrow(self.con.sql(f"SELECT * FROM {META_RUNS.qualified_name}").to_arrow_table())  # type: ignore[return-value]

    def release_periods(self) -> pl.DataFrame:
        """(product, period, latest published_on) of every release served; see `warehouse_release_frame`."""
        sources = [
            f"SELECT product, period, published_on FROM {META_RELEASES.qualified_name}"
            f" WHERE status <> '{_NOT_PUBLISHED_STATUS}'"
        ]
        if self.has_table(FACT_TRADE_FLOWS.schema, FACT_TRADE_FLOWS.name):
            sources.append(
                "SELECT DISTINCT f.product, f.period, r.published_on"
                f" FROM {FACT_TRADE_FLOWS.qualified_name} AS f"
                f" JOIN {META_RELEASES.qualified_name} AS r USING (release_id)"
                f" WHERE f.product = 'online_query' AND r.status <> '{_NOT_PUBLISHED_STATUS}'"
            )
        rows = self.con.execute(
            "SELECT product, period, max(published_on) FROM ("
            + " UNION ALL ".join(sources)
            + ") GROUP BY product, period ORDER BY product, period"
        ).fetchall()
        return pl.DataFrame(rows, schema=_RELEASES_SCHEMA, orient="row")


# --- whole reads: a path in, an answer out (an absent warehouse answers "nothing") --------------------------


def read_runs(warehouse_path: Path) -> pl.DataFrame:
    """The run history of the current warehouse (meta.runs), carried into the next file."""
    if not warehouse_path.exists():
        return META_RUNS.empty_frame()
    with open_read_only(warehouse_path) as warehouse:
        return warehouse.runs()


def last_published_fingerprint(warehouse_path: Path) -> str | None:
    """The input fingerprint of the last run that published the warehouse."""
    runs = read_runs(warehouse_path)
    published = runs.filter(pl.col("status") == "published").sort("started_at")
    if published.is_empty():
        return None
    value = published.get_column("input_fingerprint")[-1]
    return str(value) if value is not None else None


def published_release_ids(warehouse_path: Path) -> set[str]:
    """Releases the published warehouse holds: what readers already rely on."""
    if not warehouse_path.exists():
        return set()
    with open_read_only(warehouse_path) as warehouse:
        return warehouse.release_ids()


def warehouse_release_frame(warehouse_path: Path) -> pl.DataFrame:
    """(product, period, latest published_on) of every release in the published warehouse.

    An absent file gives an empty frame. An online-query release is recorded under its export's last
    month, yet the export may hold every month up to it: the months come from `core.fact_trade_flows` when
    that table is there, so the earlier months count too.
    """
    path = Path(warehouse_path)
    if not path.is_file():
        return pl.DataFrame(schema=_RELEASES_SCHEMA)
    with open_read_only(path) as warehouse:
        if not warehouse.has_table(META_RELEASES.schema, META_RELEASES.name):
            raise ValueError(f"{path}: no {META_RELEASES.qualified_name} table: not a customs warehouse")
        return warehouse.release_periods()


def warehouse_releases(warehouse_path: Path) -> set[tuple[str, str]]:
    """The (product, period) pairs the published warehouse holds; empty when there is no warehouse."""
    frame = warehouse_release_frame(warehouse_path)
    return set(zip(frame["product"].to_list(), frame["period"].to_list(), strict=True))


def published_partitions(warehouse_path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """(table_name, period) -> its meta.build_partitions row (a dict by column), as published.

    Empty when there is no warehouse or it has no such table (published before issue 11): every
    period is then built. The build compares a period's `input_fingerprint` with its inputs' to decide
    whether to rebuild it."""
    path = Path(warehouse_path)
    if not path.is_file():
        return {}
    with open_read_only(path) as warehouse:
        if not warehouse.has_table(META_BUILD_PARTITIONS.schema, META_BUILD_PARTITIONS.name):
            return {}
        frame = warehouse.con.sql(
            f"SELECT {', '.join(META_BUILD_PARTITIONS.column_names)} FROM {META_BUILD_PARTITIONS.qualified_name}"
        ).pl()
    return {(row["table_name"], row["period"]): row for row in frame.iter_rows(named=True)}


def periods_with_totals(warehouse_path: Path) -> set[str]:
    """The periods for which the published warehouse holds China's totals (bi.monthly_trade): those a
    release report can be written for. Empty when there is no warehouse."""
    path = Path(warehouse_path)
    if not path.is_file():
        return set()
    with open_read_only(path) as warehouse:
        rows = warehouse.con.execute(
            f"SELECT DISTINCT period FROM {BI_MONTHLY_TRADE.qualified_name}"
        ).fetchall()
    return {str(row[0]) for row in rows}
