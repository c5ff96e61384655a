"""Benchmark: how long each step takes, and how much memory, on the demo and on scaled detail.

    .venv/bin/python bench/bench_pipeline.py [--rows 1000000]

Prints figures; asserts nothing (the test suite never times anything). Two parts:
1. the demo releases through ingest, build, gate, publish and report (no Prefect: the steps themselves);
2. a synthetic online-query export of `--rows` HS8 x partner x month records (the detail that grows)
   through the trade-flows transform, its contract suite and the publish.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import polars as pl

T = TypeVar("T")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


@dataclass(frozen=True)
class Timing:
    """One step: wall and CPU seconds (every thread of the process), and the process's peak RSS so far."""

    label: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float


TIMINGS: list[Timing] = []  # every step timed in this process, in order (bench_overhead reads them)


def _timed(label: str, step: Callable[[], T]) -> T:
    started, cpu = time.perf_counter(), time.process_time()
    result = step()
    timing = Timing(label, time.perf_counter() - started, time.process_time() - cpu, _peak_rss_mb())
    TIMINGS.append(timing)
    print(
        f"  {label:<44} {timing.wall_s:8.2f} s  CPU {timing.cpu_s:7.2f} s   peak RSS {timing.peak_rss_mb:8.0f} MB"
    )
    return result


def bench_demo(root: Path) -> int:
    """The demo through the steps of `customs run`, called directly (no Prefect); returns how many
    expectation results the gate recorded."""
    from config.settings import Settings
    from domain.periods import Period
    from expectations.checks import import_gx
    from expectations.docs import build_data_docs
    from flows.build import load_staged
    from flows.ingest.pipeline import ingest
    from flows.ingest.sources import DemoSource
    from flows.release import build_everything, run_quality_gate
    from report.command import write_html_report
    from warehouse.publish import publish_warehouse
    from warehouse.tables import (
        FACT_TRADE_SURPLUS,
        META_RELEASE_FILES,
        META_RELEASES,
        META_RUNS,
        META_VALIDATION_RESULTS,
    )

    settings = Settings(data_dir=root)
    print("demo releases")
    report = _timed("ingest: archive, parse, stage", lambda: ingest(DemoSource(), settings))
    print(f"    {report.summary()}")
    inputs = load_staged(settings)
    tables, flows = _timed(
        "build: transforms to core tables", lambda: build_everything(settings, inputs, run_id="bench")
    )
    print(f"    {flows.summary()}")
    _timed("gate: import Great Expectations", import_gx)
    gate = _timed(
        "gate: GX suites and rules, Data Docs",
        lambda: run_quality_gate(settings, inputs, tables, flows, "bench"),
    )
    print(f"    {gate.message().splitlines()[0]}")
    # The Data Docs once more, into a folder of their own, to tell their share of the step.
    _timed("    of which Data Docs (built again)", lambda: build_data_docs(gate, root / "data-docs-again"))
    for contract in (META_RELEASES, META_RELEASE_FILES, META_RUNS):
        tables[contract] = contract.empty_frame()
    tables[META_VALIDATION_RESULTS] = gate.results
    _timed(
        "publish: build aside, check, swap",
        lambda: publish_warehouse(
            settings.warehouse_path, tables, partitioned=[flows.table], parquet_dir=settings.bi_parquet_dir
        ),
    )
    latest = max(tables[FACT_TRADE_SURPLUS]["period"].unique().to_list(), key=Period.parse)
    _timed(
        "report: the latest period's HTML report",
        lambda: write_html_report(settings.warehouse_path, latest, settings.reports_dir),
    )
    return gate.results.height


def synthetic_online_query(rows: int) -> pl.DataFrame:
    from warehouse.tables import STG_ONLINE_QUERY

    months = [f"2024-{m:02d}" for m in range(1, 13)]
    partners = ["502", "410", "141", "116", "133", "304", "110", "601"]
    per_month = rows // len(months)
    index = pl.int_range(0, per_month, eager=True)
    frames = []
    for month in months:
        frames.append(
            pl.DataFrame(
                {
                    "release_id": "online_query:bench",
                    "product": "online_query",
                    "source_sha256": "0" * 64,
                    "parser_version": "bench",
                    "currency": "USD",
                    "direction": "import",
                    "period": month,
                    "partner_code_gacc": pl.Series([partners[i % len(partners)] for i in range(per_month)]),
                    "partner_name_zh": "x",
                    "hs_code": (index // len(partners) + 10_000_000).cast(pl.String),
                    "commodity_name": "x",
                    "quantity_1": (index % 997).cast(pl.Float64),
                    "quantity_1_unit": "千克",
                    "quantity_2": None,
                    "quantity_2_unit": None,
                    "amount_whole_units": index % 100_000 + 1,
                }
            )
        )
    return STG_ONLINE_QUERY.conform(pl.concat(frames))


def bench_detail(rows: int, root: Path) -> None:
    from expectations.gate import validate_checks
    from expectations.suites import contract_check
    from transforms.facts import build_fact_trade_flows
    from warehouse import reference
    from warehouse.tables import FACT_TRADE_FLOWS, STG_PRELIMINARY

    print(f"synthetic online-query detail ({rows:,} records)")
    staged = _timed("make the records", lambda: synthetic_online_query(rows))
    flows = _timed(
        "transform: fact_trade_flows",
        lambda: build_fact_trade_flows(
            STG_PRELIMINARY.empty_frame().lazy(),
            staged.lazy(),
            reference.load_commodities().lazy(),
            reference.load_partners().lazy(),
        ).collect(),
    )
    print(f"    {flows.height:,} fact rows")
    check = contract_check(FACT_TRADE_FLOWS, flows, set(reference.load_partners()["partner_code"].to_list()))
    gate = _timed(
        "gate: contract suite (per-period batches)", lambda: validate_checks([check], run_id="bench")
    )
    print(f"    {gate.message().splitlines()[0]}")
    out = root / "detail.parquet"
    _timed("write the fact as Parquet", lambda: flows.write_parquet(out))
    print(f"    {out.stat().st_size / 1e6:.1f} MB on disk")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="synthetic online-query records")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        bench_demo(Path(tmp) / "demo")
        bench_detail(args.rows, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
