"""The warehouse side of `customs status`: which releases are in, against the calendar."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Final

import polars as pl

from config.settings import Settings
from release_calendar import CALENDAR_SCHEMA, PRODUCTS, ReleaseState, beijing_today, calendar_frame
from warehouse.read import warehouse_release_frame
from warehouse.tables import META_RELEASES

#: Products the warehouse can hold, in calendar order: only these can be published, hence overdue (the
#: preliminary release, the Monthly Bulletin and the online query; not the yearbook).
WAREHOUSE_PRODUCTS: Final[tuple[str, ...]] = tuple(
    p for p in PRODUCTS if p in (META_RELEASES.field("product").allowed_values or ())
)
STATUS_SCHEMA: Final = pl.Schema(
    {
        **dict(CALENDAR_SCHEMA),
        "in_warehouse": pl.Boolean(),
        "published_on": pl.Date(),
    }
)


def status_report(
    settings: Settings, today: date, products: Sequence[str] = WAREHOUSE_PRODUCTS
) -> pl.DataFrame:
    """Every release of `products` in today's and the previous year against the warehouse.

    Columns: product, period, due_date, due_source, state, days_late (see calendar_frame), in_warehouse,
    published_on (the latest publication date of the period's releases in the warehouse).
    """
    held = warehouse_release_frame(settings.warehouse_path)
    published = set(zip(held["product"].to_list(), held["period"].to_list(), strict=True))
    calendar = calendar_frame(today, published, (today.year - 1, today.year), products=products)
    return (
        calendar.join(held, on=["product", "period"], how="left", maintain_order="left")
        .with_columns(in_warehouse=pl.col("state") == ReleaseState.PUBLISHED.value)
        .select(STATUS_SCHEMA.names())
    )


def parse_today(today: str | None) -> date:
    """`YYYY-MM-DD`, or today in Beijing (GACC's calendar) when None."""
    if today is None:
        return beijing_today()
    try:
        return date.fromisoformat(today)
    except ValueError as exc:
        raise ValueError(f"not a day (YYYY-MM-DD): {today!r}") from exc
