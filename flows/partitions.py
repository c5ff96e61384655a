"""The incremental build of `core.fact_trade_flows`: one Parquet file per period, rebuilt only when its
inputs changed.

A period's rows come from the online-query exports staged under that month and from the tables (5)/(6)
cells whose `figure_period` is that period (a later page's prior-year column restates it). Those files,
with the parser, the code, the reference data and the transform's version, make the period's
fingerprint; it is computed from the manifest, the staged files' first rows and the small preliminary
staging, never from the detail rows. A period whose fingerprint the published warehouse already holds
(with its file still there) is carried over; any other is rebuilt from its slice of staging alone and
written to `<data root>/build/fact_trade_flows/period=<key>/<fingerprint>.parquet`.

Every period's rows are exactly those of a build of the whole history: the fact's figures never span
two periods, and its `vintage_precedence` is ranked within the period (transforms.vintages).
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from config.settings import Settings
from domain.periods import Period
from fileio.atomic import atomic_write_parquet
from flows.ingest.model import PARSER_VERSION
from flows.ingest.staging import staging_files
from transforms.facts import FLOW_TABLE_IDS, build_fact_trade_flows
from transforms.quantities import fill_pending_quantity_units
from warehouse import reference
from warehouse.partitions import PARTITION_ROW_GROUP_ROWS, PartitionedTable, PeriodPartition
from warehouse.read import published_partitions
from warehouse.tables import FACT_TRADE_FLOWS, STG_ONLINE_QUERY

log = logging.getLogger(__name__)

# Bump when `build_fact_trade_flows` (or what feeds it here) gives other rows for the same staged files:
# every period's fingerprint changes, so every partition is rebuilt.
FACT_TRADE_FLOWS_VERSION = "1"

# The latest name of each HS8 code in a period (dim_commodity's input), kept beside the period's rows.
_HS8_NAMES_SUFFIX = ".hs8_names.parquet"
_HS8_NAME_COLUMNS = ("hs_code", "commodity_name", "period", "release_id")


def build_dir(settings: Settings) -> Path:
    return settings.root / "build" / FACT_TRADE_FLOWS.name


def partition_path(settings: Settings, period: str, fingerprint: str) -> Path:
    return build_dir(settings) / f"period={period}" / f"{fingerprint}.parquet"


def hs8_names_path(partition: Path) -> Path:
    return partition.with_name(partition.name.removesuffix(".parquet") + _HS8_NAMES_SUFFIX)


def _period_order(period: str) -> tuple[int, int, int, str]:
    try:
        parsed = Period.parse(period)
    except ValueError:  # a malformed key sorts last; the gate reports it
        return (9999, 99, 99, period)
    return (parsed.year, parsed.first_month, parsed.last_month, period)


# --- what each period is built from ------------------------------------------------------------------
@dataclass(frozen=True)
class PeriodSources:
    """The staged files a period's rows are built from, and its fingerprint."""

    period: str
    online_query_files: tuple[Path, ...]  # staged online-query files of this month
    sha256s: tuple[str, ...]  # sorted: every staged file contributing a row (online query and preliminary)
    fingerprint: str


@dataclass(frozen=True)
class StagedSources:
    """Per period, what `core.fact_trade_flows` is built from; and which staged files have rows at all."""

    periods: Mapping[str, PeriodSources]
    present_sha256s: frozenset[str]  # staged files (both tables) that have staging rows

    def sorted_periods(self) -> list[str]:
        return sorted(self.periods, key=_period_order)


def online_query_files_by_period(
    staging_dir: Path, staged: Collection[str], periods: Collection[str] | None = None
) -> dict[str, dict[Path, str]]:
    """{period: {staged file: its source_sha256}} of the online-query staging, from each file's first row
    (a staged file holds one export's rows of one month); files of sha256s not in `staged` are left out,
    and with `periods`, the folders of other periods are not looked at."""
    found: dict[str, dict[Path, str]] = {}
    wanted = set(staged)
    files = staging_files(STG_ONLINE_QUERY, staging_dir)
    if periods is not None:
        folders = {f"period={p}" for p in periods}
        files = [f for f in files if f.parent.name in folders]
    for path in files:
        head = pl.scan_parquet(path).select("source_sha256", "period").head(1).collect()
        if head.is_empty():
            continue
        sha256, period = head.row(0)
        if sha256 in wanted:
            found.setdefault(period, {})[path] = sha256
    return found


