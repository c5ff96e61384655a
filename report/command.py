"""`customs report`: write the HTML release report of a period to a file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from config.options import DataDirOpt
from config.settings import settings_for


def write_html_report(warehouse_path: Path, period: str, reports_dir: Path) -> Path:
    """Render the report of `period` to `<reports_dir>/report-<period>.html`, atomically."""
    # Imported here: `customs --help` and every other command start without matplotlib and DuckDB.
    from fileio.atomic import atomic_write_bytes  # with polars, for its Parquet writes
    from report.data import load_report_data
    from report.render import render_html_report, report_filename

    data = load_report_data(warehouse_path, period)
    target = reports_dir / report_filename(data.period)
    # Written aside and renamed: a browser or a mailer picking the file up never sees half a page.
    atomic_write_bytes(target, render_html_report(data).encode("utf-8"))
    return target


def report_command(
    period: Annotated[
        str, typer.Option("--period", help="Period to report on: YYYY-MM or YYYY-01..02", show_default=False)
    ],
    data_dir: DataDirOpt = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            help="Folder to write report-<period>.html to (default: <data root>/reports)",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write the HTML release report of a period from the published warehouse and print its path."""
    settings = settings_for(data_dir)
    try:
        path = write_html_report(settings.warehouse_path, period, output or settings.reports_dir)
    except FileNotFoundError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    except ValueError as error:  # a malformed period, or one the warehouse does not hold
        raise typer.BadParameter(str(error), param_hint="--period") from error
    typer.echo(str(path))
