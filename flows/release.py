"""The tail every run shares: build the tables, pass the data-quality gate, publish once.

A critical failure quarantines the releases whose rows broke it (their raw files stay in the archive,
their files are marked `quarantined` in the manifest, so later builds leave them out), leaves the
warehouse untouched and fails the run with the gate's message. A quarantined release comes back only
as a new vintage of its pages, or through a reviewed override that records who and why; nobody edits
data in place.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from config.settings import Settings
from domain.errors import ExpectedError
from fileio.atomic import atomic_write_bytes, atomic_write_parquet
from flows.build import (
    BuildRejectedError,
    ShrinkRefusedError,
    StagedInputs,
    build_core_tables,
    build_flows,
    build_meta_tables,
    code_version,
    missing_inputs,
    quarantine_rejected,
)
from flows.ingest.archive import RawArchive
from flows.partitions import FlowsBuild, published_flow_partitions, remove_unreferenced
from flows.steps import measured_step
from warehouse.contracts import TableContract
from warehouse.publish import heal_published, publish_warehouse
from warehouse.read import published_release_ids, read_runs
from warehouse.tables import (
    DIM_PARTNER,
    FACT_PARTNER_TRADE,
    FACT_TRADE_FLOWS,
    META_RELEASES,
    META_VALIDATION_RESULTS,
    STG_ONLINE_QUERY,
)

if TYPE_CHECKING:
    from expectations.gate import GateResult
    from report.data import ReportData

log = logging.getLogger(__name__)

# Stable keys: the Prefect UI shows each release's artifacts next to the ones before it.
SUMMARY_ARTIFACT_KEY = "release-summary"
PARTNERS_ARTIFACT_KEY = "top-partners"


class GateFailedError(ExpectedError, RuntimeError):
    """The data-quality gate found a critical failure: nothing was published."""


@dataclass(frozen=True)
class Override:
    release_id: str
    by: str
    why: str
    at: str  # ISO timestamp, UTC


# --- overrides (an append-only log: reviewed decisions are never edited away) ---------------------------
def load_overrides(settings: Settings) -> dict[str, Override]:
    path = settings.overrides_path
    if not path.exists():
        return {}
    found: dict[str, Override] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            override = Override(**json.loads(line))
            found[override.release_id] = override
    return found


def record_override(settings: Settings, release_id: str, by: str, why: str) -> Override:
    """Release a quarantined release again, on someone's reviewed word; the data stays as published."""
    if not by.strip() or not why.strip():
        raise ValueError("an override needs who (--by) and why (--why)")
    archive = RawArchive(settings.archive_dir)
    files = archive.manifest.filter(pl.col("release_id") == release_id)
    if files.is_empty():
        raise ValueError(f"no release {release_id!r} in the archive manifest {archive.manifest_path}")
    if files.filter(pl.col("status") == "quarantined").is_empty():
        raise ValueError(f"release {release_id!r} is not quarantined: nothing to override")
    override = Override(release_id, by.strip(), why.strip(), datetime.now(UTC).isoformat())
    path = settings.overrides_path
    previous = path.read_bytes() if path.exists() else b""
    atomic_write_bytes(path, previous + (json.dumps(asdict(override), ensure_ascii=False) + "\n").encode())
    archive.update_status(
        files["source_sha256"].to_list(), "staged", f"released by override of {override.by}: {override.why}"
    )
    return override


# --- the gate -----------------------------------------------------------------------------------------
def run_quality_gate(
    settings: Settings,
    inputs: StagedInputs,
    tables: dict[TableContract, pl.DataFrame],
    flows: FlowsBuild,
    run_id: str,
    logger: logging.Logger | logging.LoggerAdapter[logging.Logger] | None = None,
) -> GateResult:
    """Run every suite and rule; keep the results (a Parquet file per run) and the Data Docs.

    The online-query staging and core.fact_trade_flows are validated on the periods this run rebuilt
    only, one period at a time (a carried-over period passed the gate of the run that built it).

    Given a `logger` (a run's), logged as two steps: `gate` (the suites and rules) and `data-docs`. Great
    Expectations is imported before either, so that its import (seconds, the same for any data) is not
    counted as the gate's work."""
    from expectations.checks import import_gx
    from expectations.docs import build_data_docs
    from expectations.gate import run_gate

    def step(name: str) -> contextlib.AbstractContextManager[None]:
        return measured_step(name, logger) if logger is not None else contextlib.nullcontext()

    import_gx()
    with step("gate"):
        gate = run_gate(
            staging_preliminary=inputs.preliminary.collect(),
            tables=tables,
            partner_codes=set(tables[DIM_PARTNER]["partner_code"].to_list()),
            run_id=run_id,
            by_period=_rebuilt_periods(flows),
        )
        atomic_write_parquet(settings.validation_dir / f"{run_id}.parquet", gate.results)
    with step("data-docs"):
        build_data_docs(gate, settings.data_docs_dir)
    return gate