def preliminary_files_by_period(preliminary: pl.LazyFrame) -> dict[str, set[str]]:
    """{figure period: sha256s of the tables (5)/(6) pages it is built from}.

    A page contributes to every period it prints a figure of (its own, and the prior year's it
    restates), and so does its other currency edition: a page whose quantity units are pending takes
    them from it (transforms.quantities)."""
    pages = (
        preliminary.filter(pl.col("table_id").is_in(list(FLOW_TABLE_IDS)))
        .select("source_sha256", "table_id", "period", "figure_period")
        .unique()
        .collect()
    )
    # One "page" is a table of a period, in every currency edition and vintage.
    by_page = pages.group_by("table_id", "period").agg(
        pl.col("source_sha256").unique().alias("files"), pl.col("figure_period").unique().alias("figures")
    )
    found: dict[str, set[str]] = {}
    for files, figures in by_page.select("files", "figures").iter_rows():
        for figure in figures:
            found.setdefault(figure, set()).update(files)
    return found


def period_fingerprint(period: str, sha256s: Collection[str], reference_digest: str, code: str) -> str:
    digest = hashlib.sha256()
    for part in (period, *sorted(sha256s), PARSER_VERSION, code, reference_digest, FACT_TRADE_FLOWS_VERSION):
        digest.update(part.encode())
        digest.update(b"\n")
    return digest.hexdigest()


def staged_sources(
    staging_dir: Path,
    preliminary: pl.LazyFrame,
    staged: Collection[str],
    reference_digest: str,
    code: str,
    periods: Collection[str] | None = None,
) -> StagedSources:
    """Every period's sources and fingerprint (with `periods`, those periods' only; `present_sha256s`
    is then partial). `preliminary` is the staged cells of the `staged` files."""
    online = online_query_files_by_period(staging_dir, staged, periods)
    prelim = preliminary_files_by_period(preliminary)
    if periods is not None:
        prelim = {p: files for p, files in prelim.items() if p in periods}
    present = {sha for files in online.values() for sha in files.values()}
    present |= set(preliminary.select("source_sha256").unique().collect()["source_sha256"].to_list())
    found: dict[str, PeriodSources] = {}
    for period in set(online) | set(prelim):
        files = online.get(period, {})
        sha256s = tuple(sorted(set(files.values()) | prelim.get(period, set())))
        found[period] = PeriodSources(
            period,
            tuple(sorted(files)),
            sha256s,
            period_fingerprint(period, sha256s, reference_digest, code),
        )
    return StagedSources(found, frozenset(present))


# --- building one period -----------------------------------------------------------------------------
def scan_online_query(sources: PeriodSources) -> pl.LazyFrame:
    """The period's online-query staging rows."""
    if not sources.online_query_files:
        return STG_ONLINE_QUERY.empty_frame().lazy()
    return pl.scan_parquet(
        list(sources.online_query_files), hive_partitioning=False, schema=STG_ONLINE_QUERY.polars_schema()
    ).filter(pl.col("period") == sources.period)


def preliminary_slice(preliminary: pl.LazyFrame, sources: PeriodSources) -> pl.LazyFrame:
    """The preliminary cells a period is built from: every cell of its pages (and their other editions)."""
    return preliminary.filter(pl.col("source_sha256").is_in(list(sources.sha256s)))


def build_period_flows(
    period: str,
    preliminary: pl.LazyFrame,
    online_query: pl.LazyFrame,
    commodities: pl.LazyFrame,
    partners: pl.LazyFrame,
) -> pl.DataFrame:
    """`core.fact_trade_flows`' rows of one period, from its slice of staging (pure; conformed).

    `preliminary` holds whole pages, which may print other periods too: only `period`'s rows are kept.
    `online_query` carries `retrieved_at` where known (it orders overlapping exports)."""
    flows = build_fact_trade_flows(preliminary, online_query, commodities, partners).collect()
    of_period = flows.get_column("period") == period
    # Filtering copies every column: rows of this period alone (the usual) are taken as they are.
    return FACT_TRADE_FLOWS.conform(flows if of_period.all() else flows.filter(of_period))


