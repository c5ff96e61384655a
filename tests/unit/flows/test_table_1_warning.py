"""The run's warning that a preliminary release has no table (1) (China's total): not given where a
Monthly Bulletin of the period gives the total (its TOTAL row), a February page also January-February."""

from __future__ import annotations

import polars as pl

from flows.build import StagedInputs
from flows.monthly import _periods_without_table_1
from warehouse.tables import ARCHIVE_MANIFEST, STG_ONLINE_QUERY, STG_PRELIMINARY


def _inputs(*files: tuple[str, str, str, str]) -> StagedInputs:
    """Files as (product, table_id, period, release_id) in a manifest of staged files."""
    manifest = pl.DataFrame(
        [dict(zip(("product", "table_id", "period", "release_id"), f, strict=True)) for f in files],
        schema={
            c: ARCHIVE_MANIFEST.polars_schema()[c] for c in ("product", "table_id", "period", "release_id")
        },
    )
    return StagedInputs(
        preliminary=STG_PRELIMINARY.empty_frame().lazy(),
        online_query=STG_ONLINE_QUERY.empty_frame().lazy(),
        manifest=manifest,
        fingerprint="test",
    )


def test_a_release_without_table_1_is_named() -> None:
    inputs = _inputs(("preliminary", "trade_mode_month", "2025-10", "p-10"))
    assert _periods_without_table_1(inputs, {"p-10"}) == ["2025-10"]


def test_a_bulletin_of_the_month_gives_the_total() -> None:
    inputs = _inputs(
        ("preliminary", "trade_mode_month", "2025-11", "p-11"),
        ("bulletin", "bulletin_trade_mode", "2025-11", "b-11"),
    )
    assert _periods_without_table_1(inputs, {"p-11", "b-11"}) == []


def test_a_february_bulletin_gives_the_january_february_total() -> None:
    inputs = _inputs(
        ("preliminary", "by_partner", "2025-01..02", "p-jf"),
        ("bulletin", "bulletin_trade_mode", "2025-02", "b-02"),
        ("preliminary", "by_partner", "2025-03", "p-03"),
    )
    assert _periods_without_table_1(inputs, {"p-jf", "p-03"}) == ["2025-03"]


def test_a_run_of_bulletin_pages_only_warns_of_nothing() -> None:
    inputs = _inputs(("bulletin", "bulletin_trade_mode", "2025-02", "b-02"))
    assert _periods_without_table_1(inputs, {"b-02"}) == []
