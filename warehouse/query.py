"""`customs query`: read-only SQL against the published warehouse, optionally as of a date.

As of a date, `bi.<view>` names the view as it would have read on that day, for clients that cannot call
the as-of macros. The published file is attached READ_ONLY to an in-memory database, and that database's
own `core`, `meta` and `bi` schemas hold views over it: `core.*` and `meta.*` pass through, each `bi`
view with an as-of form is its as-of SQL (`warehouse.asof`, the same SQL as the macros). The user's SQL
runs in the in-memory database, so its names find those views first; nothing can be written to the
published file (attached read-only) nor to any other file (external access is switched off before the
user's SQL runs). `core` and `meta` read as published, every vintage in them (`public_on` says when each
became public).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from domain.errors import ExpectedError
from warehouse.asof import AS_OF_MACROS, as_of_relations
from warehouse.tables import BI_VIEWS

_WAREHOUSE = "published"
_PASSED_THROUGH = ("core", "meta")


class QueryError(ExpectedError):
    """The SQL failed (or asked for what cannot be given as of a date): one line saying why."""


def run_query(warehouse_path: Path, sql: str, as_of: date | None = None) -> pl.DataFrame:
    """The result of `sql` on the published warehouse (as of `as_of` when given), as a frame.

    Raises FileNotFoundError when there is no warehouse (nothing is created) and QueryError when the
    SQL fails or reads, as of a date, a BI view that has no as-of form."""
    path = Path(warehouse_path)
    if not path.is_file():
        raise FileNotFoundError(f"no published warehouse at {path}: run `customs run` first")
    if as_of is not None:
        without = [
            v.qualified_name
            for v in BI_VIEWS
            if v not in {m.view for m in AS_OF_MACROS}
            and re.search(rf"\b{re.escape(v.qualified_name)}\b", sql, re.IGNORECASE)
        ]
        if without:
            raise QueryError(
                f"{', '.join(without)} cannot be read as of a date (no as-of form); as of a date: "
                f"{', '.join(m.view.qualified_name for m in AS_OF_MACROS)}"
            )
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{_quoted(str(path))}' AS {_WAREHOUSE} (READ_ONLY)")
        if as_of is None:
            con.execute(f"USE {_WAREHOUSE}")
        else:
            _shadow_as_of(con, as_of)
        con.execute("SET enable_external_access = false")
        try:
            relation = con.sql(sql)
            if relation is None:  # a statement that returns no rows
                raise QueryError("query failed: give a SELECT (or another statement that returns rows)")
            return relation.pl()
        except duckdb.Error as exc:
            raise QueryError(f"query failed: {str(exc).splitlines()[0]}") from exc


def _shadow_as_of(con: duckdb.DuckDBPyConnection, as_of: date) -> None:
    tables = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ?", [_WAREHOUSE]
    ).fetchall()
    for schema in (*_PASSED_THROUGH, "bi"):
        con.execute(f"CREATE SCHEMA memory.{schema}")
    for schema, name in tables:
        if schema in _PASSED_THROUGH:
            con.execute(f"CREATE VIEW memory.{schema}.{name} AS SELECT * FROM {_WAREHOUSE}.{schema}.{name}")
    con.execute("USE memory")
    for view, body in as_of_relations(as_of).items():
        con.execute(f"CREATE VIEW memory.{view} AS {body}")


def _quoted(text: str) -> str:
    return text.replace("'", "''")


__all__ = ["QueryError", "run_query"]