def hs8_names(online_query: pl.LazyFrame) -> pl.DataFrame:
    """Per HS8 code, its latest name in these records (by release): what dim_commodity needs of them."""
    return (
        online_query.select(*_HS8_NAME_COLUMNS)
        # A code has a name or two per export: the distinct ones are sorted, not every record.
        .unique()
        .sort("hs_code", "period", "release_id", "commodity_name")
        .unique(["hs_code", "period"], keep="last", maintain_order=True)
        .collect()
    )


# --- the build of every period ------------------------------------------------------------------------
@dataclass(frozen=True)
class PublishedPartition:
    """A period as the published warehouse holds it (meta.build_partitions)."""

    fingerprint: str
    row_count: int
    built_by_run_id: str
    built_at: datetime


def published_flow_partitions(warehouse_path: Path) -> dict[str, PublishedPartition]:
    """The periods of core.fact_trade_flows the published warehouse holds, by period."""
    return {
        period: PublishedPartition(
            row["input_fingerprint"], row["row_count"], row["built_by_run_id"], row["built_at"]
        )
        for (table, period), row in published_partitions(warehouse_path).items()
        if table == FACT_TRADE_FLOWS.qualified_name
    }


@dataclass(frozen=True)
class FlowsBuild:
    """Every period of `core.fact_trade_flows` after this run's build: rebuilt or carried over."""

    table: PartitionedTable
    rebuilt: list[str]  # periods new to the warehouse or whose inputs changed (validated and written)
    carried_over: list[str]
    sources: StagedSources
    adopted: list[str] = field(default_factory=list)  # of `rebuilt`, those a backfill worker had built

    def summary(self) -> str:
        by_workers = f" ({len(self.adopted)} built by the backfill's workers)" if self.adopted else ""
        return (
            f"{FACT_TRADE_FLOWS.name}: {len(self.rebuilt)} periods rebuilt{by_workers}, "
            f"{len(self.carried_over)} carried over"
        )

    def rebuilt_frames(self) -> Iterator[tuple[str, pl.DataFrame | None, pl.DataFrame]]:
        """Per rebuilt period, one at a time (read when asked): its online-query staging rows (None
        without any) and its rows of the fact."""
        for period in self.rebuilt:
            sources = self.sources.periods[period]
            staged = scan_online_query(sources).collect() if sources.online_query_files else None
            yield period, staged, pl.read_parquet(self.table.partitions[period].path)

    def hs8_names(self) -> pl.LazyFrame:
        """Every period's HS8 names (a few thousand rows a period), for dim_commodity."""
        files = [hs8_names_path(p.path) for p in self.table.partitions.values()]
        schema = STG_ONLINE_QUERY.polars_schema()
        if not files:
            return pl.LazyFrame(schema={c: schema[c] for c in _HS8_NAME_COLUMNS})
        return pl.scan_parquet(files, hive_partitioning=False)


def warn_filled_units(outcome: pl.DataFrame, manifest: pl.DataFrame) -> None:
    """One warning per page whose pending quantity units were taken from its other edition, or not."""
    uris = manifest.select("source_sha256", "source_uri")
    named = outcome.join(uris, on="source_sha256", how="left").join(
        uris.rename({"source_sha256": "filled_from", "source_uri": "from_uri"}), on="filled_from", how="left"
    )
    for row in named.iter_rows(named=True):
        page = f"{row['source_uri']} (table {row['table_id']!r}, {row['period']}, {row['currency']})"
        if row["filled_from"] is None:
            log.warning(
                "%s: quantity units not printed and no other edition of the same month confirms them: "
                "its quantity rows are left out of the facts",
                page,
            )
        else:
            log.warning("%s: quantity units taken from the other edition %s", page, row["from_uri"])


