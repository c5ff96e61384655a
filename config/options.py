"""Command-line options shared by every `customs` command, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DataDirOpt = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data root (default: $CUSTOMS_DATA_DIR or ./data)", show_default=False),
]
