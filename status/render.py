"""`customs status` as text: a table of every release, then what is overdue, due and next."""

from __future__ import annotations

import io
from typing import Any

import polars as pl
from rich.console import Console, Group, JustifyMethod, RenderableType
from rich.table import Table
from rich.text import Text

from release_calendar import GRACE_DAYS, ReleaseState
from status.data import WAREHOUSE_PRODUCTS

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


def days_label(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


_LISTED = 8  # overdue releases named in the summary; the table lists them all


def _summary(frame: pl.DataFrame) -> list[str]:
    by_state = {s.value: frame.filter(pl.col("state") == s.value) for s in ReleaseState}
    lines = [f"In the warehouse: {by_state['published'].height} of {frame.height} releases."]
    overdue = by_state["overdue"].rows(named=True)
    if overdue:
        lines.append(f"OVERDUE: {len(overdue)} release{'s' if len(overdue) != 1 else ''} past due and grace:")
        lines += [
            f"  {_release(r)}: due {r['due_date']}, {days_label(r['days_late'])} late"
            for r in overdue[:_LISTED]
        ]
        if len(overdue) > _LISTED:
            lines.append(f"  ... and {len(overdue) - _LISTED} more (see the table)")
    else:
        lines.append("Nothing overdue.")
    due = by_state["due"].rows(named=True)
    if due:
        lines.append(
            f"Due now ({len(due)}, within {days_label(GRACE_DAYS)} of grace): "
            + "; ".join(f"{_release(r)} (due {r['due_date']})" for r in due)
        )
    pending = by_state["none_expected"]
    if pending.height:
        # Products often share a day (the Bulletin and the online query on the 20th): name each, in
        # calendar order.
        upcoming = pending.filter(pl.col("due_date") == pl.col("due_date").min()).rows(named=True)
        names = " and ".join(_release(r) for r in upcoming)
        lines.append(f"Next expected: {names} on {upcoming[0]['due_date']}.")
    not_ingested = sorted(set(frame["product"].to_list()) - set(WAREHOUSE_PRODUCTS))
    if not_ingested:
        lines.append(
            f"Note: {', '.join(not_ingested)} is not ingested into the warehouse, so its past releases"
            " show as overdue."
        )
    return lines


def renderables(frame: pl.DataFrame) -> list[RenderableType]:
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
    console.print(Group(*renderables(frame)))
    return buffer.getvalue()
