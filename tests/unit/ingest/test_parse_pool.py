"""Online-query exports parsed in worker processes (flows.ingest.parse_pool): the same staging, manifest and
errors as one process parsing every file, real files into real data roots, with real spawned workers.

`EVERY_EXPORT` sends every export to a worker when one is free, so that small exports exercise the pool;
the demo's table pages sit between them, so that a page waits for the exports before it.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import polars as pl
import pytest

from config.settings import Settings
from flows.ingest.archive import RawArchive
from flows.ingest.parse_pool import ParsePool, WorkerDiedError
from flows.ingest.pipeline import IngestReport, PoolPolicy, ingest
from flows.ingest.sources import LandingSource, demo_releases_dir

pytestmark = pytest.mark.slow  # each pool spawns its worker processes

HEADER = (
    '"数据年月","贸易伙伴编码","贸易伙伴名称","商品编码","商品名称","第一数量","第一计量单位",'
    '"第二数量","第二计量单位","人民币",'
)
EVERY_EXPORT = PoolPolicy(min_bytes=0, after_exports=0)
PARTNERS = (("110", "中国香港"), ("116", "日本"), ("133", "韩国"), ("502", "美国"), ("303", "英国"))


def export(month: str, lines: int, *, seed: int) -> bytes:
    """A GACC online-query export of `month` (YYYYMM): `lines` records, GBK, a trailing comma per line."""
    rows = [HEADER]
    for i in range(lines):
        code, name = PARTNERS[i % len(PARTNERS)]
        hs = f"{10000000 + (i // len(PARTNERS)) * 7 + seed:08d}"
        quantity, value = (i * 37 + seed) % 100_000, (i * 7919 + seed) % 10_000_000 + 1
        rows.append(
            f'"{month}","{code}","{name}","{hs}","商品{i % 97}","{quantity:,}","千克","0","?","{value:,}",'
        )
    return ("\n".join(rows) + "\n").encode("gbk")


def _landing(tmp_path: Path, exports: dict[str, bytes]) -> Path:
    """The exports, and two demo table pages named to sort between them (a landing folder is read in
    name order)."""
    landing = tmp_path / "landing"
    landing.mkdir(parents=True)
    for name, content in exports.items():
        (landing / name).write_bytes(content)
    pages = sorted((demo_releases_dir() / "2025" / "pages").iterdir())[:2]
    for i, page in enumerate(pages):
        shutil.copyfile(page, landing / f"b{i}_page.html")
    return landing


def _exports() -> dict[str, bytes]:
    return {
        "a1_202401_export.csv": export("202401", 3000, seed=1),
        "a2_202401_import.csv": export("202401", 3000, seed=2),
        "a3_202402_export.csv": export("202402", 2000, seed=3),
        "a4_same_bytes_as_a1_export.csv": export("202401", 3000, seed=1),
        "c1_202403_export.csv": export("202403", 2500, seed=4),
        "c2_202403_import.csv": export("202403", 2500, seed=5),
    }


def _ingest(landing: Path, data: Path, processes: int, **limits: float) -> tuple[IngestReport, Settings]:
    settings = Settings(data_dir=data, parse_processes=processes, **limits)
    return ingest(LandingSource(landing), settings, pool_policy=EVERY_EXPORT), settings


def _staging(settings: Settings) -> dict[str, bytes]:
    return {
        str(path.relative_to(settings.staging_dir)): path.read_bytes()
        for path in sorted(settings.staging_dir.rglob("*"))
        if path.is_file()
    }


def _manifest(settings: Settings) -> pl.DataFrame:
    # Retrieval times are the clock's; every other column, and the order, must be the same.
    return RawArchive(settings.archive_dir).manifest.drop("retrieved_at")


def test_the_pool_stages_and_records_exactly_what_one_process_does(tmp_path: Path) -> None:
    landing = _landing(tmp_path, _exports())

    serial, serial_settings = _ingest(landing, tmp_path / "serial", processes=1)
    pooled, pooled_settings = _ingest(landing, tmp_path / "pooled", processes=2)

    assert serial.parsed_elsewhere == 0
    assert pooled.parsed_elsewhere >= 2  # the worker took exports while this process parsed others
    assert pooled.staged == serial.staged  # the same files, recorded in the same (arrival) order
    assert len(serial.staged) == 7  # five distinct exports and two table pages
    assert (pooled.unchanged_files, serial.unchanged_files) == (1, 1)  # a4: a1's bytes again
    assert pooled.new_release_ids == serial.new_release_ids
    assert pooled.quarantined == serial.quarantined == []
    assert _staging(pooled_settings) == _staging(serial_settings)  # byte for byte
    assert _manifest(pooled_settings).equals(_manifest(serial_settings))
    # Written with the run's modes in the worker too (flows.ingest.pipeline.stage_elsewhere).
    assert {p.stat().st_mode & 0o777 for p in pooled_settings.staging_dir.rglob("*.parquet")} == {0o640}

    again, _ = _ingest(landing, tmp_path / "pooled", processes=2)
    assert (again.new_files, again.staged, again.parsed_elsewhere) == (0, [], 0)  # nothing is parsed twice
    assert _staging(pooled_settings) == _staging(serial_settings)


def test_a_bad_export_in_a_worker_is_quarantined_in_one_line_and_the_others_are_staged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    exports = _exports()
    lines = exports["a1_202401_export.csv"].decode("gbk").splitlines()
    assert lines[1236].startswith('"202401","110",')  # the file's line 1237
    lines[1236] = lines[1236].replace('"110"', '"11O"', 1)  # a letter O in a partner code
    # The first export always goes to the worker (it is free); a4 stays a1's bytes again.
    exports["a1_202401_export.csv"] = exports["a4_same_bytes_as_a1_export.csv"] = (
        "\n".join(lines) + "\n"
    ).encode("gbk")
    landing = _landing(tmp_path, exports)
    bad = str(landing.resolve() / "a1_202401_export.csv")

    with caplog.at_level(logging.ERROR, logger="flows.ingest.pipeline"):
        pooled, settings = _ingest(landing, tmp_path / "pooled", processes=2)
    logged = [r for r in caplog.records if r.name == "flows.ingest.pipeline"]
    serial, _ = _ingest(landing, tmp_path / "serial", processes=1)

    error = f"file {bad}, row 1237, column '贸易伙伴编码': partner code '11O' is not 3 digits"
    assert pooled.quarantined == serial.quarantined == [(bad, error)]
    assert pooled.parsed_elsewhere >= 1
    assert len(pooled.staged) == 6 and pooled.staged == serial.staged
    assert (pooled.unchanged_files, serial.unchanged_files) == (1, 1)
    # The worker's log line is logged here, once, as this process would have logged it.
    assert [r.getMessage() for r in logged] == [f"quarantined {error}"]
    assert logged[0].process != os.getpid()
    manifest = RawArchive(settings.archive_dir).manifest
    quarantined = manifest.filter(pl.col("status") == "quarantined")
    assert quarantined.select("source_uri", "quarantine_reason", "error").rows() == [(bad, "parse", error)]


def test_the_parse_time_limit_holds_in_a_worker_process(tmp_path: Path) -> None:
    # No export is parsed in a microsecond: each one runs out of time, in whichever process it is parsed.
    exports = {name: content for name, content in _exports().items() if name.startswith("a")}
    landing = tmp_path / "landing"
    landing.mkdir()
    for name, content in exports.items():
        (landing / name).write_bytes(content)

    report, _ = _ingest(landing, tmp_path / "data", processes=2, max_parse_seconds=1e-6)

    assert report.parsed_elsewhere >= 1
    assert report.staged == []
    assert [error for _, error in report.quarantined] == [
        f"file {landing.resolve() / name}: parsing took longer than 1e-06 s (CUSTOMS_MAX_PARSE_SECONDS)"
        for name in ("a1_202401_export.csv", "a2_202401_import.csv", "a3_202402_export.csv")
    ]


def test_small_exports_start_no_worker(tmp_path: Path) -> None:
    landing = _landing(tmp_path, _exports())
    settings = Settings(data_dir=tmp_path / "data", parse_processes=2)

    report = ingest(LandingSource(landing), settings)  # the default policy: these exports are small

    assert report.parsed_elsewhere == 0
    assert len(report.staged) == 7


def test_a_run_of_two_large_exports_starts_no_worker_and_one_of_more_does(tmp_path: Path) -> None:
    # Exports of any size count as large here; the first two are parsed in this process (a monthly run).
    exports = _exports()
    monthly = {name: exports[name] for name in ("a1_202401_export.csv", "a2_202401_import.csv")}
    policy = PoolPolicy(min_bytes=0)
    settings = Settings(data_dir=tmp_path / "monthly", parse_processes=2)

    assert (
        ingest(
            LandingSource(_landing(tmp_path / "m", monthly)), settings, pool_policy=policy
        ).parsed_elsewhere
        == 0
    )

    settings = Settings(data_dir=tmp_path / "backfill", parse_processes=2)
    report = ingest(LandingSource(_landing(tmp_path / "b", exports)), settings, pool_policy=policy)
    assert report.parsed_elsewhere >= 1  # the third export, at least, went to the worker
    assert len(report.staged) == 7


def test_a_worker_that_dies_in_a_job_stops_the_run_with_one_line_naming_the_file() -> None:
    pool = ParsePool(1)
    try:
        job = pool.submit("landing/202401_export.csv", os._exit, 9)  # the worker ends, as if killed
        with pytest.raises(
            WorkerDiedError,
            match=r"^the process parsing landing/202401_export\.csv ended before it was done \(killed, or out",
        ):
            job.result()
    finally:
        pool.close()
