"""`customs query`: the command-line glue of `warehouse.query` (arguments, output, exit codes)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from config.options import DataDirOpt
from config.settings import settings_for
from domain.errors import ExpectedError, UsageError

SqlArg = Annotated[str, typer.Argument(help='The SQL to run, e.g. "SELECT * FROM bi.monthly_trade"')]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Read the bi views as they were on this day (YYYY-MM-DD): the vintages public by then",
        show_default=False,
    ),
]
CsvOpt = Annotated[bool, typer.Option("--csv", help="Write CSV to stdout instead of a table")]


def query_command(
    sql: SqlArg, as_of: AsOfOpt = None, csv: CsvOpt = False, data_dir: DataDirOpt = None
) -> None:
    """Run read-only SQL against the published warehouse and print the result; with --as-of, `bi.<view>`
    is the view as of that day (for clients without the bi.<view>_as_of macros)."""
    day: date | None = None
    if as_of is not None:
        try:
            day = date.fromisoformat(as_of)
        except ValueError as exc:
            raise UsageError(f"--as-of {as_of!r} is not a date: give YYYY-MM-DD, e.g. 2026-01-14") from exc
    if not sql.strip():
        raise UsageError('the SQL is empty: give a query, e.g. "SELECT * FROM bi.monthly_trade"')
    settings = settings_for(data_dir)
    # Imported here: polars and DuckDB stay out of `customs --help`.
    from warehouse.query import run_query

    try:
        frame = run_query(settings.warehouse_path, sql, day)
    except FileNotFoundError as exc:
        raise ExpectedError(str(exc)) from exc
    if csv:
        typer.echo(frame.write_csv(), nl=False)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(*frame.columns, show_lines=False)
    for row in frame.iter_rows():
        table.add_row(*("" if value is None else str(value) for value in row))
    Console(soft_wrap=True).print(table)
    typer.echo(f"{frame.height} row{'s' if frame.height != 1 else ''}" + (f", as of {day}" if day else ""))
