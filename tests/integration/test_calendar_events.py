"""Overdue releases as Prefect events, and the check-release-calendar flow, against a real Prefect server.

The session's test harness runs a temporary server: events go to it through Prefect's events client, and
are read back from its events API once its persister has stored them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.events import Event
from prefect.events.filters import EventFilter, EventIDFilter, EventNameFilter, EventRelatedFilter
from prefect.events.worker import EventsWorker

from flows.overdue import (
    OVERDUE_EVENT,
    OverdueRelease,
    OverdueReleasesError,
    check_release_calendar,
    emit_overdue_events,
)
from tests.unit.status import APRIL_2026, APRIL_2026_MONTHS, write_warehouse

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

OVERDUE = [
    OverdueRelease("preliminary", "2026-03", date(2026, 4, 8), 16, "official"),
    OverdueRelease("online_query", "2026-03", date(2026, 4, 20), 4, "rule"),
]
# The server's event persister writes in batches every few seconds: wait for it, up to a generous bound.
PERSIST_WAIT_SECONDS = 60


def _stored_events(event_filter: EventFilter, expected: int) -> list[Event]:
    """Events the server has stored for the filter, once there are `expected` of them."""
    EventsWorker.instance().wait_until_empty()  # every emitted event has left this process
    deadline = time.monotonic() + PERSIST_WAIT_SECONDS
    with get_client(sync_client=True) as client:
        while True:
            events = client.read_events(filter=event_filter, limit=50).events
            if len(events) >= expected or time.monotonic() > deadline:
                return events
            time.sleep(0.5)


def _by_resource(events: Sequence[Event]) -> dict[str, Event]:
    return {event.resource.id: event for event in events}


def test_overdue_releases_are_emitted_as_events() -> None:
    events = emit_overdue_events(OVERDUE)

    assert [e.event for e in events] == [OVERDUE_EVENT, OVERDUE_EVENT]
    assert [e.resource.id for e in events] == [
        "customs.release.preliminary.2026-03",
        "customs.release.online_query.2026-03",
    ]
    assert events[0].payload == {
        "product": "preliminary",
        "period": "2026-03",
        "due_date": "2026-04-08",
        "days_late": 16,
        "due_source": "official",
        "grace_days": 2,
    }
    assert events[0].resource["customs.product"] == "preliminary"

    stored = _stored_events(EventFilter(id=EventIDFilter(id=[e.id for e in events])), expected=2)

    assert _by_resource(stored).keys() == {e.resource.id for e in events}
    assert _by_resource(stored)["customs.release.online_query.2026-03"].payload["days_late"] == 4


def test_no_overdue_release_emits_nothing() -> None:
    assert emit_overdue_events([]) == []


def test_flow_fails_naming_the_overdue_release(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_warehouse(data / "warehouse.duckdb", APRIL_2026, APRIL_2026_MONTHS)

    state = check_release_calendar(data_dir=str(data), today="2026-04-12", return_state=True)

    assert state.is_failed()
    assert "1 release overdue on 2026-04-12" in (state.message or "")
    assert "preliminary 2026-03 (due 2026-04-08, 4 days late)" in (state.message or "")
    with pytest.raises(OverdueReleasesError, match=r"preliminary 2026-03 \(due 2026-04-08, 4 days late\)"):
        state.result()

    # The run's events are on the server, related to the failed run, for an automation to act on.
    flow_run_id = state.state_details.flow_run_id
    run_filter = EventFilter(
        event=EventNameFilter(name=[OVERDUE_EVENT]),
        related=EventRelatedFilter(id=[f"prefect.flow-run.{flow_run_id}"]),
    )
    stored = _by_resource(_stored_events(run_filter, expected=1))
    assert "customs.release.preliminary.2026-03" in stored
    assert stored["customs.release.preliminary.2026-03"].payload["due_date"] == "2026-04-08"


def test_flow_completes_when_nothing_is_overdue(tmp_path: Path) -> None:
    data = tmp_path / "data"
    # Everything due by 12 Jan 2025 is in: 2024's preliminary releases and Bulletins to November, and an
    # online-query export of January to November 2024 (December's are due on 13, 20 and 20 January).
    write_warehouse(
        data / "warehouse.duckdb",
        [
            *(
                ("preliminary", p, date(2024, 12, 9))
                for p in ["2024-01..02", *(f"2024-{m:02d}" for m in range(3, 12))]
            ),
            *(("bulletin", f"2024-{m:02d}", date(2024, 12, 18)) for m in range(2, 12)),
            ("online_query", "2024-11", date(2024, 12, 20)),
        ],
        {"2024-11": [f"2024-{m:02d}" for m in range(1, 12)]},
    )

    state = check_release_calendar(data_dir=str(data), today="2025-01-12", return_state=True)

    assert state.is_completed(), state.message
    assert (
        state.result()
        == f"no release overdue on 2025-01-12 (warehouse {data.resolve() / 'warehouse.duckdb'})"
    )
