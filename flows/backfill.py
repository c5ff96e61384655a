"""`backfill(start, end)`: every period of a range re-parsed from the archive, then one publish.

Per period (in parallel: Prefect's thread pool, or a Dask cluster with `dask=True`) the period's raw
files are parsed again with the current parser and re-staged, and the period's share of
core.fact_trade_flows (its months' partitions, flows.partitions) is built from them: the same unit of
work as a monthly run's. That work is cached by Prefect, keyed on the files' checksums, the parser and
the code version, with results persisted under the data root, so a re-run after a crash or a kill
redoes only the periods that had not finished. Then the other tables are rebuilt, the fact's periods
that changed are validated, and everything is published once, at the end.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.context import TaskRunContext
from prefect.filesystems import LocalFileSystem
from prefect.futures import PrefectFuture, as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from config.settings import Settings, SourceName, settings_for
from domain.periods import Period, in_periods
from domain.runs import new_run_id
from flows.build import code_version, load_staged, prebuild_flow_periods
from flows.ingest.archive import RawArchive
from flows.ingest.flow import ingest_source, make_source
from flows.ingest.model import PARSER_VERSION
from flows.ingest.pipeline import hints_from_manifest, process_file
from flows.ingest.sources import FetchedFile
from flows.ingest.staging import staged_file_digests
from flows.monthly import SourceFailedError
from flows.release import build_validate_publish, check_published, release_report
from flows.steps import measured_step
from flows.writer import holding_data_root
from warehouse.codes import PRODUCTS
from warehouse.read import last_published_fingerprint, periods_with_totals
from warehouse.tables import FACT_TRADE_FLOWS


def periods_between(start: str, end: str) -> list[Period]:
    """The preliminary-release periods from `start` to `end` (months; January and February as one)."""
    first, last = Period.parse(start), Period.parse(end)
    if (first.year, first.first_month) > (last.year, last.last_month):
        raise ValueError(f"empty range: {start} is after {end}")
    periods: list[Period] = []
    year, month = first.year, first.first_month
    while (year, month) <= (last.year, last.last_month):
        period = Period.jan_feb(year) if month <= 2 else Period.month(year, month)
        if not periods or periods[-1] != period:
            periods.append(period)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return periods


def _in_range(period_key: str | None, periods: set[str]) -> bool:
    # Online-query exports are filed under their last month, and split January from February.
    return period_key is not None and in_periods(Period.parse(period_key), periods)


@dataclass(frozen=True)
class PeriodWork:
    period: str
    manifest_rows: list[dict[str, Any]] = field(default_factory=list)
    process_id: int = 0  # the process that did the work: a Dask worker's, with --dask
    flow_periods: list[str] = field(default_factory=list)  # periods of core.fact_trade_flows it built

    @property
    def staged(self) -> int:
        return sum(1 for r in self.manifest_rows if r["status"] == "staged")

    @property
    def quarantined(self) -> list[tuple[str, str]]:
        return [(r["source_uri"], r["error"]) for r in self.manifest_rows if r["status"] == "quarantined"]


def _period_cache_key(context: TaskRunContext, parameters: dict[str, Any]) -> str:
    digest = hashlib.sha256()
    for part in (parameters["period"], *sorted(parameters["sha256s"]), PARSER_VERSION, code_version()):
        digest.update(part.encode())
        digest.update(b"\n")
    return f"prepare-period-{parameters['period']}-{digest.hexdigest()[:32]}"


@task(name="prepare-period", cache_key_fn=_period_cache_key, persist_result=True)
def prepare_period(period: str, sha256s: list[str], data_dir: str, force: bool = False) -> PeriodWork:
    """Parse a period's raw files again and rewrite their staging files (same bytes in, same out), unless
    this parser version already staged them, then build the period's partitions of core.fact_trade_flows."""
    settings = settings_for(data_dir)
    archive = RawArchive(settings.archive_dir)
    manifest = archive.manifest.filter(pl.col("source_sha256").is_in(sha256s))
    staged = set() if force else staged_file_digests(settings.staging_dir)
    rows = []
    for row in manifest.sort("source_sha256").iter_rows(named=True):
        if (
            row["status"] == "staged"
            and row["parser_version"] == PARSER_VERSION
            and row["source_sha256"][:12] in staged
        ):
            # Staged by this very parser (the run's own ingest, say): parsing it again would write the
            # same bytes. A parser fix changes PARSER_VERSION, and --force parses everything again.
            rows.append(row)
            continue
        file = FetchedFile(
            archive.read(row["source_sha256"]),
            row["source_uri"],
            row["original_name"] or "",
            row["retrieved_at"],
            **hints_from_manifest(row),
        )
        rows.append(process_file(file, row["source_sha256"], archive, settings))
    # The period's share of the fact, beside its parsing: the same unit of work as a monthly run's.
    built = (
        prebuild_flow_periods(settings, flow_periods_of(period), force=force) if period != UNPARSED else []
    )
    return PeriodWork(period, rows, os.getpid(), built)


