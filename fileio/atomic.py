"""Atomic, durable file writes: a reader sees the old file or the new one, never half of one.

Each write goes to a temporary file in the target's folder (same file system, so the rename is atomic),
is flushed to disk, and is renamed over the target; then the folder is flushed too, so that the rename
itself survives a power cut (without it the old file, or no file, can come back). A failed write leaves
the old file and no temporary behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from fileio.modes import make_dirs, restrict_file

if TYPE_CHECKING:  # only a type here: the CLI imports this module, and polars costs a second
    import polars as pl


def fsync_directory(directory: Path) -> None:
    """Flush a folder's entries (a rename, a new file) to disk."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, content: bytes) -> None:
    """Write to a temporary file in the same folder, fsync, rename, fsync the folder."""
    make_dirs(path.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        restrict_file(fd)  # mkstemp's 0600 would hide the file from the data root's group
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp_name).replace(path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


def atomic_write_parquet(path: Path, frame: pl.DataFrame, *, row_group_size: int | None = None) -> None:
    """The same for a Parquet file (the manifest, staging, validation results); `row_group_size`: rows
    per row group, else polars' choice."""
    make_dirs(path.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        # Statistics off and a fixed compression keep the bytes a function of the rows alone, so that
        # re-running the same input gives byte-identical files (checked by the idempotency tests).
        frame.write_parquet(tmp_name, compression="zstd", statistics=False, row_group_size=row_group_size)
        restrict_file(Path(tmp_name))
        _fsync_file(Path(tmp_name))
        Path(tmp_name).replace(path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)
