"""`monthly_release`: a release from a source to the published DuckDB warehouse.

ingest → build (transforms) → validate (the data-quality gate) → publish. Each step is one coarse
task; the warehouse is only touched by the publish step, which swaps a complete, checked file in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from prefect import flow, get_run_logger

from config.settings import Settings, SourceName, settings_for
from domain.errors import ExpectedError
from domain.periods import Period
from domain.runs import new_run_id
from flows.build import StagedInputs, load_staged
from flows.ingest.flow import ingest_source, make_source
from flows.ingest.pipeline import IngestReport
from flows.release import build_validate_publish, check_published, release_report
from flows.writer import holding_data_root
from warehouse.codes import TradeDirection
from warehouse.contracts import TableContract
from warehouse.read import last_published_fingerprint
from warehouse.tables import FACT_PARTNER_TRADE, FACT_TRADE_SURPLUS


class SourceFailedError(ExpectedError, RuntimeError):
    """The source could not be read at all (not one bad file: those are quarantined)."""


class PeriodNotStagedError(ExpectedError, RuntimeError):
    """The run was asked for a period that no staged release holds."""


@dataclass
class RunSummary:
    run_id: str
    published: bool
    warehouse_path: Path
    message: str
    ingest: IngestReport | None = None
    periods: list[str] = field(default_factory=list)
    partner_count: int = 0
    latest_period: str | None = None
    latest_totals: dict[str, float | None] = field(default_factory=dict)
    report_path: Path | None = None
    warnings: list[str] = field(default_factory=list)  # published, but an operator should know
    failed: bool = False  # nothing could be published from what the run was given: exit non-zero


def _periods_without_table_1(inputs: StagedInputs, release_ids: set[str]) -> list[str]:
    """Periods of this run's preliminary releases for which no China's total is staged at all: neither a
    table (1) nor a Monthly Bulletin page (its TOTAL is China's total; a February page's also gives
    January-February)."""
    manifest = inputs.manifest
    preliminary = manifest.filter(pl.col("product") == "preliminary")
    new = preliminary.filter(pl.col("release_id").is_in(sorted(release_ids)))["period"].unique().to_list()
    with_totals = set(preliminary.filter(pl.col("table_id") == "totals")["period"].to_list())
    for key in manifest.filter(pl.col("product") == "bulletin")["period"].drop_nulls().to_list():
        period = Period.parse(key)
        with_totals.add(key)
        if period.last_month == 2 and not period.is_combined:
            with_totals.add(Period.jan_feb(period.year).key)
    return sorted((p for p in new if p not in with_totals), key=Period.parse)


def _summarise(run_id: str, settings: Settings, tables: dict[TableContract, pl.DataFrame]) -> RunSummary:
    surplus = tables[FACT_TRADE_SURPLUS]
    periods = sorted(set(surplus["period"].to_list()), key=lambda p: Period.parse(p))
    summary = RunSummary(run_id, True, settings.warehouse_path, "published", periods=periods)
    summary.partner_count = tables[FACT_PARTNER_TRADE]["partner_code"].n_unique()
    if periods:
        summary.latest_period = periods[-1]
        world = surplus.filter((pl.col("partner_code") == "WLD") & (pl.col("period") == periods[-1]))
        if world.height:
            row = world.row(0, named=True)
            summary.latest_totals = {
                k: row[k]
                for k in ("exports_usd", "imports_usd", "balance_usd", "exports_yoy_pct", "imports_yoy_pct")
            }
    return summary


@flow(name="monthly-release", log_prints=True)
def monthly_release(
    period: str | None = None,
    source: SourceName = "demo",
    path: str | None = None,
    base_url: str | None = None,
    years: list[int] | None = None,
    data_dir: str | None = None,
    force: bool = False,
    direction: TradeDirection | None = None,
    allow_shrink: bool = False,
) -> RunSummary:
    """Ingest what is new from a source, rebuild the facts, validate, and publish the warehouse.

    `period=None` takes whatever is new; a period (`2025-11`, `2025-01..02`) must then be present.
    Nothing new and not `force`: nothing is published, and the summary says so. `direction` (landing only)
    is the flow of online-query exports whose names do not say it. A build that would hold less than the
    published warehouse (a lost manifest, deleted staging) fails unless `allow_shrink`.
    """
    if period is not None:
        Period.parse(period)  # a bad period fails before any work
    settings = settings_for(data_dir, base_url)
    with holding_data_root(settings):  # one writer per data root: a second run fails fast, naming this one
        return _release(settings, period, source, path, years, force, direction, allow_shrink)


def _release(
    settings: Settings,
    period: str | None,
    source: SourceName,
    path: str | None,
    years: list[int] | None,
    force: bool,
    direction: TradeDirection | None,
    allow_shrink: bool,
) -> RunSummary:
    logger = get_run_logger()
    started_at = datetime.now(UTC)
    run_id = new_run_id(started_at)
    check_published(settings)  # a BI tool holding the warehouse fails the run now, not after the gate

    report = ingest_source(
        make_source(source, settings, path=Path(path) if path else None, years=years, direction=direction),
        settings,
    )
    if report.source_errors:
        raise SourceFailedError("source failed: " + "; ".join(report.source_errors))

    inputs = load_staged(settings)
    if report.every_file_quarantined:
        n = len(report.quarantined)
        message = (
            f"all {n} new file(s) from {source} were rejected (quarantined, see above); nothing new was "
            "staged and nothing published"
        )
        logger.error(message)
        return RunSummary(run_id, False, settings.warehouse_path, message, ingest=report, failed=True)
    if inputs.manifest.is_empty():
        message = f"nothing to publish: no file from {source} was staged, now or before"
        logger.error(message)
        return RunSummary(run_id, False, settings.warehouse_path, message, ingest=report, failed=True)
    wanted = Period.parse(period).key if period is not None else None
    if wanted is not None and inputs.manifest.filter(pl.col("period") == wanted).is_empty():
        raise PeriodNotStagedError(
            f"period {wanted} is not in staging: no release of it was ingested from {source}"
        )

    if not force and last_published_fingerprint(settings.warehouse_path) == inputs.fingerprint:
        message = f"nothing new from {source}: the warehouse already holds these releases; nothing published"
        logger.info(message)
        return RunSummary(run_id, False, settings.warehouse_path, message, ingest=report)

    tables = build_validate_publish(
        settings,
        inputs,
        run_id=run_id,
        started_at=started_at,
        source=source,
        message=report.summary(),
        allow_shrink=allow_shrink,
        force=force,
    )
    summary = _summarise(run_id, settings, tables)
    summary.ingest = report
    for missing in _periods_without_table_1(inputs, report.new_release_ids):
        warning = (
            f"release {missing} has no table (1) (China's total trade): the warehouse was published with "
            "its other tables, without the report's headline figures for that period"
        )
        logger.warning(warning)
        summary.warnings.append(warning)
    if summary.latest_period:
        summary.report_path = release_report(settings, summary.latest_period)
    logger.info(
        "published %s: %d periods, latest %s",
        settings.warehouse_path,
        len(summary.periods),
        summary.latest_period,
    )
    return summary
