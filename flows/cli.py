"""`customs`: the command-line entry point (ingest, run, validate, backfill, status, report, automation)."""

from __future__ import annotations

import os

# Offline by design: no telemetry, no update checks. Set before Prefect is imported.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "flows,transforms,warehouse,expectations")
# The project's loggers also run outside flow runs (tests, the library used directly): no API there.
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from config.options import DataDirOpt
from config.settings import SOURCES, SOURCES_TEXT, SourceName, settings_for
from domain.runs import validation_run_id
from flows.automation import automation_app
from report.command import report_command
from status.command import status_command
from warehouse.codes import TRADE_DIRECTIONS, TradeDirection

app = typer.Typer(
    name="customs",
    help="China Customs (GACC) trade statistics: ingest releases and publish a DuckDB warehouse.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=False)

SourceOpt = Annotated[str, typer.Option("--source", help=SOURCES_TEXT)]
PathOpt = Annotated[Path | None, typer.Option("--path", help="Landing folder (with --source landing)")]
BaseUrlOpt = Annotated[str | None, typer.Option("--base-url", help="GACC site base URL (with --source gacc)")]
YearOpt = Annotated[list[int] | None, typer.Option("--year", help="Year(s) to crawl (gacc); repeatable")]
DirectionOpt = Annotated[
    str | None,
    typer.Option(
        "--direction",
        help="import|export: the flow of online-query exports whose file names do not say it (with --source landing)",
    ),
]


def _check_source(source: str) -> SourceName:
    if source not in SOURCES:
        raise typer.BadParameter(f"unknown source {source!r}: choose {SOURCES_TEXT}", param_hint="--source")
    return source


def _check_direction(direction: str | None, source: SourceName) -> TradeDirection | None:
    if direction is None:
        return None
    if direction not in TRADE_DIRECTIONS:
        raise typer.BadParameter(
            f"unknown direction {direction!r}: choose import or export", param_hint="--direction"
        )
    if source != "landing":
        raise typer.BadParameter("only with --source landing", param_hint="--direction")
    return direction


@app.command()
def ingest(
    source: SourceOpt = "demo",
    path: PathOpt = None,
    base_url: BaseUrlOpt = None,
    year: YearOpt = None,
    direction: DirectionOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Fetch a source's files into the raw archive and staging Parquet (no warehouse change)."""
    source_name = _check_source(source)
    trade_direction = _check_direction(direction, source_name)
    from flows.ingest.flow import ingest_flow

    report = ingest_flow(
        source=source_name,
        path=str(path) if path else None,
        base_url=base_url,
        years=year,
        data_dir=str(data_dir) if data_dir else None,
        direction=trade_direction,
    )
    console.print(report.summary())
    # Each problem on one line (never wrapped), naming its file; the errors already name it.
    for _uri, error in report.quarantined:
        _problem("yellow", "quarantined", error)
    for _uri, why in report.refused:
        _problem("yellow", "refused", why)
    for error in report.source_errors:
        _problem("red", "source failed", error)
    if report.source_errors:
        raise typer.Exit(1)
    if report.new_files == 0:
        console.print("0 new files: archive and staging unchanged")


def _problem(style: str, what: str, message: str) -> None:
    console.print(f"[{style}]{what}[/] {escape(message)}", soft_wrap=True, highlight=False)


def _bn(value: float | None) -> str:
    return "n/a" if value is None else f"{value / 1e9:,.1f} bn"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.1f}%"


@app.command()
def run(
    source: SourceOpt = "demo",
    path: PathOpt = None,
    base_url: BaseUrlOpt = None,
    year: YearOpt = None,
    period: Annotated[
        str | None,
        typer.Option("--period", help="Require this period (YYYY-MM or YYYY-01..02); default: what is new"),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Rebuild and publish even if nothing is new")
    ] = False,
    direction: DirectionOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Run the monthly-release flow: ingest, transform, validate and publish the warehouse."""
    source_name = _check_source(source)
    trade_direction = _check_direction(direction, source_name)
    from flows.monthly import monthly_release

    summary = monthly_release(
        period=period,
        source=source_name,
        path=str(path) if path else None,
        base_url=base_url,
        years=year,
        data_dir=str(data_dir) if data_dir else None,
        force=force,
        direction=trade_direction,
    )
    if summary.ingest is not None:
        console.print(summary.ingest.summary())
        for uri, error in summary.ingest.quarantined:
            console.print(
                f"[yellow]quarantined[/] {escape(f'{uri}: {error}')}", highlight=False, soft_wrap=True
            )
    if not summary.published:
        if summary.failed:
            console.print(f"[bold red]error:[/] {escape(summary.message)}", highlight=False, soft_wrap=True)
            console.print(f"warehouse (unchanged): {summary.warehouse_path}")
            raise typer.Exit(1)
        console.print(summary.message)
        console.print(f"warehouse: {summary.warehouse_path}")
        return
    for warning in summary.warnings:
        console.print(f"[bold yellow]warning:[/] {escape(warning)}", highlight=False, soft_wrap=True)
    console.print(f"[bold green]published[/] {summary.warehouse_path}")
    console.print(
        f"periods: {len(summary.periods)} ({summary.periods[0]} to {summary.periods[-1]}); "
        f"partners: {summary.partner_count}"
        if summary.periods
        else "periods: none"
    )
    if summary.latest_period:
        t = summary.latest_totals
        console.print(
            f"{summary.latest_period}: exports {_bn(t.get('exports_usd'))} ({_pct(t.get('exports_yoy_pct'))} y/y), "
            f"imports {_bn(t.get('imports_usd'))} ({_pct(t.get('imports_yoy_pct'))} y/y), "
            f"balance {_bn(t.get('balance_usd'))}"
        )
    console.print(f"BI views as Parquet: {settings_for(data_dir).bi_parquet_dir}")
    if summary.report_path:
        console.print(f"release report: {summary.report_path}")


@app.command()
def validate(
    release: Annotated[
        list[str] | None,
        typer.Option("--release", help="Also validate this (quarantined) release; repeatable"),
    ] = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Run the data-quality gate on what is staged (no publish); exit 1 on a blocking failure."""
    from flows.build import build_core_tables, load_staged
    from flows.release import blocking_failures, load_overrides, run_quality_gate

    settings = settings_for(data_dir)
    wanted = frozenset(release or [])
    inputs = load_staged(settings, include_release_ids=wanted)
    known = set(inputs.manifest["release_id"].to_list())
    unknown = sorted(wanted - known)
    if unknown:
        raise typer.BadParameter(
            f"no such release in the archive: {', '.join(unknown)}", param_hint="--release"
        )
    run_id = validation_run_id(datetime.now(UTC))
    gate = run_quality_gate(settings, inputs, build_core_tables(inputs), run_id)
    console.print(gate.message(), markup=False, highlight=False)
    console.print(f"Data Docs: {settings.data_docs_dir / 'index.html'}")
    if blocking_failures(gate, load_overrides(settings)):
        raise typer.Exit(1)


@app.command()
def override(
    release: Annotated[str, typer.Option("--release", help="The quarantined release to release again")],
    by: Annotated[str, typer.Option("--by", help="Who reviewed it")],
    why: Annotated[str, typer.Option("--why", help="Why it may be published as it is")],
    data_dir: DataDirOpt = None,
) -> None:
    """Release a quarantined release after review; recorded with who and why, data unchanged."""
    from flows.release import record_override

    settings = settings_for(data_dir)
    try:
        done = record_override(settings, release, by, why)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--release") from exc
    console.print(f"release {done.release_id} released by {done.by} ({done.at}): {done.why}")
    console.print("the next `customs run` validates and publishes it")


@app.command()
def backfill(
    start: Annotated[str, typer.Option("--from", help="First period, YYYY-MM")],
    end: Annotated[str, typer.Option("--to", help="Last period, YYYY-MM")],
    source: SourceOpt = "demo",
    path: PathOpt = None,
    base_url: BaseUrlOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Redo every period and publish")] = False,
    dask: Annotated[
        bool, typer.Option("--dask", help="Run the per-period work on a local Dask cluster")
    ] = False,
    dask_address: Annotated[
        str | None, typer.Option("--dask-address", help="Scheduler address of an existing Dask cluster")
    ] = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Process every period in a range: ingest what is missing, re-stage, validate, publish once."""
    source_name = _check_source(source)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from flows import backfill as backfill_module

    with Progress(
        TextColumn("periods"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        bar = progress.add_task("periods", total=None)

        def advance(period: str, total: int) -> None:
            progress.update(bar, total=total, advance=1, description=period)

        backfill_module.PROGRESS_LISTENERS.append(advance)
        try:
            summary = backfill_module.backfill(
                start=start,
                end=end,
                source=source_name,
                path=str(path) if path else None,
                base_url=base_url,
                data_dir=str(data_dir) if data_dir else None,
                force=force,
                dask=dask,
                dask_address=dask_address,
            )
        finally:
            backfill_module.PROGRESS_LISTENERS.remove(advance)
    console.print(
        f"backfill {start}..{end}: {len(summary.periods)} periods, {len(summary.computed)} processed, "
        f"{len(summary.reused)} already done by an earlier run"
        + (
            f", {len(summary.missing)} with no release: {', '.join(summary.missing)}"
            if summary.missing
            else ""
        )
    )
    for uri, error in summary.quarantined:
        console.print(f"[yellow]quarantined[/] {uri}: {error}")
    console.print(summary.message)


app.command("report", help="Write the static HTML release report (with charts) for a period.")(report_command)
app.command(
    "status", help="What is in the warehouse, what is due and what is overdue, per product and period."
)(status_command)


app.add_typer(automation_app, name="automation")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
