"""The I/O edge around the transforms: read staging and reference data, build every warehouse table.

The warehouse is always rebuilt whole from staging (it is small: one row per published figure), so a
re-run gives the same contents and a revised page simply adds a vintage.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
from dataclasses import dataclass
from importlib import resources

import polars as pl

from config.settings import Settings
from flows.ingest.archive import RawArchive
from flows.ingest.model import PARSER_VERSION
from flows.ingest.staging import scan_staging
from transforms.dimensions import build_bridge_partner_group, build_dim_commodity, build_dim_partner
from transforms.facts import build_fact_partner_trade, build_fact_trade_flows
from transforms.periods import build_dim_period
from transforms.quantities import fill_pending_quantity_units
from transforms.surplus import build_fact_trade_surplus
from transforms.trade_mode import build_dim_trade_mode, build_fact_trade_mode
from warehouse import reference
from warehouse.contracts import TableContract
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
    online_query: pl.LazyFrame
    manifest: pl.DataFrame  # rows of the staged files only
    fingerprint: str


def _reference_digest() -> str:
    digest = hashlib.sha256()
    folder = resources.files("warehouse.reference")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".csv"):
            digest.update(entry.name.encode())
            digest.update(entry.read_bytes())
    return digest.hexdigest()


def load_staged(settings: Settings, include_release_ids: frozenset[str] = frozenset()) -> StagedInputs:
    """The staged files' rows; `include_release_ids` brings quarantined releases back in (to re-validate)."""
    archive = RawArchive(settings.archive_dir)
    manifest = archive.manifest.filter(
        (pl.col("status") == "staged")
        | ((pl.col("status") == "quarantined") & pl.col("release_id").is_in(sorted(include_release_ids)))
    ).sort("source_sha256")
    hashes = manifest["source_sha256"].to_list()
    digest = hashlib.sha256()
    for part in (*hashes, PARSER_VERSION, code_version(), _reference_digest()):
        digest.update(part.encode())
        digest.update(b"\n")
    return StagedInputs(
        preliminary=scan_staging(STG_PRELIMINARY, settings.staging_dir).filter(
            pl.col("source_sha256").is_in(hashes)
        ),
        online_query=scan_staging(STG_ONLINE_QUERY, settings.staging_dir).filter(
            pl.col("source_sha256").is_in(hashes)
        ),
        manifest=manifest,
        fingerprint=digest.hexdigest(),
    )


def with_quantity_units_filled(inputs: StagedInputs) -> pl.LazyFrame:
    """The preliminary cells with the units a shifted table (5)/(6) page left out taken from its other
    edition, one warning per such page; a page no other edition confirms stays out of the facts."""
    filled, outcome = fill_pending_quantity_units(inputs.preliminary)
    if outcome.is_empty():
        return filled
    uris = inputs.manifest.select("source_sha256", "source_uri")
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
    return filled


def build_core_tables(inputs: StagedInputs) -> dict[TableContract, pl.DataFrame]:
    """Every core table, conformed to its contract."""
    partners = reference.load_partners().lazy()
    aliases = reference.load_partner_aliases().lazy()
    groups = reference.load_partner_groups().lazy()
    commodities = reference.load_commodities().lazy()

    trade_modes = reference.load_trade_modes().lazy()

    partner_trade = build_fact_partner_trade(inputs.preliminary, aliases, partners).collect()
    # When each export was retrieved orders overlapping exports (they carry no publication date).
    online_query = inputs.online_query.join(
        inputs.manifest.lazy().select("source_sha256", "retrieved_at"), on="source_sha256", how="left"
    )
    preliminary = with_quantity_units_filled(inputs)
    flows = build_fact_trade_flows(preliminary, online_query, commodities, partners).collect()
    trade_mode = build_fact_trade_mode(inputs.preliminary, trade_modes).collect()
    surplus = build_fact_trade_surplus(partner_trade.lazy()).collect()
    periods = pl.concat(
        [partner_trade.select("period"), flows.select("period"), trade_mode.select("period")],
    ).unique()
    tables: dict[TableContract, pl.DataFrame] = {
        FACT_PARTNER_TRADE: partner_trade,
        FACT_TRADE_FLOWS: flows,
        FACT_TRADE_MODE: trade_mode,
        FACT_TRADE_SURPLUS: surplus,
        DIM_PERIOD: build_dim_period(periods.lazy()).collect(),
        DIM_PARTNER: build_dim_partner(partners).collect(),
        BRIDGE_PARTNER_GROUP: build_bridge_partner_group(groups).collect(),
        DIM_COMMODITY: build_dim_commodity(commodities, inputs.online_query).collect(),
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
