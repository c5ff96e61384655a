"""`customs status` and the `check-release-calendar` flow: what the warehouse holds against GACC's calendar.

- `status_report` lines up every release of the current and the previous year (flows/release_calendar.py)
  with the published warehouse's `meta.releases`: in the warehouse or not, due date, state, days late.
- `status_command` prints it (the lead registers it as `customs status`).
- `check_release_calendar`, a Prefect flow, emits one `customs.release.overdue` event per overdue release
  (for an automation or a notification block to act on) and fails, so a scheduled run shows red.

Only the products the warehouse can hold (`meta.releases.product`'s allowed values: today the preliminary
release and the online query) are checked by default: the bulletin and the yearbook are not ingested, so
they could only ever look overdue. `--product bulletin` shows their calendar all the same.

Prefect is imported when the flow is first used, not with this module: `customs status` then starts in a
fraction of a second instead of paying Prefect's ~2 s import, and `flows/status.py:check_release_calendar`
still resolves to a real flow for a deployment (the module's `__getattr__` builds it).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final

import duckdb
import polars as pl
import typer
from rich.console import Console, Group, JustifyMethod, RenderableType
from rich.table import Table
from rich.text import Text

from config.settings import Settings
from flows.release_calendar import (
    CALENDAR_SCHEMA,
    GRACE_DAYS,
    PRODUCTS,
    ReleaseState,
    beijing_today,
    calendar_frame,
)
from warehouse.tables import META_RELEASES

if TYPE_CHECKING:
    from prefect import Flow
    from prefect.events import Event

#: Products the warehouse can hold, in calendar order: only these can be published, hence overdue.
WAREHOUSE_PRODUCTS: Final[tuple[str, ...]] = tuple(
    p for p in PRODUCTS if p in (META_RELEASES.field("product").allowed_values or ())
)
OVERDUE_EVENT: Final = "customs.release.overdue"
# A quarantined release is recorded but its figures are not served: it does not count as published.
_NOT_PUBLISHED_STATUS = "quarantined"

STATUS_SCHEMA: Final = pl.Schema(
    {
        **dict(CALENDAR_SCHEMA),
        "in_warehouse": pl.Boolean(),
        "published_on": pl.Date(),
    }
)
_RELEASES_SCHEMA = pl.Schema({"product": pl.String, "period": pl.String, "published_on": pl.Date})


# --- the warehouse side ---------------------------------------------------------------------------------


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()"
        " AND schema_name = ? AND table_name = ?",
        [schema, name],
    ).fetchone()
    return row is not None and row[0] > 0


def warehouse_release_frame(warehouse_path: Path) -> pl.DataFrame:
    """(product, period, latest published_on) of every release in the published warehouse.

    Read-only, connection closed before returning; an absent file gives an empty frame. An online-query
    release is recorded under its export's last month, yet the export may hold every month up to it: the
    months come from `core.fact_trade_flows` when that table is there, so the earlier months count too.
    """
    path = Path(warehouse_path)
    if not path.is_file():
        # connect() would create an empty database file rather than fail.
        return pl.DataFrame(schema=_RELEASES_SCHEMA)
    con = duckdb.connect(str(path), read_only=True)
    try:
        if not _has_table(con, META_RELEASES.schema, META_RELEASES.name):
            raise ValueError(f"{path}: no {META_RELEASES.qualified_name} table: not a customs warehouse")
        sources = [
            f"SELECT product, period, published_on FROM {META_RELEASES.qualified_name}"
            f" WHERE status <> '{_NOT_PUBLISHED_STATUS}'"
        ]
        if _has_table(con, "core", "fact_trade_flows"):
            sources.append(
                "SELECT DISTINCT f.product, f.period, r.published_on"
                f" FROM core.fact_trade_flows AS f JOIN {META_RELEASES.qualified_name} AS r USING (release_id)"
                f" WHERE f.product = 'online_query' AND r.status <> '{_NOT_PUBLISHED_STATUS}'"
            )
        rows = con.execute(
            "SELECT product, period, max(published_on) FROM ("
            + " UNION ALL ".join(sources)
            + ") GROUP BY product, period ORDER BY product, period"
        ).fetchall()
    finally:
        con.close()
    return pl.DataFrame(rows, schema=_RELEASES_SCHEMA, orient="row")


def warehouse_releases(warehouse_path: Path) -> set[tuple[str, str]]:
    """The (product, period) pairs the published warehouse holds; empty when there is no warehouse."""
    frame = warehouse_release_frame(warehouse_path)
    return set(zip(frame["product"].to_list(), frame["period"].to_list(), strict=True))


# --- the report -----------------------------------------------------------------------------------------


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


_STATE_STYLE = {
    ReleaseState.PUBLISHED.value: "green",
    ReleaseState.DUE.value: "yellow",
    ReleaseState.OVERDUE.value: "bold red",
    ReleaseState.NONE_EXPECTED.value: "dim",
}
_STATE_LABEL = {
    ReleaseState.PUBLISHED.value: "published",
    ReleaseState.DUE.value: "due",
    ReleaseState.OVERDUE.value: "OVERDUE",
    ReleaseState.NONE_EXPECTED.value: "not yet due",
}


def _release(row: dict[str, Any]) -> str:
    return f"{row['product']} {row['period']}"


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


_LISTED = 8  # overdue releases named in the summary; the table lists them all


def _summary(frame: pl.DataFrame) -> list[str]:
    by_state = {s.value: frame.filter(pl.col("state") == s.value) for s in ReleaseState}
    lines = [f"In the warehouse: {by_state['published'].height} of {frame.height} releases."]
    overdue = by_state["overdue"].rows(named=True)
    if overdue:
        lines.append(f"OVERDUE: {len(overdue)} release{'s' if len(overdue) != 1 else ''} past due and grace:")
        lines += [
            f"  {_release(r)}: due {r['due_date']}, {_days(r['days_late'])} late" for r in overdue[:_LISTED]
        ]
        if len(overdue) > _LISTED:
            lines.append(f"  ... and {len(overdue) - _LISTED} more (see the table)")
    else:
        lines.append("Nothing overdue.")
    due = by_state["due"].rows(named=True)
    if due:
        lines.append(
            f"Due now ({len(due)}, within {_days(GRACE_DAYS)} of grace): "
            + "; ".join(f"{_release(r)} (due {r['due_date']})" for r in due)
        )
    upcoming = by_state["none_expected"].sort("due_date").head(1).rows(named=True)
    if upcoming:
        lines.append(f"Next expected: {_release(upcoming[0])} on {upcoming[0]['due_date']}.")
    not_ingested = sorted(set(frame["product"].to_list()) - set(WAREHOUSE_PRODUCTS))
    if not_ingested:
        lines.append(
            f"Note: {', '.join(not_ingested)} is not ingested into the warehouse, so its past releases"
            " show as overdue."
        )
    return lines


def _renderables(frame: pl.DataFrame) -> list[RenderableType]:
    table = Table(title="GACC releases against the warehouse", title_justify="left")
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("product", "left"),
        ("period", "left"),
        ("due", "left"),
        ("source", "left"),
        ("published on", "left"),
        ("state", "left"),
        ("days late", "right"),
    )
    for header, justify in columns:
        table.add_column(header, justify=justify, no_wrap=True)
    for row in frame.iter_rows(named=True):
        style = _STATE_STYLE[row["state"]]
        table.add_row(
            row["product"],
            row["period"],
            str(row["due_date"]),
            row["due_source"],
            "-" if row["published_on"] is None else str(row["published_on"]),
            Text(_STATE_LABEL[row["state"]], style=style),
            "" if row["days_late"] is None else str(row["days_late"]),
        )
    return [table, *(Text(line) for line in _summary(frame))]


def render_status(frame: pl.DataFrame, width: int = 100) -> str:
    """The report as plain text: a table of every release, then what is overdue, due and next."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, no_color=True, force_terminal=False, highlight=False)
    console.print(Group(*_renderables(frame)))
    return buffer.getvalue()


