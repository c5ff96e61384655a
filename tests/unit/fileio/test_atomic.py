from __future__ import annotations

from pathlib import Path

import pytest

from fileio.atomic import atomic_write_bytes


def test_atomic_write_leaves_the_old_file_when_writing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "f.bin"
    target.write_bytes(b"old")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("fileio.atomic.os.fsync", disk_full)  # failure injection, not a stand-in
    with pytest.raises(OSError, match="No space left"):
        atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]


@pytest.mark.parametrize("kind", ["bytes", "parquet"])
def test_atomic_writes_flush_the_file_and_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    import os

    import polars as pl

    from fileio.atomic import atomic_write_parquet

    synced: list[int] = []  # inodes flushed, in order
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        synced.append(os.fstat(fd).st_ino)
        real_fsync(fd)

    monkeypatch.setattr("fileio.atomic.os.fsync", recording_fsync)  # a spy: the real fsync still runs
    target = tmp_path / "folder" / "f"
    if kind == "bytes":
        atomic_write_bytes(target, b"content")
    else:
        atomic_write_parquet(target, pl.DataFrame({"a": [1, 2]}))
    # The renamed file keeps its inode: its data was flushed, then the folder holding the new name.
    assert synced == [target.stat().st_ino, target.parent.stat().st_ino]