def build_period_partition(
    settings: Settings,
    sources: PeriodSources,
    preliminary: pl.LazyFrame,
    manifest: pl.DataFrame,
    *,
    run_id: str,
    built_at: datetime,
) -> PeriodPartition:
    """Build one period from its slice of staging and write its file (and its HS8 names) atomically.

    `preliminary`: the staged cells (a lazy scan, filtered here); `manifest`: the staged files' rows.
    Raises warehouse.reference's UnknownPartnerError and UnknownCommodityError as the whole build does."""
    retrieved_at = manifest.lazy().select("source_sha256", "retrieved_at")
    # Read once: the fact and the HS8 names are both made from it.
    online_query = (
        scan_online_query(sources).join(retrieved_at, on="source_sha256", how="left").collect().lazy()
    )
    cells, outcome = fill_pending_quantity_units(preliminary_slice(preliminary, sources))
    # A page is built with every period it prints: said once, with the build of its own period.
    warn_filled_units(outcome.filter(pl.col("period") == sources.period), manifest)
    frame = build_period_flows(
        sources.period,
        cells,
        online_query,
        reference.load_commodities().lazy(),
        reference.load_partners().lazy(),
    )
    path = partition_path(settings, sources.period, sources.fingerprint)
    atomic_write_parquet(hs8_names_path(path), hs8_names(online_query))
    # Last: a period's file exists only with its names beside it.
    atomic_write_parquet(path, frame, row_group_size=PARTITION_ROW_GROUP_ROWS)
    return PeriodPartition(sources.period, sources.fingerprint, path, frame.height, run_id, built_at)


def _carried(
    settings: Settings, sources: PeriodSources, published: PublishedPartition | None
) -> PeriodPartition | None:
    path = partition_path(settings, sources.period, sources.fingerprint)
    if published is None or published.fingerprint != sources.fingerprint:
        return None
    if not (path.exists() and hs8_names_path(path).exists()):
        return None
    return PeriodPartition(
        sources.period,
        sources.fingerprint,
        path,
        published.row_count,
        published.built_by_run_id,
        published.built_at,
    )


def _adoptable(path: Path, written_since: datetime | None) -> bool:
    if not (path.exists() and hs8_names_path(path).exists()):
        return False
    return written_since is None or path.stat().st_mtime >= written_since.timestamp()


def build_fact_partitions(
    settings: Settings,
    sources: StagedSources,
    preliminary: pl.LazyFrame,
    manifest: pl.DataFrame,
    published: Mapping[str, PublishedPartition],
    *,
    run_id: str,
    force: bool = False,
    built_at: datetime | None = None,
    fresh_since: datetime | None = None,
) -> FlowsBuild:
    """Carry over every period whose fingerprint the warehouse holds; rebuild the others (all: `force`).

    A period whose file for this fingerprint exists already (a backfill worker built it, or a run the
    gate stopped) is taken as it is; with `force`, only a file written since `fresh_since` (by this
    run's workers)."""
    built_at = built_at or datetime.now(UTC)
    # The tables (5)/(6) cells are small (a few thousand a month): read once, sliced per period.
    cells: pl.LazyFrame | None = None
    partitions: dict[str, PeriodPartition] = {}
    rebuilt: list[str] = []
    carried: list[str] = []
    adopted: list[str] = []
    for period in sources.sorted_periods():
        period_sources = sources.periods[period]
        kept = None if force else _carried(settings, period_sources, published.get(period))
        if kept is not None:
            partitions[period] = kept
            carried.append(period)
            continue
        path = partition_path(settings, period, period_sources.fingerprint)
        if _adoptable(path, None if not force else (fresh_since or built_at)):
            row_count = pl.scan_parquet(path).select(pl.len()).collect().item()
            partitions[period] = PeriodPartition(
                period, period_sources.fingerprint, path, row_count, run_id, built_at
            )
            adopted.append(period)
        else:
            if cells is None:
                cells = preliminary.filter(pl.col("table_id").is_in(list(FLOW_TABLE_IDS))).collect().lazy()
            partitions[period] = build_period_partition(
                settings, period_sources, cells, manifest, run_id=run_id, built_at=built_at
            )
        rebuilt.append(period)
    build = FlowsBuild(PartitionedTable(FACT_TRADE_FLOWS, partitions), rebuilt, carried, sources, adopted)
    log.info("%s", build.summary())
    return build


def remove_unreferenced(settings: Settings, table: PartitionedTable) -> list[Path]:
    """After a publish: delete the partition files no period refers to any more (and emptied folders)."""
    keep = {p.path for p in table.partitions.values()} | {
        hs8_names_path(p.path) for p in table.partitions.values()
    }
    removed: list[Path] = []
    root = build_dir(settings)
    if not root.exists():
        return removed
    for path in sorted(root.rglob("*.parquet")):
        if path not in keep:
            path.unlink()
            removed.append(path)
    for folder in sorted(root.iterdir()):
        if folder.is_dir() and not any(folder.iterdir()):
            shutil.rmtree(folder)
    return removed
