"""Tables stored as one Parquet file per period: the unit of incremental builds and publishes.

The biggest fact (`core.fact_trade_flows`, with the online-query HS8 x partner detail: tens of millions
of rows over ten years) is never held whole in memory nor rewritten whole: the build writes one Parquet
file per period whose inputs changed, and the publish applies those periods to a copy of the published
warehouse. A period's `fingerprint` digests everything its rows were built from (its staged files, the
parser, the code and the reference data): equal fingerprints mean equal rows, so an unchanged period is
carried over, which `meta.build_partitions` records and tests can prove.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from warehouse.contracts import TableContract

# Rows per row group of a partition file: DuckDB's own row group size, so that the publish's INSERT takes
# each as one of the table's row groups. Polars' default (a period cut in five groups of ~110,000 rows)
# cost that INSERT about a fifth more CPU.
PARTITION_ROW_GROUP_ROWS = 122_880


@dataclass(frozen=True)
class PeriodPartition:
    """One period's rows of a partitioned table, as built."""

    period: str  # the key in the table's `period` column ("2025-11", "2025-01..02")
    fingerprint: str  # sha256 of the period's inputs: equal fingerprints, equal rows
    path: Path  # a Parquet file holding exactly this period's rows, in the contract's columns and types
    row_count: int
    built_by_run_id: str  # the run that built this file: a carried-over period keeps its first builder's
    built_at: datetime  # UTC


@dataclass(frozen=True)
class PartitionedTable:
    """Every period a partitioned table holds after a build: publish applies the ones that changed."""

    contract: TableContract
    partitions: Mapping[str, PeriodPartition]  # period -> partition; a period absent here is dropped

    def fingerprints(self) -> dict[str, str]:
        return {period: p.fingerprint for period, p in self.partitions.items()}
