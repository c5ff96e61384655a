"""`customs status`: the command-line glue (options, errors, exit codes)."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from config.options import DataDirOpt
from config.settings import settings_for
from release_calendar import PRODUCTS
from warehouse.codes import PRODUCTS as WAREHOUSE_CODES

if TYPE_CHECKING:  # polars and rich are imported where used: `customs --help` stays fast
    import polars as pl
    from rich.console import Console

# Products the warehouse can hold, in calendar order (status.data.WAREHOUSE_PRODUCTS, without polars).
_DEFAULT_PRODUCTS = tuple(p for p in PRODUCTS if p in WAREHOUSE_CODES)

TodayOpt = Annotated[
    str | None,
    typer.Option(
        "--today", help="Report as of this day, YYYY-MM-DD (default: today in Beijing)", show_default=False
    ),
]
ProductOpt = Annotated[
    str | None,
    typer.Option(
        "--product",
        help=f"Only this product: {', '.join(PRODUCTS)} (default: {', '.join(_DEFAULT_PRODUCTS)})",
        show_default=False,
    ),
]
FailOnOverdueOpt = Annotated[
    bool, typer.Option("--fail-on-overdue", help="Exit with code 1 when a release is overdue")
]
JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print the same rows as JSON (one object), for scripts and monitoring")
]
# Piped or redirected, there is no terminal to fit: rich would fall back to 80 columns and crop the table.
PIPED_WIDTH = 1000


def status_console(**kwargs: Any) -> Console:
    """A console as wide as the terminal, or wide enough for every column when the output is piped."""
    from rich.console import Console

    console = Console(highlight=False, **kwargs)
    if not console.is_terminal:
        console = Console(highlight=False, width=PIPED_WIDTH, **kwargs)
    return console


def status_json(frame: pl.DataFrame, *, warehouse: str, present: bool, today: date) -> str:
    """The status as one JSON object: where, as of when, and every release row (dates as YYYY-MM-DD)."""
    rows = [
        {k: v.isoformat() if isinstance(v, date) else v for k, v in row.items()}
        for row in frame.iter_rows(named=True)
    ]
    states = frame["state"].value_counts().rows() if frame.height else []
    return json.dumps(
        {
            "warehouse": warehouse,
            "warehouse_present": present,
            "as_of": today.isoformat(),
            "counts": {state: count for state, count in sorted(states)},
            "releases": rows,
        },
        ensure_ascii=False,
        indent=1,
    )


def status_command(
    data_dir: DataDirOpt = None,
    today: TodayOpt = None,
    product: ProductOpt = None,
    fail_on_overdue: FailOnOverdueOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Show what the warehouse holds against GACC's release calendar: published, due and overdue releases."""
    # Imported here: `customs --help` and every other command start without polars and DuckDB.
    import duckdb
    import polars as pl
    from rich.console import Group
    from rich.text import Text

    from release_calendar import ReleaseState
    from status.data import WAREHOUSE_PRODUCTS, parse_today, status_report
    from status.render import renderables

    try:
        day = parse_today(today)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--today") from exc
    if product is not None and product not in PRODUCTS:
        raise typer.BadParameter(
            f"unknown product {product!r}: choose one of {', '.join(PRODUCTS)}", param_hint="--product"
        )
    settings = settings_for(data_dir)
    console = status_console(stderr=as_json)  # with --json, stdout holds the JSON alone
    try:
        frame = status_report(settings, day, products=WAREHOUSE_PRODUCTS if product is None else (product,))
    except (ValueError, duckdb.Error) as exc:
        # A file that is not a readable warehouse: say so, without a traceback.
        console.print(Text.assemble(("error", "red"), f": {exc}"))
        raise typer.Exit(code=2) from exc
    where = settings.warehouse_path
    overdue = frame.filter(pl.col("state") == ReleaseState.OVERDUE.value).height
    if as_json:
        typer.echo(status_json(frame, warehouse=str(where), present=where.is_file(), today=day))
        if fail_on_overdue and overdue:
            raise typer.Exit(code=1)
        return
    # soft_wrap: a long path stays on one line, whole, to be copied.
    absent = "" if where.is_file() else " (absent: nothing published yet)"
    console.print(f"warehouse: {where}{absent}", soft_wrap=True, markup=False)
    console.print(f"as of {day}", markup=False)
    console.print(Group(*renderables(frame)))
    if fail_on_overdue and overdue:
        raise typer.Exit(code=1)
