"""Who may read what the job writes: the data root's owner and its group (BI readers), nobody else.

The modes come from the settings (`file_mode`, `dir_mode`); `use_modes` is called once per command and
every place that creates a file or a folder goes through `restrict_file` / `make_dirs`. The process
umask is set to match, so files created by libraries (DuckDB, reports) get the same modes.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_FILE_MODE = 0o640
DEFAULT_DIR_MODE = 0o750
# Raw archive files are immutable: the file mode without any write bit.
_WRITE_BITS = 0o222

_modes = {"file": DEFAULT_FILE_MODE, "dir": DEFAULT_DIR_MODE}


def use_modes(file_mode: int, dir_mode: int) -> None:
    """Set the modes of everything written from now on in this process."""
    _modes["file"] = file_mode
    _modes["dir"] = dir_mode
    os.umask(0o777 & ~(file_mode | dir_mode))


def file_mode(*, read_only: bool = False) -> int:
    return _modes["file"] & ~_WRITE_BITS if read_only else _modes["file"]


def dir_mode() -> int:
    return _modes["dir"]


def restrict_file(target: Path | int, *, read_only: bool = False) -> None:
    """Give a file (a path, or an open descriptor such as mkstemp's 0600 one) the job's file mode."""
    mode = file_mode(read_only=read_only)
    if isinstance(target, int):
        os.fchmod(target, mode)
    else:
        target.chmod(mode)


def make_dirs(path: Path) -> None:
    """`mkdir -p` whose new folders get the job's folder mode whatever the umask."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    path.mkdir(parents=True, exist_ok=True)
    for folder in missing:
        folder.chmod(_modes["dir"])