def _rebuilt_periods(flows: FlowsBuild) -> Iterator[tuple[TableContract, str, pl.DataFrame]]:
    for period, staged, frame in flows.rebuilt_frames():
        if staged is not None:
            yield STG_ONLINE_QUERY, period, staged
        yield FACT_TRADE_FLOWS, period, frame


def blocking_failures(gate: GateResult, overrides: dict[str, Override]) -> bool:
    """Critical failures block unless every release they are charged to was released by override."""
    if gate.passed:
        return False
    if not gate.failed_release_ids:
        return True  # not attributable to a release: no override can cover it
    return not gate.failed_release_ids <= set(overrides)


def quarantine(settings: Settings, release_ids: set[str], gate: GateResult) -> list[str]:
    """Quarantine the new releases a failure is charged to; a published release stays published.

    A rule comparing two releases (a revision against the table (1) it must match, a cumulative that
    falls) charges both: the one already published passed the gate before, so the new one is at fault,
    and withdrawing the published one would change what readers rely on."""
    archive = RawArchive(settings.archive_dir)
    new = release_ids - published_release_ids(settings.warehouse_path)
    files = archive.manifest.filter(pl.col("release_id").is_in(sorted(new)))
    first_line = gate.message().splitlines()[0]
    rules = sorted({f.rule for f in gate.critical_failures})
    archive.update_status(
        files["source_sha256"].to_list(),
        "quarantined",
        f"{first_line}; critical rules failed: {', '.join(rules)}; see {settings.validation_dir}",
        quarantine_reason="gate",
    )
    return files["source_uri"].to_list()


def all_validation_results(settings: Settings) -> pl.DataFrame:
    """Every gate run's results, failed runs included: `meta.validation_results` keeps the history."""
    files = sorted(settings.validation_dir.glob("*.parquet"))
    if not files:
        return META_VALIDATION_RESULTS.empty_frame()
    return META_VALIDATION_RESULTS.conform(pl.concat([pl.read_parquet(f) for f in files])).sort(
        "validated_at", "run_id", "suite_name", "rule", "batch_id"
    )


# --- tasks --------------------------------------------------------------------------------------------
def build_everything(
    settings: Settings,
    inputs: StagedInputs,
    *,
    run_id: str,
    force: bool = False,
    started_at: datetime | None = None,
) -> tuple[dict[TableContract, pl.DataFrame], FlowsBuild]:
    """core.fact_trade_flows' changed periods (all with `force`: but those this run's backfill workers
    built since `started_at`) and every other core table."""
    flows = build_flows(
        settings,
        inputs,
        published_flow_partitions(settings.warehouse_path),
        run_id=run_id,
        force=force,
        fresh_since=started_at,
    )
    return build_core_tables(inputs, flows), flows


@task(name="build-tables", cache_policy=NO_CACHE)
def build_tables(
    settings: Settings, inputs: StagedInputs, run_id: str, force: bool, started_at: datetime
) -> tuple[dict[TableContract, pl.DataFrame], FlowsBuild]:
    logger = get_run_logger()
    try:
        with measured_step("build", logger):
            tables, flows = build_everything(
                settings, inputs, run_id=run_id, force=force, started_at=started_at
            )
    except BuildRejectedError as exc:
        # Charged to its releases like a gate failure: quarantined, so the next runs build without them.
        quarantined = quarantine_rejected(settings, exc)
        done = f"; quarantined: {', '.join(quarantined)}" if quarantined else ""
        raise BuildRejectedError(f"{exc}{done}; the published warehouse was not touched", exc.rows) from exc
    logger.info("%s", flows.summary())
    rows = sum(p.row_count for p in flows.table.partitions.values())
    logger.info(
        "built %s: %d rows in %d periods", FACT_TRADE_FLOWS.qualified_name, rows, len(flows.table.partitions)
    )
    for contract, frame in tables.items():
        logger.info("built %s: %d rows", contract.qualified_name, frame.height)
    return tables, flows


@task(name="validate", cache_policy=NO_CACHE)
def validate(
    settings: Settings,
    inputs: StagedInputs,
    tables: dict[TableContract, pl.DataFrame],
    flows: FlowsBuild,
    run_id: str,
    overrides: dict[str, Override],
) -> GateResult:
    logger = get_run_logger()
    gate = run_quality_gate(settings, inputs, tables, flows, run_id, logger)
    if blocking_failures(gate, overrides):
        quarantined = quarantine(settings, gate.failed_release_ids, gate)
        logger.error("%s", gate.message())
        raise GateFailedError(
            gate.message()
            + (f"\nquarantined files: {len(quarantined)}" if quarantined else "")
            + "\nthe published warehouse was not touched"
        )
    if not gate.passed:
        logger.warning("critical failures accepted by override: %s", sorted(gate.failed_release_ids))
    for line in gate.message().splitlines():
        logger.info("%s", line)
    return gate


@task(name="check-published", cache_policy=NO_CACHE)
def check_published(settings: Settings) -> None:
    """At a run's start, before any work: fail fast when a BI tool holds the warehouse read-write
    (`WarehouseInUseError`), and repair what a dead publish or a crashed client left (see
    `heal_published`): leftovers swept, a stray WAL or an unreadable file moved aside, `bi/` exported
    again when it disagrees with the warehouse."""
    logger = get_run_logger()
    for line in heal_published(settings.warehouse_path, settings.bi_parquet_dir).messages():
        logger.warning("%s", line)


