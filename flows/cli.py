"""`customs`: the command-line entry point (ingest, run, validate, backfill, status, report,
export, query, repair, automation).

Every argument is checked here, before any flow or Prefect server starts; a mistake is one line saying
what is wrong and how to fix it (exit 2). An expected failure (`domain.errors.ExpectedError`: a release
rejected, a server not reached) is one line too (exit 1); `customs --debug` shows its traceback. Heavy
libraries (Prefect, polars, Great Expectations, matplotlib) are imported by the commands that use them,
so `customs --help` answers at once.
"""

from __future__ import annotations

import os

# Offline by design: no telemetry, no update checks. Set before Prefect is imported.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "flows,transforms,warehouse,expectations")
# The project's loggers also run outside flow runs (tests, the library used directly): no API there.
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")

import contextlib
import functools
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from config.options import DataDirOpt
from config.settings import SOURCES, SOURCES_TEXT, Settings, SourceName, settings_for
from domain.errors import ExpectedError, UsageError
from domain.periods import Period
from domain.runs import validation_run_id
from fileio.lock import LOCK_NAME, DataRootBusyError
from flows.automation import automation_app
from flows.export import export_command
from flows.query import query_command
from flows.writer import holding_data_root
from report.command import report_command
from status.command import status_command
from warehouse.codes import TRADE_DIRECTIONS, TradeDirection

if TYPE_CHECKING:
    from flows.ingest.pipeline import IngestReport


class _Customs(TyperGroup):
    """The command group, with expected errors shown as their message (one line, no traceback) and an exit
    code. In the group rather than around the app, so that Typer's test runner sees what a user sees."""

    debug = False

    def invoke(self, ctx: Any) -> Any:  # a click Context (Typer 0.29 vendors click privately)
        try:
            return super().invoke(ctx)
        except ExpectedError as exc:
            if _Customs.debug:
                raise
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from exc


app = typer.Typer(
    cls=_Customs,
    name="customs",
    help="China Customs (GACC) trade statistics: ingest releases and publish a DuckDB warehouse.",
    no_args_is_help=True,
    add_completion=False,
)
# soft_wrap: a summary or a path stays on one line, whole, whatever the terminal's width.
console = Console(stderr=False, soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True, markup=False, highlight=False)

P = ParamSpec("P")
EXIT_BUSY = 75  # EX_TEMPFAIL: another command is writing to the data root; try again later


def writer(*, creates_root: bool) -> Callable[[Callable[P, None]], Callable[P, None]]:
    """A command that writes to the data root: it holds the root's writer lock (failing at once, naming
    the holder, when another process writes there) and reports the data root's expected troubles in one
    line. A command that only adds to an existing root does not create it (nor lock what is not there)."""

    def decorate(command: Callable[P, None]) -> Callable[P, None]:
        @functools.wraps(command)
        def holding_the_lock(*args: P.args, **kwargs: P.kwargs) -> None:
            data_dir: Any = kwargs.get("data_dir")
            settings = settings_for(data_dir)
            root = settings.root
            try:
                if not creates_root and not root.is_dir():
                    command(*args, **kwargs)
                    return
                created = not root.exists()
                try:
                    with holding_data_root(settings):
                        command(*args, **kwargs)
                except BaseException:
                    if created:
                        _remove_if_only_the_lock(root)
                    raise
            except DataRootBusyError as exc:
                errors.print(f"error: {exc}")
                raise typer.Exit(EXIT_BUSY) from None

        return holding_the_lock

    return decorate


def _remove_if_only_the_lock(root: Path) -> None:
    """A data root this command created and then failed in (an argument mistake found after the lock was
    taken, a source that answered nothing) is removed again when it holds nothing but the lock file: a
    command that did not run leaves no data root behind."""
    lock = root / LOCK_NAME
    if root.is_dir() and {p.name for p in root.iterdir()} <= {LOCK_NAME}:
        lock.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            root.rmdir()


@app.callback()
def _options(
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an error too")] = False,
) -> None:
    _Customs.debug = debug


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
AllowShrinkOpt = Annotated[
    bool,
    typer.Option(
        "--allow-shrink",
        help="Publish even if the warehouse would lose releases it holds (a lost manifest, deleted staging); logged",
    ),
]