def flow_periods_of(period: str) -> list[str]:
    """The periods of core.fact_trade_flows a backfill period holds: Jan-Feb holds both months too."""
    parsed = Period.parse(period)
    if parsed.is_combined:
        return [Period.month(parsed.year, 1).key, Period.month(parsed.year, 2).key, parsed.key]
    return [parsed.key]


@dataclass
class BackfillSummary:
    run_id: str
    periods: list[str]
    computed: list[str]  # periods whose files were parsed and staged by this run
    reused: list[str]  # periods whose work a previous run had finished (Prefect cache)
    worker_processes: set[int]  # the processes that did this run's per-period work
    missing: list[str]  # periods of the range with no file in the archive
    quarantined: list[tuple[str, str]]
    published: bool
    warehouse_path: Path
    message: str
    report_path: Path | None = None
    flow_periods_built: list[str] = field(default_factory=list)  # by the per-period tasks (workers)


# Called with (period, periods to do) as each period finishes: the CLI draws its progress bar from it.
PROGRESS_LISTENERS: list[Callable[[str, int], None]] = []

UNPARSED = "unparsed"  # the bucket of files that failed to parse: their period is not known


def _files_by_period(settings: Settings, periods: list[Period]) -> dict[str, list[str]]:
    manifest = RawArchive(settings.archive_dir).manifest
    wanted = {p.key for p in periods}
    files: dict[str, list[str]] = {p.key: [] for p in periods}
    staged = manifest.filter((pl.col("status") == "staged") & pl.col("product").is_in(PRODUCTS))
    for row in staged.iter_rows(named=True):
        if _in_range(row["period"], wanted):
            period = Period.parse(row["period"])
            files[Period.jan_feb(period.year).key if period.last_month <= 2 else period.key].append(
                row["source_sha256"]
            )
    # Files that failed to parse are retried, since a backfill is how a parser fix reaches old
    # releases; gate-quarantined files stay out until a new vintage or an override releases them.
    unparsed = manifest.filter((pl.col("status") == "quarantined") & (pl.col("quarantine_reason") == "parse"))
    if unparsed.height:
        files[UNPARSED] = unparsed["source_sha256"].to_list()
    return files


PERIOD_WORKERS = min(4, os.cpu_count() or 1)


def _task_runner(dask: bool, dask_address: str | None) -> Any:
    if not dask and dask_address is None:
        # A period's work is polars (its files were staged by the run's ingest), which uses every core:
        # more periods at once than cores adds little speed, and each holds a month of records.
        return ThreadPoolTaskRunner(max_workers=PERIOD_WORKERS)
    from prefect_dask import DaskTaskRunner

    if dask_address:
        return DaskTaskRunner(address=dask_address)
    # Separate worker processes: the per-period work really leaves this process. They report their task
    # runs to this flow's API, the temporary one too, instead of each starting a server of its own.
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        api_url = str(client.api_url)
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": 2,
            "threads_per_worker": 1,
            "processes": True,
            "env": {"PREFECT_API_URL": api_url},
        }
    )