# --- `customs status` -----------------------------------------------------------------------------------

DataDirOpt = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data root (default: $CUSTOMS_DATA_DIR or ./data)", show_default=False),
]
TodayOpt = Annotated[
    str | None,
    typer.Option(
        "--today", help="Report as of this day, YYYY-MM-DD (default: today in Beijing)", show_default=False
    ),
]
ProductOpt = Annotated[
    str | None,
    typer.Option(
        "--product",
        help=f"Only this product: {', '.join(PRODUCTS)} (default: {', '.join(WAREHOUSE_PRODUCTS)})",
        show_default=False,
    ),
]
FailOnOverdueOpt = Annotated[
    bool, typer.Option("--fail-on-overdue", help="Exit with code 1 when a release is overdue")
]


def settings_for(data_dir: str | Path | None) -> Settings:
    """Settings from the environment, with the data root overridden when given."""
    overrides: dict[str, object] = {} if data_dir is None else {"data_dir": Path(data_dir)}
    return Settings(**overrides)  # type: ignore[arg-type]


def parse_today(today: str | None) -> date:
    """`YYYY-MM-DD`, or today in Beijing (GACC's calendar) when None."""
    if today is None:
        return beijing_today()
    try:
        return date.fromisoformat(today)
    except ValueError as exc:
        raise ValueError(f"not a day (YYYY-MM-DD): {today!r}") from exc


def status_command(
    data_dir: DataDirOpt = None,
    today: TodayOpt = None,
    product: ProductOpt = None,
    fail_on_overdue: FailOnOverdueOpt = False,
) -> None:
    """Show what the warehouse holds against GACC's release calendar: published, due and overdue releases."""
    try:
        day = parse_today(today)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--today") from exc
    if product is not None and product not in PRODUCTS:
        raise typer.BadParameter(
            f"unknown product {product!r}: choose one of {', '.join(PRODUCTS)}", param_hint="--product"
        )
    settings = settings_for(data_dir)
    console = Console(highlight=False)
    try:
        frame = status_report(settings, day, products=WAREHOUSE_PRODUCTS if product is None else (product,))
    except (ValueError, duckdb.Error) as exc:
        # A file that is not a readable warehouse: say so, without a traceback.
        console.print(Text.assemble(("error", "red"), f": {exc}"))
        raise typer.Exit(code=2) from exc
    where = settings.warehouse_path
    # soft_wrap: a long path stays on one line, whole, to be copied.
    absent = "" if where.is_file() else " (absent: nothing published yet)"
    console.print(f"warehouse: {where}{absent}", soft_wrap=True, markup=False)
    console.print(f"as of {day}", markup=False)
    console.print(Group(*_renderables(frame)))
    overdue = frame.filter(pl.col("state") == ReleaseState.OVERDUE.value).height
    if fail_on_overdue and overdue:
        raise typer.Exit(code=1)