# --- the checks of the arguments, before anything starts ------------------------------------------------
def _check_source(
    source: str, path: Path | None = None, base_url: str | None = None, years: list[int] | None = None
) -> SourceName:
    if source not in SOURCES:
        raise UsageError(f"--source {source}: unknown source; choose {SOURCES_TEXT}")
    if source == "landing":
        if path is None:
            raise UsageError("--source landing needs --path FOLDER: the folder the files are dropped into")
        if not path.is_dir():
            what = "not a folder" if path.exists() else "no such folder"
            raise UsageError(f"--path {path}: {what}; give the landing folder the files are dropped into")
    elif path is not None:
        raise UsageError(f"--path is read with --source landing only, not with --source {source}")
    if source != "gacc" and (base_url is not None or years):
        option = "--base-url" if base_url is not None else "--year"
        raise UsageError(f"{option} is read with --source gacc only, not with --source {source}")
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


def _settings(data_dir: Path | None, base_url: str | None = None) -> Settings:
    try:
        return settings_for(data_dir, base_url)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise UsageError(
            f"invalid setting: {problems} (arguments, or CUSTOMS_* environment variables)"
        ) from exc


def _existing_data_root(data_dir: Path | None) -> Settings:
    """The settings of a data root a command only reads: it must exist, and is never created."""
    settings = _settings(data_dir)
    if not settings.root.is_dir():
        raise ExpectedError(
            f"no data root at {settings.root}: nothing was ingested there; give --data-dir (or set "
            "CUSTOMS_DATA_DIR) to a data root, or run `customs run` first"
        )
    return settings


_PERIOD_SHAPE = re.compile(r"^(?P<year>\d{4})-?(?P<first>\d{1,2})(?:\.\.(?P<last>\d{1,2}))?$")


def _period_argument(option: str, text: str, *, range_bound: bool = False) -> Period:
    """`text` as a period, or a UsageError saying what is wrong and what was probably meant.

    GACC's preliminary release has no separate January or February: a run's period is `YYYY-01..02`. A
    range bound (`range_bound`) may name either month: the range then covers the two-month period.
    """
    text = text.strip()
    shape = _PERIOD_SHAPE.match(text)
    if shape is None:
        raise UsageError(f"{option} {text}: not a period; give YYYY-MM (e.g. 2025-11) or YYYY-01..02")
    year, first = int(shape["year"]), int(shape["first"])
    last = int(shape["last"]) if shape["last"] else first
    for month in (first, last):
        if not 1 <= month <= 12:
            raise UsageError(f"{option} {text}: there is no month {month}; give YYYY-MM (e.g. {year}-11)")
    if not 1900 <= year <= 2100:
        raise UsageError(f"{option} {text}: implausible year {year}; give YYYY-MM (e.g. 2025-11)")
    if first != last and (first, last) != (1, 2):
        raise UsageError(
            f"{option} {text}: a period is one month (YYYY-MM) or January-February (YYYY-01..02)"
        )
    key = f"{year}-{first:02d}" + (f"..{last:02d}" if first != last else "")
    period = Period.parse(key) if range_bound or last > 2 else Period.jan_feb(year)
    if text != key:
        raise UsageError(f"{option} {text}: not a period key; did you mean {option} {period.key}?")
    if period.key != key:
        raise UsageError(
            f"{option} {text}: GACC's preliminary release has no separate January or February, they come "
            f"out together; did you mean {option} {period.key}?"
        )
    return period


def _check_range(start: str, end: str) -> None:
    first = _period_argument("--from", start, range_bound=True)
    last = _period_argument("--to", end, range_bound=True)
    if first.start > last.start:
        raise UsageError(
            f"--from {first.key} is after --to {last.key}: did you mean --from {last.key} --to {first.key}?"
        )


def _fail_if_every_file_quarantined(report: IngestReport | None) -> None:
    """A command that took in files and staged none of them did not do what it said: exit 1."""
    if report is not None and report.every_file_quarantined:
        raise ExpectedError(
            f"every new file was quarantined ({len(report.quarantined)}, the reasons are logged above): "
            "none was staged"
        )


