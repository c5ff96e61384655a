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
from flows.build import load_staged
from flows.ingest.flow import ingest_source, make_source
from flows.ingest.pipeline import IngestReport
from flows.release import build_validate_publish, check_published, release_report
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
) -> RunSummary:
    """Ingest what is new from a source, rebuild the facts, validate, and publish the warehouse.

    `period=None` takes whatever is new; a period (`2025-11`, `2025-01..02`) must then be present.
    Nothing new and not `force`: nothing is published, and the summary says so.
    """
    logger = get_run_logger()
    wanted = Period.parse(period).key if period is not None else None  # a bad period fails before any work
    settings = settings_for(data_dir, base_url)
    started_at = datetime.now(UTC)
    run_id = new_run_id(started_at)
    check_published(settings)  # a BI tool holding the warehouse fails the run now, not after the gate

    report = ingest_source(
        make_source(source, settings, path=Path(path) if path else None, years=years), settings
    )
    if report.source_errors:
        raise SourceFailedError("source failed: " + "; ".join(report.source_errors))

    inputs = load_staged(settings)
    if wanted is not None and inputs.manifest.filter(pl.col("period") == wanted).is_empty():
        raise PeriodNotStagedError(
            f"period {wanted} is not in staging: no release of it was ingested from {source}"
        )

    if not force and last_published_fingerprint(settings.warehouse_path) == inputs.fingerprint:
        message = f"nothing new from {source}: the warehouse already holds these releases; nothing published"
        logger.info(message)
        return RunSummary(run_id, False, settings.warehouse_path, message, ingest=report)

    tables = build_validate_publish(
        settings, inputs, run_id=run_id, started_at=started_at, source=source, message=report.summary()
    )
    summary = _summarise(run_id, settings, tables)
    summary.ingest = report
    if summary.latest_period:
        summary.report_path = release_report(settings, summary.latest_period)
    logger.info(
        "published %s: %d periods, latest %s",
        settings.warehouse_path,
        len(summary.periods),
        summary.latest_period,
    )
    return summary