# --- overdue releases as Prefect events -----------------------------------------------------------------


@dataclass(frozen=True)
class OverdueRelease:
    product: str
    period: str
    due_date: date
    days_late: int
    due_source: str

    @property
    def resource_id(self) -> str:
        return f"customs.release.{self.product}.{self.period}"

    def describe(self) -> str:
        return f"{self.product} {self.period} (due {self.due_date}, {_days(self.days_late)} late)"


# Releases named in the error (the flow run's state message); the events carry every one.
_NAMED_IN_ERROR = 10


class OverdueReleasesError(RuntimeError):
    """Raised by the flow when releases are overdue, so that the flow run fails."""

    def __init__(self, overdue: Sequence[OverdueRelease], today: date) -> None:
        self.overdue = tuple(overdue)
        count = f"{len(overdue)} release{'s' if len(overdue) != 1 else ''}"
        named = "; ".join(r.describe() for r in overdue[:_NAMED_IN_ERROR])
        more = f"; and {len(overdue) - _NAMED_IN_ERROR} more" if len(overdue) > _NAMED_IN_ERROR else ""
        super().__init__(
            f"{count} overdue on {today}, not in the warehouse {GRACE_DAYS} days after their due date: "
            f"{named}{more}"
        )


def check_overdue(
    settings: Settings, today: date, products: Sequence[str] = WAREHOUSE_PRODUCTS
) -> list[OverdueRelease]:
    """The overdue releases of the current and previous year, oldest due date first."""
    frame = status_report(settings, today, products).filter(pl.col("state") == ReleaseState.OVERDUE.value)
    return [
        OverdueRelease(r["product"], r["period"], r["due_date"], r["days_late"], r["due_source"])
        for r in frame.sort("due_date", "product", maintain_order=True).iter_rows(named=True)
    ]


def emit_overdue_events(overdue: Sequence[OverdueRelease]) -> list[Event]:
    """One `customs.release.overdue` Prefect event per release; returns the events emitted.

    An automation can match on the event name and the resource id `customs.release.<product>.<period>`.
    Inside a flow run, the run is attached as a related resource. `emit_event` returns None where events
    are switched off (no API to send them to): such releases are left out of the result.
    """
    from prefect.events import emit_event
    from prefect.runtime import flow_run

    related: list[dict[str, str]] = []
    if flow_run.id:
        related.append(
            {"prefect.resource.id": f"prefect.flow-run.{flow_run.id}", "prefect.resource.role": "flow-run"}
        )
    events: list[Event] = []
    for release in overdue:
        event = emit_event(
            OVERDUE_EVENT,
            resource={
                "prefect.resource.id": release.resource_id,
                "prefect.resource.name": f"GACC {release.product} {release.period}",
                "customs.product": release.product,
                "customs.period": release.period,
            },
            related=related or None,
            payload={
                "product": release.product,
                "period": release.period,
                "due_date": release.due_date.isoformat(),
                "days_late": release.days_late,
                "due_source": release.due_source,
                "grace_days": GRACE_DAYS,
            },
        )
        if event is not None:
            events.append(event)
    return events


def _check_release_calendar(data_dir: str | None = None, today: str | None = None) -> str:
    """Check GACC's release calendar against the warehouse; emit an event per overdue release and fail."""
    from prefect import get_run_logger

    logger = get_run_logger()
    settings = settings_for(data_dir)
    day = parse_today(today)
    overdue = check_overdue(settings, day)
    if overdue:
        events = emit_overdue_events(overdue)
        logger.info("emitted %d %s event(s)", len(events), OVERDUE_EVENT)
        raise OverdueReleasesError(overdue, day)
    message = f"no release overdue on {day} (warehouse {settings.warehouse_path})"
    logger.info(message)
    return message


# The flow's entrypoint name, so that a deployment made from the flow object points at the module attribute.
_check_release_calendar.__name__ = _check_release_calendar.__qualname__ = "check_release_calendar"


@functools.cache
def release_calendar_flow() -> Flow[[str | None, str | None], str]:
    """The `check-release-calendar` flow (built once, on first use; also `check_release_calendar`)."""
    from prefect import flow

    return flow(
        name="check-release-calendar",
        description="Emit customs.release.overdue events and fail when a GACC release is overdue",
        retries=0,
    )(_check_release_calendar)


def __getattr__(name: str) -> Any:
    if name == "check_release_calendar":
        return release_calendar_flow()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
