"""The names of the Prefect events the flows emit, for the flows that emit them and the automations that
react to them (a light module: `customs --help` imports it)."""

from __future__ import annotations

from typing import Final

OVERDUE_EVENT: Final = "customs.release.overdue"
