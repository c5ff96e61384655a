"""`customs export`: the command-line glue of `warehouse.export` (options, errors, exit codes)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from config.options import DataDirOpt
from config.settings import settings_for
from warehouse.codes import EXPORT_FORMATS, ExportFormat

FormatOpt = Annotated[
    str, typer.Option("--format", help=f"File format: {', '.join(EXPORT_FORMATS)}", show_default=False)
]
ViewOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--view",
        help="Only this BI view (repeatable), e.g. monthly_trade or bi.partner_trade; default: all",
        show_default=False,
    ),
]
OutOpt = Annotated[
    Path | None,
    typer.Option("--out", help="Folder to write to (default: <data root>/exports)", show_default=False),
]


def export_command(
    export_format: FormatOpt,
    view: ViewOpt = None,
    out: OutOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Export the BI views of the published warehouse (csv or parquet: a file per view; xlsx: a workbook
    with a sheet per view), with the data dictionary; print each file written."""
    if export_format not in EXPORT_FORMATS:
        raise typer.BadParameter(
            f"unknown format {export_format!r}: choose {', '.join(EXPORT_FORMATS)}", param_hint="--format"
        )
    fmt: ExportFormat = export_format  # narrowed by the check above
    # Imported here: polars and DuckDB stay out of `customs --help`.
    from warehouse.export import export_views, resolve_views

    try:
        views = resolve_views(view)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--view") from error
    settings = settings_for(data_dir)
    try:
        done = export_views(settings.warehouse_path, out or settings.root / "exports", fmt, views)
    except FileNotFoundError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    for path in done.files:
        typer.echo(str(path))
