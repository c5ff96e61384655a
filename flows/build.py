"""The I/O edge around the transforms: read staging and reference data, build every warehouse table.

The tables of published figures are rebuilt whole from staging (they are small: one row per published
figure), so a re-run gives the same contents and a revised page simply adds a vintage. The big
`core.fact_trade_flows` (the online-query HS8 x partner detail) is built one period at a time, only
where its inputs changed (flows.partitions): nothing here reads the online-query staging whole.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path

import polars as pl

from config.settings import Settings
from domain.errors import ExpectedError
from flows.ingest.archive import RawArchive
from flows.ingest.model import PARSER_VERSION
from flows.ingest.staging import scan_staging
from flows.partitions import (
    FlowsBuild,
    PublishedPartition,
    StagedSources,
    build_fact_partitions,
    staged_sources,
)
from transforms.dimensions import build_bridge_partner_group, build_dim_commodity, build_dim_partner
from transforms.facts import build_fact_partner_trade
from transforms.periods import build_dim_period
from transforms.surplus import build_fact_trade_surplus, build_fact_trade_surplus_history
from transforms.trade_mode import build_dim_trade_mode, build_fact_trade_mode
from warehouse import reference
from warehouse.contracts import TableContract
from warehouse.read import published_release_ids
from warehouse.reference import UnknownPartnerError
from warehouse.tables import (
    BRIDGE_PARTNER_GROUP,
    DIM_COMMODITY,
    DIM_PARTNER,
    DIM_PERIOD,
    DIM_TRADE_MODE,
    FACT_PARTNER_TRADE,
    FACT_TRADE_FLOWS,
    FACT_TRADE_MODE,
    FACT_TRADE_SURPLUS,
    FACT_TRADE_SURPLUS_HISTORY,
    META_RELEASE_FILES,
    META_RELEASES,
    META_RUNS,
    STG_ONLINE_QUERY,
    STG_PRELIMINARY,
)

log = logging.getLogger(__name__)


def code_version() -> str:
    try:
        return importlib.metadata.version("customs-warehouse")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"


@dataclass(frozen=True)
class StagedInputs:
    """Staging rows of the files that may be published (quarantined ones are left out)."""

    preliminary: pl.LazyFrame
    online_query: pl.LazyFrame  # never collected whole: `sources` says what each period is built from
    manifest: pl.DataFrame  # rows of the staged files only
    fingerprint: str
    # Per period of core.fact_trade_flows, its staged files and fingerprint (load_staged finds them;
    # none given, no period of the fact is built).
    sources: StagedSources = field(default_factory=lambda: StagedSources({}, frozenset()))


def _reference_digest() -> str:
    digest = hashlib.sha256()
    folder = resources.files("warehouse.reference")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".csv"):
            digest.update(entry.name.encode())
            digest.update(entry.read_bytes())
    return digest.hexdigest()


def load_staged(
    settings: Settings,
    include_release_ids: frozenset[str] = frozenset(),
    *,
    flow_periods: Collection[str] | None = None,
) -> StagedInputs:
    """The staged files' rows; `include_release_ids` brings quarantined releases back in (to re-validate).

    `flow_periods` limits `sources` to those periods of core.fact_trade_flows (a backfill worker's)."""
    archive = RawArchive(settings.archive_dir)
    manifest = archive.manifest.filter(
        (pl.col("status") == "staged")
        | ((pl.col("status") == "quarantined") & pl.col("release_id").is_in(sorted(include_release_ids)))
    ).sort("source_sha256")
    hashes = manifest["source_sha256"].to_list()
    digest = hashlib.sha256()
    reference_digest = _reference_digest()
    for part in (*hashes, PARSER_VERSION, code_version(), reference_digest):
        digest.update(part.encode())
        digest.update(b"\n")
    # Read once: the table pages' rows are small (about 66,000 for the demo's 435 files), but every branch
    # of the build's plans would scan each staged file again (20 CPU s a run on the demo).
    preliminary = (
        scan_staging(STG_PRELIMINARY, settings.staging_dir)
        .filter(pl.col("source_sha256").is_in(hashes))
        .collect()
        .lazy()
    )
    return StagedInputs(
        preliminary=preliminary,
        online_query=scan_staging(STG_ONLINE_QUERY, settings.staging_dir).filter(
            pl.col("source_sha256").is_in(hashes)
        ),
        manifest=manifest,
        fingerprint=digest.hexdigest(),
        sources=staged_sources(
            settings.staging_dir, preliminary, hashes, reference_digest, code_version(), flow_periods
        ),
    )


class BuildRejectedError(ExpectedError):
    """Staged rows the reference data cannot resolve (an unknown partner label or code): no table is built.

    `rows` are the offending staged rows (release_id, source_sha256, source_uri, table, row_number, value):
    their releases are charged with the failure, as the gate charges a critical failure.
    """

    def __init__(self, message: str, rows: pl.DataFrame) -> None:
        super().__init__(message)
        self.rows = rows


def _unknown_partner_rows(inputs: StagedInputs, error: UnknownPartnerError) -> pl.DataFrame:
    """The staged rows that carry the unknown labels (table (4), the Bulletin's by-country table) or GACC
    codes (online-query exports)."""
    unknown = list(error.unknown)
    if error.what == "label":
        by_country = {"by_partner": "(4) by_partner", "bulletin_by_partner": "Bulletin by_partner"}
        rows = inputs.preliminary.filter(
            pl.col("table_id").is_in(list(by_country)) & pl.col("label").is_in(unknown)
        ).select(
            "release_id",
            "source_sha256",
            table=pl.col("table_id").replace_strict(by_country, return_dtype=pl.String),
            row_number="row_number",
            value="label",
        )
    else:
        rows = inputs.online_query.filter(pl.col("partner_code_gacc").cast(pl.String).is_in(unknown)).select(
            "release_id",
            "source_sha256",
            table=pl.lit("online query export"),
            row_number=pl.lit(None, dtype=pl.Int64),
            value=pl.col("partner_code_gacc").cast(pl.String),
        )
    return (
        rows.unique(["source_sha256", "row_number", "value"])
        .collect()
        .join(inputs.manifest.select("source_sha256", "source_uri"), on="source_sha256", how="left")
        .sort("release_id", "source_uri", "row_number", "value", nulls_last=True)
    )


def _rejected(inputs: StagedInputs, error: UnknownPartnerError) -> BuildRejectedError:
    rows = _unknown_partner_rows(inputs, error)
    where = "partner_aliases.csv" if error.what == "label" else "partners.csv"
    if rows.is_empty():  # not from a staged file (the reference data itself): nothing to charge
        return BuildRejectedError(str(error), rows)
    first = rows.row(0, named=True)
    row = f", row {first['row_number']}" if first["row_number"] is not None else ""
    more = f" (and {rows.height - 1} more rows)" if rows.height > 1 else ""
    return BuildRejectedError(
        f"file {first['source_uri']}, table {first['table']}{row}: unknown partner {error.what} "
        f"{first['value']!r}{more}; review it and add it to warehouse/reference/{where}",
        rows,
    )


def quarantine_rejected(settings: Settings, error: BuildRejectedError) -> list[str]:
    """Quarantine the new releases whose rows the build rejected; returns them (a published one stays).

    Like a gate failure: their raw files stay archived, the next builds leave them out, and they come
    back as a new vintage of their pages or through a reviewed override once the reference knows them.
    """
    new = sorted(
        set(error.rows["release_id"].drop_nulls().to_list()) - published_release_ids(settings.warehouse_path)
    )
    files = RawArchive(settings.archive_dir).manifest.filter(pl.col("release_id").is_in(new))
    RawArchive(settings.archive_dir).update_status(
        files["source_sha256"].to_list(),
        "quarantined",
        f"rejected by the build: {error}",
        quarantine_reason="build",
    )
    return new


def build_flows(
    settings: Settings,
    inputs: StagedInputs,
    published: Mapping[str, PublishedPartition],
    *,
    run_id: str,
    force: bool = False,
    fresh_since: datetime | None = None,
) -> FlowsBuild:
    """core.fact_trade_flows: the periods whose inputs changed since `published` are rebuilt (all with
    `force`), the others carried over.

    Raises BuildRejectedError, naming the file, table, row and value, for a partner the reference lacks.
    """
    try:
        return build_fact_partitions(
            settings,
            inputs.sources,
            inputs.preliminary,
            inputs.manifest,
            published,
            run_id=run_id,
            force=force,
        )
    except UnknownPartnerError as exc:
        raise _rejected(inputs, exc) from exc


def prebuild_flow_periods(settings: Settings, periods: Collection[str], *, force: bool = False) -> list[str]:
    """Build the partitions of these periods of core.fact_trade_flows from what is staged now, where
    no file of their current fingerprint exists yet: a backfill worker's share of the build, done
    beside its parsing. Returns the periods built.

    The run's build later takes a file whose fingerprint is still its period's as it is, and rebuilds
    any other (a page another worker staged since restates the period, say): a file always holds the
    rows of exactly the files its fingerprint names, so adopting it is safe. A period that cannot be
    built (an unknown partner) is left to the run's build, which reports it."""
    inputs = load_staged(settings, flow_periods=periods)
    built: list[str] = []
    for period in sorted(inputs.sources.periods):
        try:
            build = build_fact_partitions(
                settings,
                StagedSources({period: inputs.sources.periods[period]}, inputs.sources.present_sha256s),
                inputs.preliminary,
                inputs.manifest,
                {},
                run_id="backfill-worker",
                force=force,
            )
        except Exception as exc:  # the run's build redoes it and reports it; the worker's parse stands
            log.warning("period %s of %s left to the run's build: %s", period, FACT_TRADE_FLOWS.name, exc)
            continue
        if build.rebuilt and not build.adopted:
            built.append(period)
    return built


def build_core_tables(inputs: StagedInputs, flows: FlowsBuild) -> dict[TableContract, pl.DataFrame]:
    """Every core table but core.fact_trade_flows (stored per period: `flows`), conformed to its contract.

    Raises BuildRejectedError, naming the file, table, row and value, for a partner the reference lacks.
    """
    try:
        return _build_core_tables(inputs, flows)
    except UnknownPartnerError as exc:
        raise _rejected(inputs, exc) from exc


def _build_core_tables(inputs: StagedInputs, flows: FlowsBuild) -> dict[TableContract, pl.DataFrame]:
    partners = reference.load_partners().lazy()
    aliases = reference.load_partner_aliases().lazy()
    groups = reference.load_partner_groups().lazy()
    commodities = reference.load_commodities().lazy()

    trade_modes = reference.load_trade_modes().lazy()

    partner_trade = build_fact_partner_trade(inputs.preliminary, aliases, partners).collect()
    trade_mode = build_fact_trade_mode(inputs.preliminary, trade_modes).collect()
    surplus = build_fact_trade_surplus(partner_trade.lazy()).collect()
    flow_periods = pl.DataFrame(
        {"period": [p for p, part in flows.table.partitions.items() if part.row_count]},
        schema={"period": pl.String},
    )
    periods = pl.concat(
        [partner_trade.select("period"), flow_periods, trade_mode.select("period")],
    ).unique()
    tables: dict[TableContract, pl.DataFrame] = {
        FACT_PARTNER_TRADE: partner_trade,
        FACT_TRADE_MODE: trade_mode,
        FACT_TRADE_SURPLUS: surplus,
        FACT_TRADE_SURPLUS_HISTORY: build_fact_trade_surplus_history(partner_trade.lazy()).collect(),
        DIM_PERIOD: build_dim_period(periods.lazy()).collect(),
        DIM_PARTNER: build_dim_partner(partners).collect(),
        BRIDGE_PARTNER_GROUP: build_bridge_partner_group(groups).collect(),
        # The HS8 codes' names: a few thousand rows per period, kept beside each period's rows.
        DIM_COMMODITY: build_dim_commodity(
            commodities, flows.hs8_names(), reference.load_hs_names().lazy()
        ).collect(),
        DIM_TRADE_MODE: build_dim_trade_mode(trade_modes).collect(),
    }
    return {contract: contract.conform(frame) for contract, frame in tables.items()}


def build_meta_tables(
    inputs: StagedInputs,
    partner_trade: pl.DataFrame,
    previous_runs: pl.DataFrame,
    this_run: dict[str, object],
) -> dict[TableContract, pl.DataFrame]:
    manifest = inputs.manifest
    latest = set(
        partner_trade.filter(pl.col("is_latest_vintage")).get_column("release_id").unique().to_list()
    )
    releases = (
        manifest.group_by("release_id")
        .agg(
            pl.col("product").first(),
            pl.col("period").first(),
            pl.col("published_on").max(),
            pl.col("retrieved_at").max(),
            pl.len().alias("file_count"),
        )
        .with_columns(
            pl.col("release_id").is_in(list(latest)).alias("is_latest_vintage"),
            pl.lit("published").alias("status"),
        )
        .sort("release_id")
    )
    # An online-query export is its own vintage and has no competitor for its period here.
    releases = releases.with_columns(
        (pl.col("is_latest_vintage") | (pl.col("product") == "online_query")).alias("is_latest_vintage")
    )
    files = manifest.select(
        "release_id", "source_sha256", "source_uri", "table_id", "currency", "retrieved_at", "parser_version"
    ).sort("release_id", "source_sha256")
    run_row = META_RUNS.conform(pl.DataFrame([this_run], schema=META_RUNS.polars_schema()))
    runs = (
        pl.concat([META_RUNS.conform(previous_runs), run_row])
        .unique("run_id", keep="last")
        .sort("started_at")
    )
    return {
        META_RELEASES: META_RELEASES.conform(releases),
        META_RELEASE_FILES: META_RELEASE_FILES.conform(files),
        META_RUNS: runs,
    }


class ShrinkRefusedError(ExpectedError, RuntimeError):
    """The build would publish less than the warehouse holds, and nobody said it may."""


def _listed(items: list[str], shown: int = 3) -> str:
    more = f" and {len(items) - shown} more" if len(items) > shown else ""
    return ", ".join(items[:shown]) + more


@dataclass(frozen=True)
class MissingInputs:
    """What the published warehouse holds that a build from staging would lose."""

    lost_releases: list[str]  # release ids the warehouse serves that are no longer staged
    lost_files: list[str]  # sha256 of files the manifest says are staged, with no staging rows
    staging_dir: Path

    def __bool__(self) -> bool:
        return bool(self.lost_releases or self.lost_files)

    def describe(self) -> str:
        problems = []
        if self.lost_releases:
            problems.append(
                f"{len(self.lost_releases)} published release(s) no longer staged ({_listed(self.lost_releases)})"
            )
        if self.lost_files:
            problems.append(
                f"{len(self.lost_files)} staged file(s) missing from {self.staging_dir} "
                f"({_listed([h[:12] for h in self.lost_files])})"
            )
        return "; ".join(problems)

    def fingerprint_of_build(self, fingerprint: str) -> str:
        """The inputs' fingerprint, told apart from a complete build's when files were missing: once
        `customs repair` restores them, the next run sees new input and publishes them again."""
        if not self.lost_files:
            return fingerprint
        digest = hashlib.sha256(fingerprint.encode())
        for sha256 in self.lost_files:
            digest.update(f"\nwithout {sha256}".encode())
        return digest.hexdigest()


def missing_inputs(settings: Settings, inputs: StagedInputs) -> MissingInputs:
    """What the published warehouse holds that building from `inputs` would lose.

    Two ways to lose data without anyone asking: a release the warehouse serves is no longer staged (the
    manifest was deleted or rolled back), or a file the manifest says is staged has no staging rows (its
    Parquet files were deleted). A preliminary page is staged as one file, an online-query export as one
    file per month: for an export, at least one must be there."""
    staged_releases = set(inputs.manifest["release_id"].drop_nulls().to_list())
    lost_releases = sorted(published_release_ids(settings.warehouse_path) - staged_releases)
    staged_hashes = set(
        inputs.manifest.filter(pl.col("product").is_in(["preliminary", "bulletin", "online_query"]))[
            "source_sha256"
        ].to_list()
    )
    return MissingInputs(
        lost_releases, sorted(staged_hashes - inputs.sources.present_sha256s), settings.staging_dir
    )
