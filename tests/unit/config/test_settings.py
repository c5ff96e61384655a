"""config/settings.py: every path under the data root, the overrides of the command line, the sources."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from config.settings import SOURCES, SOURCES_TEXT, Settings, settings_for
from domain.runs import new_run_id, validation_run_id


def test_every_path_lies_under_the_data_root(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data")
    paths = {
        name: getattr(settings, name)
        for name in dir(Settings)
        if isinstance(getattr(Settings, name, None), property) and name.endswith(("_dir", "_path"))
    }

    assert set(paths) >= {
        "archive_dir",
        "raw_dir",
        "manifest_path",
        "staging_dir",
        "warehouse_path",
        "bi_parquet_dir",
        "reports_dir",
        "quarantine_path",
        "overrides_path",
        "validation_dir",
        "data_docs_dir",
        "prefect_results_dir",
    }
    root = (tmp_path / "data").resolve()
    assert all(path.is_relative_to(root) and path != root for path in paths.values()), paths
    assert len(set(paths.values())) == len(paths)


def test_settings_for_overrides_only_what_it_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUSTOMS_DATA_DIR", str(tmp_path / "from-env"))

    assert settings_for().root == (tmp_path / "from-env").resolve()
    assert settings_for(str(tmp_path / "given")).root == (tmp_path / "given").resolve()
    assert str(settings_for(base_url="http://127.0.0.1:9/").gacc_base_url) == "http://127.0.0.1:9/"


def test_the_sources_are_the_source_names() -> None:
    assert SOURCES == ("demo", "landing", "gacc")
    assert SOURCES_TEXT == "demo, landing or gacc"


def test_run_ids() -> None:
    started = datetime(2025, 12, 9, 8, 0, 5, tzinfo=UTC)

    assert re.fullmatch(r"20251209T080005Z-[0-9a-f]{8}", new_run_id(started))
    assert new_run_id(started) != new_run_id(started)
    assert validation_run_id(started) == "validate-20251209T080005Z"
