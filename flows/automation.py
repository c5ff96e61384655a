"""`customs automation create`: the Prefect automation that notifies someone of an overdue release.

The release-calendar deployment emits one `customs.release.overdue` event per overdue release
(flows/overdue.py). This automation reacts to each of them with a notification through a Prefect
notification block: a webhook block this command saves (`--webhook URL`), or any notification block the
operator has already saved (`--block slack-webhook/ops`: Slack, Teams, email...). An automation file
cannot carry the action, because the action names the block by its id, known only once the block is
saved. Prefect is imported when the command runs, so that `customs --help` stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Final, cast
from uuid import UUID

import typer

from flows.events import OVERDUE_EVENT

if TYPE_CHECKING:
    from prefect.automations import Automation

AUTOMATION_NAME: Final = "customs-release-overdue"
# The block `--webhook` saves: `custom-webhook/customs-release-overdue`.
WEBHOOK_BLOCK_NAME: Final = "customs-release-overdue"

# Jinja templates rendered by the server for each event (`event` is the triggering event).
SUBJECT: Final = "GACC release overdue: {{ event.payload.product }} {{ event.payload.period }}"
BODY: Final = (
    "GACC's {{ event.payload.product }} release for {{ event.payload.period }} was due on "
    "{{ event.payload.due_date }} ({{ event.payload.due_source }} date) and is still not in the warehouse "
    "{{ event.payload.days_late }} days later (grace: {{ event.payload.grace_days }} days).\n"
    "Event: {{ event.event }} on {{ event.resource.id }} at {{ event.occurred }}."
)


@dataclass(frozen=True)
class CreatedAutomation:
    automation_id: UUID
    block: str  # `<block type slug>/<block name>`
    replaced: int  # automations of the same name deleted first


def save_webhook_block(url: str) -> str:
    """Save (or overwrite) the webhook block that POSTs `{"subject", "body"}` as JSON to `url`."""
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    block = CustomWebhookNotificationBlock(
        name=WEBHOOK_BLOCK_NAME,
        url=url,
        json_data={"subject": "{{subject}}", "body": "{{body}}"},
        headers=None,
        cookies=None,
    )
    block.save(WEBHOOK_BLOCK_NAME, overwrite=True)
    return f"{block.get_block_type_slug()}/{WEBHOOK_BLOCK_NAME}"


def _notification_block_id(block: str) -> UUID:
    """The document id of a saved notification block `<type slug>/<name>`; ValueError if it is not one."""
    from prefect.blocks.core import Block

    try:
        # Called from sync code, Prefect's dual sync/async methods return the value, not a coroutine.
        loaded = cast(Block, Block.load(block))
    except ValueError as exc:
        raise ValueError(f"no saved block {block!r} (`prefect block ls` lists them): {exc}") from exc
    if "notify" not in loaded.get_block_capabilities():
        raise ValueError(f"block {block!r} is not a notification block")
    if loaded._block_document_id is None:  # a loaded block always has one; mypy cannot know it
        raise ValueError(f"block {block!r} has no document id")
    return loaded._block_document_id


def overdue_automation(block_document_id: UUID) -> Automation:
    """The automation: one notification per `customs.release.overdue` event, as soon as it arrives."""
    from datetime import timedelta

    from prefect.automations import Automation
    from prefect.events.actions import SendNotification
    from prefect.events.schemas.automations import EventTrigger, Posture

    return Automation(
        name=AUTOMATION_NAME,
        description="Notify when a GACC release is overdue (events from the release-calendar deployment).",
        trigger=EventTrigger(
            expect={OVERDUE_EVENT},
            match={"prefect.resource.id": "customs.release.*"},
            # One notification per release: events are grouped by their resource (the release).
            for_each={"prefect.resource.id"},
            posture=Posture.Reactive,
            threshold=1,
            within=timedelta(0),
        ),
        actions=[SendNotification(block_document_id=block_document_id, subject=SUBJECT, body=BODY)],
    )


def create_overdue_automation(*, webhook: str | None = None, block: str | None = None) -> CreatedAutomation:
    """Create the automation on the Prefect API in use, replacing one of the same name."""
    from prefect.automations import Automation
    from prefect.client.orchestration import get_client

    if (webhook is None) == (block is None):
        raise ValueError("give either a webhook URL or a saved notification block, not both")
    block_name = save_webhook_block(webhook) if webhook is not None else str(block)
    block_id = _notification_block_id(block_name)
    with get_client(sync_client=True) as client:
        existing = client.read_automations_by_name(AUTOMATION_NAME)
    for old in existing:
        Automation(**old.model_dump()).delete()
    created = cast("Automation", overdue_automation(block_id).create())
    assert created.id is not None  # set by create()
    return CreatedAutomation(created.id, block_name, len(existing))


automation_app = typer.Typer(
    help="The Prefect automation that notifies of overdue GACC releases.", no_args_is_help=True
)


@automation_app.command("create")
def create_command(
    webhook: Annotated[
        str | None,
        typer.Option("--webhook", help="URL to POST each notification to as JSON {subject, body}"),
    ] = None,
    block: Annotated[
        str | None,
        typer.Option(
            "--block", help="A saved Prefect notification block instead, as <type>/<name> (slack-webhook/ops)"
        ),
    ] = None,
) -> None:
    """Notify on every customs.release.overdue event (run after `prefect deploy`, PREFECT_API_URL set)."""
    if (webhook is None) == (block is None):
        raise typer.BadParameter("give exactly one of --webhook URL or --block TYPE/NAME")
    import httpx
    from prefect.settings import get_current_settings

    api_url = get_current_settings().api.url
    if not api_url:
        # Without it Prefect would answer from a temporary server of its own, and the automation vanish.
        typer.echo("error: PREFECT_API_URL is not set: set it to the server the deployments are on", err=True)
        raise typer.Exit(2)
    try:
        created = create_overdue_automation(webhook=webhook, block=block)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--block" if block else "--webhook") from exc
    except httpx.HTTPError as exc:
        typer.echo(f"error: the Prefect API at {api_url} did not answer: {exc}", err=True)
        raise typer.Exit(1) from exc
    replaced = f" (replacing {created.replaced})" if created.replaced else ""
    typer.echo(
        f"automation {AUTOMATION_NAME} {created.automation_id}{replaced}: "
        f"{OVERDUE_EVENT} -> notification via block {created.block}"
    )
