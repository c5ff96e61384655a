"""Run ids: when a run started (UTC, to the second), and a random suffix for runs started together."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Final

RUN_TIMESTAMP_FORMAT: Final = "%Y%m%dT%H%M%SZ"
VALIDATION_RUN_PREFIX: Final = "validate-"


def new_run_id(started_at: datetime) -> str:
    """The id of a flow run that may publish: `20251209T080000Z-1a2b3c4d`."""
    return f"{started_at:{RUN_TIMESTAMP_FORMAT}}-{uuid.uuid4().hex[:8]}"


def validation_run_id(started_at: datetime) -> str:
    """The id of a gate run from `customs validate`, which never publishes: `validate-20251209T080000Z`."""
    return f"{VALIDATION_RUN_PREFIX}{started_at:{RUN_TIMESTAMP_FORMAT}}"


def is_validation_run_id(run_id: str) -> bool:
    """A gate run of `customs validate` (whose Data Docs must not replace a publishing run's)."""
    return run_id.startswith(VALIDATION_RUN_PREFIX)