@flow(name="backfill", log_prints=True)
def backfill(
    start: str,
    end: str,
    source: SourceName = "demo",
    path: str | None = None,
    base_url: str | None = None,
    data_dir: str | None = None,
    force: bool = False,
    dask: bool = False,
    dask_address: str | None = None,
    allow_shrink: bool = False,
) -> BackfillSummary:
    """Ingest what is missing for `start`..`end`, re-stage every period, validate, publish once."""
    logger = get_run_logger()
    settings = settings_for(data_dir, base_url)
    with holding_data_root(settings):
        started_at = datetime.now(UTC)
        run_id = new_run_id(started_at)
        periods = periods_between(start, end)
        years = sorted({p.year for p in periods})
        check_published(settings)  # a BI tool holding the warehouse fails the run now, not after the gate

        report = ingest_source(
            make_source(
                source,
                settings,
                path=Path(path) if path else None,
                years=years,
                periods=[p.key for p in periods],
            ),
            settings,
        )
        if report.source_errors:
            raise SourceFailedError("source failed: " + "; ".join(report.source_errors))

        files = _files_by_period(settings, periods)
        missing = [p for p, shas in files.items() if not shas and p != UNPARSED]
        if missing:
            logger.warning("no release in the archive for %d period(s): %s", len(missing), ", ".join(missing))
        todo = {p: shas for p, shas in files.items() if shas}

        results_dir = settings.prefect_results_dir
        results_dir.mkdir(parents=True, exist_ok=True)
        # Results (and so the cache) live under the data root, so they survive the process and go with the
        # data. Prefect wants the storage block saved server-side; its name is derived from the path.
        storage = LocalFileSystem(basepath=str(results_dir))
        storage.save(
            f"customs-results-{hashlib.sha256(str(results_dir).encode()).hexdigest()[:12]}", overwrite=True
        )
        task_fn = prepare_period.with_options(result_storage=storage, refresh_cache=force)
        computed: list[str] = []
        reused: list[str] = []
        worker_processes: set[int] = set()
        rows: list[dict[str, Any]] = []
        flow_periods_built: list[str] = []
        # The per-period work: each period's files parsed and its facts built.
        with measured_step("periods", logger), _task_runner(dask, dask_address) as runner:
            futures: dict[str, PrefectFuture[PeriodWork]] = {
                p: runner.submit(
                    task_fn, {"period": p, "sha256s": shas, "data_dir": str(settings.root), "force": force}
                )
                for p, shas in todo.items()
            }
            period_of = {future: p for p, future in futures.items()}
            for future in as_completed(list(futures.values())):
                p = period_of[future]
                work = future.result()
                cached = future.state.is_completed() and future.state.name == "Cached"
                (reused if cached else computed).append(p)
                if not cached:
                    worker_processes.add(work.process_id)
                rows.extend(work.manifest_rows)
                flow_periods_built.extend(work.flow_periods)
                logger.info(
                    "period %s: %d files staged %s, %d periods of %s built",
                    p,
                    work.staged,
                    "(cached)" if cached else f"by process {work.process_id}",
                    len(work.flow_periods),
                    FACT_TRADE_FLOWS.name,
                )
                for listener in PROGRESS_LISTENERS:
                    listener(p, len(todo))
        RawArchive(settings.archive_dir).replace_rows(rows)
        quarantined = [(r["source_uri"], r["error"]) for r in rows if r["status"] == "quarantined"]
        logger.info(
            "backfill %s..%s: %d periods computed, %d reused from a previous run, %d missing",
            start,
            end,
            len(computed),
            len(reused),
            len(missing),
        )

        inputs = load_staged(settings)
        summary = BackfillSummary(
            run_id,
            [p.key for p in periods],
            computed,
            reused,
            worker_processes,
            missing,
            quarantined,
            False,
            settings.warehouse_path,
            "",
            flow_periods_built=sorted(flow_periods_built),
        )
        if not force and last_published_fingerprint(settings.warehouse_path) == inputs.fingerprint:
            summary.message = "the warehouse already holds these releases as staged now; nothing published"
            logger.info(summary.message)
            return summary
        build_validate_publish(
            settings,
            inputs,
            run_id=run_id,
            started_at=started_at,
            source=f"backfill:{source}",
            message=f"backfill {start}..{end}: {len(computed)} periods computed, {len(reused)} reused",
            allow_shrink=allow_shrink,
            force=force,
        )
        summary.published = True
        summary.message = f"published {settings.warehouse_path}"
        # The report needs China's totals (table (1) or a Bulletin): a backfill of online-query detail
        # alone publishes the detail and writes no report.
        with_totals = periods_with_totals(settings.warehouse_path)
        reportable = [p.key for p in periods if p.key not in missing and p.key in with_totals]
        if reportable:
            summary.report_path = release_report(settings, reportable[-1])
        else:
            logger.info("no period of %s..%s has China's totals: no release report was written", start, end)
        return summary
