"""The landing folder reads only regular files inside it, never through a symlink; what the job writes
is readable by the data root's owner and group, and by nobody else."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from config.settings import Settings
from flows.ingest.pipeline import ingest
from flows.ingest.sources import LandingSource
from tests.conftest import land_demo_months
from tests.reliability.conftest import run_customs
from tests.reliability.files import good_pages


@pytest.fixture(autouse=True)
def _keep_umask() -> Iterator[None]:
    # The ingest sets the process umask from the settings; the tests after these keep theirs.
    previous = os.umask(0o022)
    os.umask(previous)
    yield
    os.umask(previous)


def test_symlinks_are_never_followed_out_of_the_landing_folder(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    pages = good_pages(3)
    for i, page in enumerate(pages[:2]):
        (landing / f"good_{i}.html").write_bytes(page)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.html").write_bytes(pages[2])
    (landing / "passwd.html").symlink_to("/etc/passwd")
    (landing / "elsewhere").symlink_to(outside, target_is_directory=True)
    (landing / "good_again.html").symlink_to(landing / "good_0.html")  # inside, but still a link
    settings = Settings(data_dir=tmp_path / "data")

    with caplog.at_level(logging.WARNING, logger="flows.ingest.pipeline"):
        report = ingest(LandingSource(landing), settings)

    root = landing.resolve()
    assert report.refused == [
        (
            str(root / name),
            f"{root / name}: a symbolic link, not read (only regular files inside the landing folder are)",
        )
        for name in ("elsewhere", "good_again.html", "passwd.html")
    ]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [f"refused {why}" for _, why in report.refused]
    manifest = pl.read_parquet(settings.manifest_path)
    assert sorted(manifest["source_uri"]) == [str(root / "good_0.html"), str(root / "good_1.html")]
    assert set(manifest["status"]) == {"staged"}
    # Nothing from outside the folder reached the archive.
    archived = [p.read_bytes() for p in settings.raw_dir.rglob("*.*")]
    assert len(archived) == 2
    assert Path("/etc/passwd").read_bytes() not in archived
    assert pages[2] not in archived


def _modes(root: Path) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {"dirs": set(), "raw": set(), "files": set()}
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        if path.is_dir():
            found["dirs"].add(mode)
        elif path.is_relative_to(root / "archive" / "raw"):
            found["raw"].add(mode)
        else:
            found["files"].add(mode)
    return found


def test_everything_the_ingest_writes_is_for_owner_and_group_only(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    for i, page in enumerate(good_pages(2)):
        (landing / f"good_{i}.html").write_bytes(page)
    settings = Settings(data_dir=tmp_path / "data")

    ingest(LandingSource(landing), settings)

    # Raw files are immutable as well: read-only for the owner and the group.
    assert _modes(settings.root) == {"dirs": {0o750}, "raw": {0o440}, "files": {0o640}}


def test_file_and_folder_modes_are_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "good.html").write_bytes(good_pages(1)[0])
    monkeypatch.setenv("CUSTOMS_FILE_MODE", "0660")  # octal, as chmod takes it
    monkeypatch.setenv("CUSTOMS_DIR_MODE", "0770")
    settings = Settings(data_dir=tmp_path / "data")
    assert (settings.file_mode, settings.dir_mode) == (0o660, 0o770)

    ingest(LandingSource(landing), settings)

    assert _modes(settings.root) == {"dirs": {0o770}, "raw": {0o440}, "files": {0o660}}


@pytest.mark.slow
def test_a_whole_run_writes_nothing_others_can_read(tmp_path: Path, prefect_api_url: str) -> None:
    # The archive, staging, the warehouse, BI Parquet, reports and gate results: group-readable, not world.
    # Two months of the demo make every one of them, as its three years would.
    data, landing = tmp_path / "data", tmp_path / "landing"
    land_demo_months(landing, "2025-11", "2025-12")
    os.umask(0o022)  # a user's usual umask, whatever an earlier test left in this process (restored after)
    run = run_customs(
        ["run", "--source", "landing", "--path", str(landing), "--data-dir", str(data)],
        tmp_path,
        prefect_api_url,
    )

    assert run.exit_code == 0, run.output
    assert "published" in run.output
    modes = {
        path.relative_to(data).as_posix(): stat.S_IMODE(path.lstat().st_mode)
        for path in [data, *data.rglob("*")]
        if not path.is_symlink()
    }
    assert (data / "warehouse.duckdb").is_file()
    assert any(name.startswith("bi/") for name in modes)
    assert any(name.startswith("reports/") for name in modes)
    world = {name: oct(mode) for name, mode in modes.items() if mode & 0o007}
    assert world == {}
    unreadable_by_group = {name: oct(mode) for name, mode in modes.items() if not mode & 0o040}
    assert unreadable_by_group == {}
