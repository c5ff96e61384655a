"""The ingest flow: one coarse Prefect task per source (tasks are cheap only when few)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from config.settings import SOURCES_TEXT, Settings, SourceName, settings_for
from flows.ingest.bulletin_source import BulletinSource
from flows.ingest.pipeline import IngestReport, ingest
from flows.ingest.sources import ChainedSource, DemoSource, GaccSource, LandingSource, Source
from flows.steps import measured_step
from flows.writer import holding_data_root
from warehouse.codes import TradeDirection


def default_years(today: date | None = None) -> list[int]:
    """The December release comes out in January, so early in a year last year is still live."""
    today = today or date.today()
    return [today.year - 1, today.year]


def make_source(
    source: SourceName,
    settings: Settings,
    *,
    path: Path | None = None,
    years: list[int] | None = None,
    direction: TradeDirection | None = None,
    periods: list[str] | None = None,
) -> Source:
    """`periods` (a backfill's range) keeps the demo and a landing folder to the files of those periods
    where their index pages or names tell; GACC's site is crawled by `years`."""
    if direction is not None and source != "landing":
        raise ValueError("--direction is for --source landing: the flow of its online-query exports")
    if source == "demo":
        return DemoSource(periods)
    if source == "landing":
        if path is None:
            raise ValueError("--source landing needs --path DIR: the folder files are dropped into")
        return LandingSource(
            path, max_file_bytes=settings.max_file_bytes, direction=direction, periods=periods
        )
    if source == "gacc":
        crawl_years = years or default_years()
        preliminary = GaccSource(settings, crawl_years)
        if not settings.gacc_bulletin:
            return preliminary
        # The preliminary release first: a Bulletin page printed without a Unit row is confirmed
        # against the preliminary vintage of its month.
        return ChainedSource("gacc", preliminary, BulletinSource(settings, crawl_years))
    raise ValueError(f"unknown source {source!r}: choose {SOURCES_TEXT}")


@task(name="ingest-source", cache_policy=NO_CACHE)
def ingest_source(source: Source, settings: Settings) -> IngestReport:
    logger = get_run_logger()
    with measured_step("ingest", logger):
        report = ingest(source, settings)
    logger.info(report.summary())  # each quarantined file was logged once, by the pipeline, with its reason
    return report


@flow(name="ingest", log_prints=True)
def ingest_flow(
    source: SourceName = "demo",
    path: str | None = None,
    base_url: str | None = None,
    years: list[int] | None = None,
    data_dir: str | None = None,
    direction: TradeDirection | None = None,
) -> IngestReport:
    """Fetch a source's files into the raw archive and staging Parquet."""
    settings = settings_for(data_dir, base_url)
    with holding_data_root(settings):
        report = ingest_source(
            make_source(
                source, settings, path=Path(path) if path else None, years=years, direction=direction
            ),
            settings,
        )
    # A source error (an index page that fails) is reported in one line by the caller, who exits
    # non-zero: raised here it would reach the user as Prefect's traceback.
    for error in report.source_errors:
        get_run_logger().error("source failed: %s", error)
    return report