def _prefect_server(settings: Settings) -> Callable[[], None]:
    """Launch the temporary Prefect server of a flow command (unless PREFECT_API_URL names a server), tied
    to it; returns what waits for it to answer. Call this before importing Prefect or the flow, and what
    it returns after importing the flow and before running it: the server starts while the flow's modules
    import, and Prefect's clients read its address (PREFECT_API_URL) when Prefect is imported."""
    # Also for any server Prefect starts on its own: the same patience.
    os.environ.setdefault(
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", str(settings.prefect_startup_timeout_seconds)
    )
    from flows.prefect_server import hide_expected_tracebacks, launch_temporary_server

    server = launch_temporary_server()

    def wait_until_ready() -> None:
        if not _Customs.debug:
            hide_expected_tracebacks()
        if server is not None:
            server.wait_until_ready(settings.prefect_startup_timeout_seconds)

    return wait_until_ready


@app.command()
@writer(creates_root=True)
def ingest(
    source: SourceOpt = "demo",
    path: PathOpt = None,
    base_url: BaseUrlOpt = None,
    year: YearOpt = None,
    direction: DirectionOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Fetch a source's files into the raw archive and staging Parquet (no warehouse change)."""
    source_name = _check_source(source, path, base_url, year)
    trade_direction = _check_direction(direction, source_name)
    server_ready = _prefect_server(_settings(data_dir, base_url))
    from flows.ingest.flow import ingest_flow

    server_ready()

    report = ingest_flow(
        source=source_name,
        path=str(path) if path else None,
        base_url=base_url,
        years=year,
        data_dir=str(data_dir) if data_dir else None,
        direction=trade_direction,
    )
    console.print(report.summary(), markup=False)
    # Each quarantined file was logged once, naming it, as it was quarantined: not repeated here. Refused
    # files and a failed source, on one line each (never wrapped), naming the file.
    for _uri, why in report.refused:
        _problem("yellow", "refused", why)
    for error in report.source_errors:
        _problem("red", "source failed", error)
    if report.source_errors:
        raise typer.Exit(1)
    if report.new_files == 0:
        console.print("0 new files: archive and staging unchanged")
    _fail_if_every_file_quarantined(report)


def _problem(style: str, what: str, message: str) -> None:
    console.print(f"[{style}]{what}[/] {escape(message)}", soft_wrap=True, highlight=False)


def _usd(value: float | None) -> str:
    # The report's money format, currency included, so the two never disagree.
    from report.labels import format_amount

    return format_amount(value, "US$")


def _pct(value: float | None) -> str:
    from report.labels import format_pct

    return format_pct(value)


@app.command()
@writer(creates_root=True)
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
    allow_shrink: AllowShrinkOpt = False,
    data_dir: DataDirOpt = None,
) -> None:
    """Run the monthly-release flow: ingest, transform, validate and publish the warehouse."""
    source_name = _check_source(source, path, base_url, year)
    trade_direction = _check_direction(direction, source_name)
    if period is not None:
        period = _period_argument("--period", period).key
    settings = _settings(data_dir, base_url)
    server_ready = _prefect_server(settings)
    from flows.monthly import monthly_release

    server_ready()

    summary = monthly_release(
        period=period,
        source=source_name,
        path=str(path) if path else None,
        base_url=base_url,
        years=year,
        data_dir=str(data_dir) if data_dir else None,
        force=force,
        direction=trade_direction,
        allow_shrink=allow_shrink,
    )
    if summary.ingest is not None:
        console.print(summary.ingest.summary(), markup=False)
    _fail_if_every_file_quarantined(summary.ingest)
    if not summary.published:
        if summary.failed:
            raise ExpectedError(f"{summary.message}; the warehouse is unchanged: {summary.warehouse_path}")
        console.print(summary.message, markup=False)
        console.print(f"warehouse: {summary.warehouse_path}", markup=False)
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
            f"{summary.latest_period}: exports {_usd(t.get('exports_usd'))} ({_pct(t.get('exports_yoy_pct'))} y/y), "
            f"imports {_usd(t.get('imports_usd'))} ({_pct(t.get('imports_yoy_pct'))} y/y), "
            f"balance {_usd(t.get('balance_usd'))}"
        )
    console.print(f"BI views as Parquet: {settings.bi_parquet_dir}")
    if summary.report_path:
        console.print(f"release report: {summary.report_path}")