@task(name="publish-warehouse", cache_policy=NO_CACHE)
def publish(settings: Settings, tables: dict[TableContract, pl.DataFrame], flows: FlowsBuild) -> None:
    logger = get_run_logger()
    with measured_step("publish", logger):
        result = publish_warehouse(
            settings.warehouse_path, tables, partitioned=[flows.table], parquet_dir=settings.bi_parquet_dir
        )
    # Only now are the partition files no published period refers to unneeded (a failed publish keeps
    # the old warehouse, whose periods they are).
    removed = remove_unreferenced(settings, flows.table)
    if removed:
        logger.info("removed %d partition files no published period refers to", len(removed))
    for kept in result.moved_aside:
        logger.warning("moved a stray WAL aside to %s: no process held the warehouse", kept)
    logger.info(
        "published %s in %.2f s (identity %s, recorded in %d BI Parquet files)",
        settings.warehouse_path,
        result.elapsed_seconds,
        result.warehouse_identity,
        len(result.parquet_files),
    )


def publish_artifacts(data: ReportData) -> None:
    """Create the `release-summary` (Markdown) and `top-partners` (table) artifacts.

    Call it inside a flow or task run: the artifacts attach to that run, and their stable keys make
    the Prefect UI show each release next to the ones before it.
    """
    from report.data import TOP_PARTNERS
    from report.render import render_markdown_summary, top_partners_table

    create_markdown_artifact(
        markdown=render_markdown_summary(data),
        key=SUMMARY_ARTIFACT_KEY,
        description=f"Release summary, {data.period}",
    )
    create_table_artifact(
        table=top_partners_table(data),
        key=PARTNERS_ARTIFACT_KEY,
        description=f"Top {TOP_PARTNERS} partners by exports, {data.period} (US$ billion, y/y %)",
    )


@task(name="release-report", cache_policy=NO_CACHE)
def release_report(settings: Settings, period: str) -> Path:
    """The release's Prefect artifacts (summary, top partners) and its static HTML report."""
    # The report's libraries (matplotlib, Jinja) are imported here, when a run has a report to write, and
    # before the step: their import is not the report's work.
    importlib.import_module("report.render")
    from report.command import write_html_report
    from report.data import load_report_data

    logger = get_run_logger()
    with measured_step("report", logger):
        data = load_report_data(settings.warehouse_path, period)
        publish_artifacts(data)
        path = write_html_report(settings.warehouse_path, period, settings.reports_dir)
    logger.info("release report: %s", path)
    return path


def build_validate_publish(
    settings: Settings,
    inputs: StagedInputs,
    *,
    run_id: str,
    started_at: datetime,
    source: str,
    message: str,
    allow_shrink: bool = False,
    force: bool = False,
) -> dict[TableContract, pl.DataFrame]:
    """Build every table, pass the gate, publish once. Returns the published tables (but
    core.fact_trade_flows, stored per period: of it, only the periods whose inputs changed are
    rebuilt, validated and written; every period with `force`).

    Refuses (ShrinkRefusedError) to publish less than the warehouse holds unless `allow_shrink`; when
    allowed, what is dropped is said in the run's `meta.runs` message."""
    missing = missing_inputs(settings, inputs)
    if missing and not allow_shrink:
        raise ShrinkRefusedError(
            f"refusing to publish less than the warehouse holds: {missing.describe()}; run `customs repair` "
            "to rebuild the manifest and staging from the raw archive, or pass --allow-shrink to publish without them"
        )
    if missing:
        message = f"{message}; published smaller by --allow-shrink: {missing.describe()}"
        log.warning("publishing less than the warehouse held (--allow-shrink): %s", missing.describe())
    tables, flows = build_tables(settings, inputs, run_id, force, started_at)
    overrides = load_overrides(settings)
    gate = validate(settings, inputs, tables, flows, run_id, overrides)
    this_run: dict[str, object] = {
        "run_id": run_id,
        "flow_run_id": str(flow_run.get_id() or ""),
        "started_at": started_at,
        "finished_at": datetime.now(UTC),
        "status": "published",
        "source": source,
        "code_version": code_version(),
        "input_fingerprint": missing.fingerprint_of_build(inputs.fingerprint),
        "message": f"{message}; {flows.summary()}; {gate.message().splitlines()[0]}",
    }
    tables |= build_meta_tables(
        inputs, tables[FACT_PARTNER_TRADE], read_runs(settings.warehouse_path), this_run
    )
    releases = tables[META_RELEASES]
    tables[META_RELEASES] = releases.with_columns(
        pl.when(pl.col("release_id").is_in(sorted(overrides)))
        .then(pl.lit("released_by_override"))
        .otherwise(pl.col("status"))
        .alias("status")
    )
    tables[META_VALIDATION_RESULTS] = all_validation_results(settings)
    publish(settings, tables, flows)
    return tables
