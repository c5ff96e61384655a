"""The overdue-release automation against a real Prefect server: the release-calendar flow's events
reach a webhook on 127.0.0.1 through the automation `customs automation create` makes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from prefect.automations import Automation
from prefect.blocks.notifications import CustomWebhookNotificationBlock
from prefect.client.orchestration import get_client

from config.settings import settings_for
from flows.automation import AUTOMATION_NAME, WEBHOOK_BLOCK_NAME, create_overdue_automation
from flows.events import OVERDUE_EVENT
from flows.overdue import check_overdue, check_release_calendar
from tests.integration.webhook_receiver import webhook_receiver
from tests.unit.status import APRIL_2026, APRIL_2026_MONTHS, write_warehouse

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

# The server's triggers and actions services act within seconds; a loaded machine gets a generous bound.
NOTIFY_WAIT_SECONDS = 180


@pytest.fixture(autouse=True)
def _remove_the_automation() -> Iterator[None]:
    """The session's server is shared: leave no automation behind calling a receiver that is gone."""
    yield
    with get_client(sync_client=True) as client:
        for automation in client.read_automations_by_name(AUTOMATION_NAME):
            client.delete_automation(automation.id)


def test_an_overdue_release_is_notified_through_the_webhook(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_warehouse(data / "warehouse.duckdb", APRIL_2026, APRIL_2026_MONTHS)
    today = "2026-04-30"  # March's preliminary (due 8 April) and online query (due 20 April) are overdue
    overdue = check_overdue(settings_for(str(data)), date.fromisoformat(today))
    assert len(overdue) >= 2

    with webhook_receiver() as receiver:
        created = create_overdue_automation(webhook=receiver.url)
        assert created.block == f"custom-webhook/{WEBHOOK_BLOCK_NAME}"
        assert CustomWebhookNotificationBlock.load(WEBHOOK_BLOCK_NAME).url == receiver.url
        automation = Automation.read(name=AUTOMATION_NAME)
        assert automation.id == created.automation_id and automation.trigger.expect == {OVERDUE_EVENT}

        state = check_release_calendar(data_dir=str(data), today=today, return_state=True)
        assert state.is_failed()

        bodies = receiver.wait_for(lambda got: len(got) >= len(overdue), NOTIFY_WAIT_SECONDS)

    subjects = sorted(body["subject"] for body in bodies)
    assert subjects == sorted(f"GACC release overdue: {r.product} {r.period}" for r in overdue)
    first = next(b for b in bodies if b["subject"].endswith(f"{overdue[0].product} {overdue[0].period}"))
    assert f"was due on {overdue[0].due_date}" in first["body"]
    assert f"{overdue[0].days_late} days later" in first["body"]
    assert f"customs.release.{overdue[0].product}.{overdue[0].period}" in first["body"]


def test_creating_again_replaces_the_automation() -> None:
    with webhook_receiver() as receiver:
        first = create_overdue_automation(webhook=receiver.url)
        again = create_overdue_automation(block=first.block)

    assert again.replaced == 1
    assert again.block == first.block
    assert Automation.read(name=AUTOMATION_NAME).id == again.automation_id


def test_a_block_that_cannot_notify_is_refused() -> None:
    from prefect.blocks.system import Secret

    Secret(value="not a notifier").save("customs-not-a-notifier", overwrite=True)

    with pytest.raises(
        ValueError, match=r"block 'secret/customs-not-a-notifier' is not a notification block"
    ):
        create_overdue_automation(block="secret/customs-not-a-notifier")
    with pytest.raises(ValueError, match=r"no saved block 'custom-webhook/absent'"):
        create_overdue_automation(block="custom-webhook/absent")
