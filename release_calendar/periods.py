"""The products GACC publishes and the periods of a year each one has a release for."""

from __future__ import annotations

from typing import Final, Literal, get_args

from domain.periods import Period

Product = Literal["preliminary", "bulletin", "online_query", "yearbook"]
PRODUCTS: Final[tuple[Product, ...]] = get_args(Product)

PeriodLike = str | Period


def release_periods(year: int) -> dict[Product, tuple[str, ...]]:
    """Period keys of `year`'s releases, per product, in publication order.

    >>> release_periods(2025)["preliminary"][:2]
    ('2025-01..02', '2025-03')
    >>> release_periods(2025)["bulletin"][:2]
    ('2025-02', '2025-03')
    >>> release_periods(2025)["online_query"][:2]
    ('2025-01', '2025-02')
    >>> release_periods(2025)["yearbook"]
    ('2025',)
    """
    combined = (Period.jan_feb(year).key, *(Period.month(year, m).key for m in range(3, 13)))
    months = tuple(Period.month(year, m).key for m in range(1, 13))
    # The February Bulletin prints February alone beside January-February, and is recorded under
    # February (`flows.ingest.model.BulletinTable.period`): January has no Bulletin of its own.
    return {"preliminary": combined, "bulletin": months[1:], "online_query": months, "yearbook": (str(year),)}


def check_product(product: str) -> Product:
    if product not in PRODUCTS:
        raise ValueError(f"unknown product {product!r}: choose one of {', '.join(PRODUCTS)}")
    return product


def checked_period_key(product: Product, period: PeriodLike) -> str:
    """The period's key, checked against what `product` publishes ('2025-01' has no preliminary release)."""
    if isinstance(period, Period):
        key = period.key
    elif product == "yearbook" and period.isdigit():
        key = period
    else:
        key = Period.parse(period).key
    year = int(key[:4])
    if key not in release_periods(year)[product]:
        raise ValueError(
            f"GACC publishes no {product} release for period {key!r}; "
            f"its periods of {year} are {', '.join(release_periods(year)[product])}"
        )
    return key


def month_after(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)
