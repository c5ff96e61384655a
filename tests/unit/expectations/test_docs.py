"""Data Docs: a static GX site of a gate run, written next to the warehouse."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from expectations.docs import build_data_docs
from expectations.gate import validate_checks
from expectations.rules import rule_named
from expectations.suites import contract_check
from tests.unit.expectations import frames
from warehouse.tables import FACT_PARTNER_TRADE


def test_data_docs_index_is_written(tmp_path: Path) -> None:
    trade = frames.fact_partner_trade(frames.PERIODS[-3:])
    broken = trade.with_columns(
        implied_cny_per_usd=pl.when(pl.col("partner_code") == "JPN")
        .then(1.0)
        .otherwise(pl.col("implied_cny_per_usd"))
    )
    result = validate_checks(
        [
            contract_check(FACT_PARTNER_TRADE, broken, frames.PARTNER_CODES),
            rule_named("implied_rate_plausible", FACT_PARTNER_TRADE).check(broken),
            rule_named("no_missing_periods", FACT_PARTNER_TRADE).check(broken),
        ],
        run_id="docs-run",
        validated_at=frames.VALIDATED_AT,
    )
    target = tmp_path / "data" / "data_docs"
    index = build_data_docs(result, target)
    assert index == target.resolve() / "index.html"
    html = index.read_text()
    for suite in (
        "contract.core.fact_partner_trade",
        "rules.core.fact_partner_trade.implied_rate_plausible",
        "rules.core.fact_partner_trade.no_missing_periods",
    ):
        assert suite in html
    pages = list((target / "validations").rglob("*.html"))
    assert len(pages) == 3
    implied = next(p for p in pages if "implied_rate_plausible" in str(p)).read_text()
    assert "expect_implied_rate_to_be_plausible" in implied or "5 and 9 yuan per dollar" in implied

    # Rebuilt in place: the old site is replaced whole, no building folders are left behind.
    build_data_docs(result.validations, target, run_name="again")
    assert (target / "index.html").is_file()
    assert sorted(p.name for p in target.parent.iterdir()) == ["data_docs"]