@app.command()
@writer(creates_root=False)
def validate(
    release: Annotated[
        list[str] | None,
        typer.Option("--release", help="Also validate this (quarantined) release; repeatable"),
    ] = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Run the data-quality gate on what is staged (no publish); exit 1 on a blocking failure."""
    settings = _existing_data_root(data_dir)
    if not settings.manifest_path.is_file():
        raise ExpectedError(
            f"nothing staged in {settings.root}: no archive manifest; run `customs ingest` first"
        )
    from flows.build import load_staged
    from flows.release import blocking_failures, build_everything, load_overrides, run_quality_gate

    wanted = frozenset(release or [])
    inputs = load_staged(settings, include_release_ids=wanted)
    known = set(inputs.manifest["release_id"].to_list())
    unknown = sorted(wanted - known)
    if unknown:
        raise UsageError(f"--release {', '.join(unknown)}: no such release in {settings.manifest_path}")
    run_id = validation_run_id(datetime.now(UTC))
    tables, flows = build_everything(settings, inputs, run_id=run_id)
    gate = run_quality_gate(settings, inputs, tables, flows, run_id)
    console.print(gate.message(), markup=False, highlight=False)
    console.print(f"Data Docs: {settings.data_docs_dir / 'index.html'}")
    if blocking_failures(gate, load_overrides(settings)):
        raise typer.Exit(1)


@app.command()
@writer(creates_root=False)
def override(
    release: Annotated[str, typer.Option("--release", help="The quarantined release to release again")],
    by: Annotated[str, typer.Option("--by", help="Who reviewed it")],
    why: Annotated[str, typer.Option("--why", help="Why it may be published as it is")],
    data_dir: DataDirOpt = None,
) -> None:
    """Release a quarantined release after review; recorded with who and why, data unchanged."""
    settings = _existing_data_root(data_dir)
    from flows.release import record_override

    try:
        done = record_override(settings, release, by, why)
    except ValueError as exc:
        raise UsageError(f"--release {release}: {exc}") from exc
    console.print(f"release {done.release_id} released by {done.by} ({done.at}): {done.why}")
    console.print("the next `customs run` validates and publishes it")


@app.command()
@writer(creates_root=True)
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
    allow_shrink: AllowShrinkOpt = False,
    data_dir: DataDirOpt = None,
) -> None:
    """Process every period in a range: ingest what is missing, re-stage, validate, publish once."""
    source_name = _check_source(source, path, base_url)
    _check_range(start, end)
    if dask_address is not None and not dask_address.strip():
        raise UsageError("--dask-address is empty: give the scheduler's address, e.g. tcp://127.0.0.1:8786")
    server_ready = _prefect_server(_settings(data_dir, base_url))
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from flows import backfill as backfill_module

    server_ready()

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
                allow_shrink=allow_shrink,
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


app.command("report", help="Write the static HTML release report (with charts) for a period.")(
    writer(creates_root=False)(report_command)
)


@app.command()
@writer(creates_root=False)
def repair(data_dir: DataDirOpt = None) -> None:
    """Rebuild the archive manifest and staging from the raw archive (after a lost or damaged manifest)."""
    from flows.repair import repair_archive

    settings = settings_for(data_dir)
    if not settings.raw_dir.is_dir():
        errors.print(f"error: no raw archive at {settings.raw_dir}: nothing to repair from")
        raise typer.Exit(1)
    report = repair_archive(settings)
    console.print(report.summary(), markup=False, highlight=False, soft_wrap=True)
    for uri, error in report.quarantined:
        console.print(f"[yellow]quarantined[/] {uri}: {error}", soft_wrap=True)
    for path in report.corrupt:
        console.print(
            f"[red]corrupt[/] {path}: its bytes do not match its checksum name; left out", soft_wrap=True
        )
    console.print("the next `customs run` rebuilds and publishes the warehouse from the repaired staging")


app.command(
    "status", help="What is in the warehouse, what is due and what is overdue, per product and period."
)(status_command)

# --- customs export (issue 13: outputs people open) ------------------------------------------------------
app.command(
    "export", help="Export the BI views of the published warehouse as csv, parquet or an xlsx workbook."
)(export_command)

# --- customs query (issue 12: the warehouse as of a date, without SQL macros) ------------------------------
app.command(
    "query", help="Run read-only SQL against the published warehouse; --as-of reads the bi views as of a day."
)(query_command)

app.add_typer(automation_app, name="automation")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
