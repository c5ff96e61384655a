"""Run ids: when a run started (UTC, to the second), and a random suffix for runs started together."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Final

RUN_TIMESTAMP_FORMAT: Final = "%Y%m%dT%H%M%SZ"


def new_run_id(started_at: datetime) -> str:
    """The id of a flow run that may publish: `20251209T080000Z-1a2b3c4d`."""
    return f"{started_at:{RUN_TIMESTAMP_FORMAT}}-{uuid.uuid4().hex[:8]}"


def validation_run_id(started_at: datetime) -> str:
    """The id of a gate run from `customs validate`, which never publishes: `validate-20251209T080000Z`."""
    return f"validate-{started_at:{RUN_TIMESTAMP_FORMAT}}"
