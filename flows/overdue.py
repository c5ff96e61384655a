"""The `check-release-calendar` flow: one `customs.release.overdue` Prefect event per overdue release.

The flow emits the events (for an automation or a notification block to act on) and fails, so a scheduled
run shows red. Prefect is imported when the flow is first used, not with this module, and
`flows/overdue.py:check_release_calendar` still resolves to a real flow for a deployment (the module's
`__getattr__` builds it).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import polars as pl

from config.settings import Settings, settings_for
from flows.events import OVERDUE_EVENT
from release_calendar import GRACE_DAYS, ReleaseState
from status.data import WAREHOUSE_PRODUCTS, parse_today, status_report
from status.render import days_label

if TYPE_CHECKING:
    from prefect import Flow
    from prefect.events import Event


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
        return f"{self.product} {self.period} (due {self.due_date}, {days_label(self.days_late)} late)"


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
