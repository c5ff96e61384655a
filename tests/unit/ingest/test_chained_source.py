"""ChainedSource: GACC's site is read as the preliminary release, then the Monthly Bulletin."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.ingest.sources import ChainedSource, FetchedFile, LandingSource, SourceError


def test_a_failing_source_does_not_keep_the_next_from_running_and_every_failure_is_raised(
    tmp_path: Path,
) -> None:
    missing, other_missing, folder = tmp_path / "missing", tmp_path / "gone", tmp_path / "landing"
    folder.mkdir()
    (folder / "page.html").write_bytes(b"<html></html>")
    chained = ChainedSource(
        "gacc", LandingSource(missing), LandingSource(folder), LandingSource(other_missing)
    )
    seen: list[str] = []
    with pytest.raises(
        SourceError, match=rf"^landing folder {missing} does not exist .*; landing folder {other_missing}"
    ):
        for file in chained.files(set()):
            assert isinstance(file, FetchedFile)
            seen.append(file.original_name)
    assert seen == ["page.html"]
    assert chained.name == "gacc"


def test_sources_are_read_in_order(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for folder, name in ((first, "b.html"), (second, "a.html")):
        folder.mkdir()
        (folder / name).write_bytes(b"<html></html>")
    files = list(ChainedSource("gacc", LandingSource(first), LandingSource(second)).files(set()))
    assert [f.original_name for f in files if isinstance(f, FetchedFile)] == ["b.html", "a.html"]
