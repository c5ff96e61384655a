"""The one precedence rule that picks a figure's latest vintage."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl

from transforms.vintages import public_on, vintage_is_latest, vintage_source, with_vintage_precedence


def _vintages(*rows: tuple[str, str, date | None, datetime | None, bool]) -> pl.DataFrame:
    frame = pl.DataFrame(
        rows,
        schema={
            "release_id": pl.String,
            "product": pl.String,
            "published_on": pl.Date,
            "retrieved_at": pl.Datetime("us", "UTC"),
            "is_restatement": pl.Boolean,
        },
        orient="row",
    ).with_columns(figure=pl.lit("2025-12 exports"))
    return (
        frame.lazy()
        .with_columns(vintage_source(restated=pl.col("is_restatement")), public_on())
        .pipe(with_vintage_precedence)
        .with_columns(is_latest_vintage=vintage_is_latest(["figure"]))
        .collect()
    )


def test_the_bulletin_wins_over_a_later_preliminary_reprint() -> None:
    out = _vintages(
        ("preliminary:2025-12:2026-01-14", "preliminary", date(2026, 1, 14), None, False),
        ("bulletin:2025-12:2026-02-20", "bulletin", date(2026, 2, 20), None, False),
        ("preliminary:2026-12:2027-01-14", "preliminary", date(2027, 1, 14), None, True),
    )
    assert out["vintage_source"].to_list() == ["preliminary", "bulletin", "preliminary_restated"]
    assert out.filter("is_latest_vintage")["release_id"].to_list() == ["bulletin:2025-12:2026-02-20"]
    # Later over earlier within a rank: the reprint outranks the first print.
    assert out["vintage_precedence"].to_list() == [1, 3, 2]


def test_a_vintage_without_a_publication_date_became_public_when_it_was_retrieved() -> None:
    out = _vintages(
        ("online_query:a", "online_query", None, datetime(2025, 1, 20, 23, 59, tzinfo=UTC), False),
        ("online_query:b", "online_query", None, datetime(2025, 1, 20, 8, 0, tzinfo=UTC), False),
    )
    assert out["public_on"].to_list() == [date(2025, 1, 20), date(2025, 1, 20)]
    # Same day: the one retrieved later is the newer vintage, whatever its release id says.
    assert out.filter("is_latest_vintage")["release_id"].to_list() == ["online_query:a"]


def test_a_row_that_cannot_give_the_figure_never_wins() -> None:
    frame = pl.LazyFrame(
        {
            "release_id": ["r1", "r2"],
            "vintage_source": ["preliminary", "preliminary_restated"],
            "public_on": [date(2025, 1, 14), date(2026, 1, 14)],
            "value": [10, None],
            "figure": ["2024-12 exports ytd"] * 2,
        }
    )
    out = (
        frame.pipe(with_vintage_precedence, eligible=pl.col("value").is_not_null())
        .with_columns(is_latest_vintage=vintage_is_latest(["figure"]))
        .collect()
    )
    assert out["vintage_precedence"].to_list() == [1, None]
    assert out["is_latest_vintage"].to_list() == [True, False]
