"""`customs ingest` from each source, through the real CLI and the real Prefect flow."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
import pytest
from typer.testing import CliRunner, Result

from flows.cli import app
from flows.ingest.sources import demo_releases_dir

if TYPE_CHECKING:
    from tests.integration.test_gacc_source import GaccLikeServer

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

runner = CliRunner()


def _tree_checksums(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_demo_ingest_fills_archive_and_staging_and_a_second_run_changes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = runner.invoke(app, ["ingest", "--source", "demo", "--data-dir", str(data)])
    assert first.exit_code == 0, first.output
    demo_files = sum(1 for p in demo_releases_dir().rglob("*") if p.is_file())
    assert f"{demo_files} new" in first.output

    manifest = pl.read_parquet(data / "archive" / "manifest.parquet")
    assert manifest.height == demo_files
    assert set(manifest["status"]) == {"staged", "index"}
    # The Monthly Bulletin of 2025 too: two tables in two editions, February to December.
    assert manifest.filter((pl.col("product") == "bulletin") & (pl.col("status") == "staged")).height == 44
    assert len(list((data / "archive" / "raw").rglob("*.*"))) == demo_files
    # Every release's pages, both editions, partitioned by table and period.
    by_partner = data / "staging" / "preliminary_cells" / "table_id=by_partner"
    assert (by_partner / "period=2025-01..02").is_dir()
    assert len(list((by_partner / "period=2025-11").glob("*.parquet"))) == 2

    staging_before = _tree_checksums(data / "staging")
    archive_before = _tree_checksums(data / "archive")
    second = runner.invoke(app, ["ingest", "--source", "demo", "--data-dir", str(data)])
    assert second.exit_code == 0, second.output
    assert "0 new" in second.output
    assert "archive and staging unchanged" in second.output
    assert _tree_checksums(data / "staging") == staging_before
    assert _tree_checksums(data / "archive") == archive_before


def test_landing_folder_ingest_recognises_files_by_content(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    pages = sorted((demo_releases_dir() / "2025" / "pages").glob("*.html"))[:6]
    for i, page in enumerate(pages):
        shutil.copy(page, landing / f"dropped_{i}.html")  # names say nothing: content does
    csv = next((demo_releases_dir() / "online_query").glob("*.csv"))
    shutil.copy(csv, landing / "hs8_by_partner_imports_2024.csv")
    (landing / ".partial.html").write_text("half a page")  # hidden files are not releases

    result = runner.invoke(
        app, ["ingest", "--source", "landing", "--path", str(landing), "--data-dir", str(tmp_path / "data")]
    )
    assert result.exit_code == 0, result.output
    manifest = pl.read_parquet(tmp_path / "data" / "archive" / "manifest.parquet")
    assert manifest.height == 7
    assert manifest.filter(pl.col("product") == "online_query").height == 1
    assert manifest.filter(pl.col("product") == "preliminary").height == 6
    assert manifest["status"].unique().to_list() == ["staged"]


def test_landing_csv_without_direction_in_its_name_is_quarantined(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    csv = next((demo_releases_dir() / "online_query").glob("*.csv"))
    shutil.copy(csv, landing / "hs8_by_partner_2024.csv")
    result = runner.invoke(
        app, ["ingest", "--source", "landing", "--path", str(landing), "--data-dir", str(tmp_path / "data")]
    )
    # Nothing it took in was staged: the command did not do what it said.
    assert result.exit_code == 1, result.output
    assert "error: every new file was quarantined (1" in result.output
    manifest = pl.read_parquet(tmp_path / "data" / "archive" / "manifest.parquet")
    row = manifest.row(0, named=True)
    assert row["status"] == "quarantined"
    assert "hs8_by_partner_2024.csv" in row["error"]
    assert "the name says neither export nor import" in row["error"]
    assert "give --direction import|export" in row["error"]
    assert "\n" not in row["error"]
    assert not (tmp_path / "data" / "staging").exists()


def _demo_export_parts(parts: int) -> list[bytes]:
    """The demo's online-query export cut into `parts` exports of its own (header and a share of the
    lines each), so that every file has bytes of its own."""
    csv = next((demo_releases_dir() / "online_query").glob("*.csv")).read_bytes()
    header, *lines = csv.split(b"\n")[:-1]
    return [b"\n".join([header, *lines[i::parts]]) + b"\n" for i in range(parts)]


def _staged_directions(data: Path) -> dict[str, str]:
    """Landing file name -> direction of its staged online-query rows."""
    manifest = pl.read_parquet(data / "archive" / "manifest.parquet").filter(pl.col("status") == "staged")
    staged = pl.read_parquet(data / "staging" / "online_query_records" / "**" / "*.parquet")
    directions = dict(staged.select("release_id", "direction").unique().iter_rows())
    return {
        Path(uri).name: directions[release]
        for uri, release in manifest.select("source_uri", "release_id").iter_rows()
    }


def test_landing_exports_named_as_gacc_users_save_them(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    names = ("2024in.csv", "2024out.csv", "大豆_进口.csv", "大豆_出口.csv")
    for name, content in zip(names, _demo_export_parts(len(names)), strict=True):
        (landing / name).write_bytes(content)
    data = tmp_path / "data"
    result = runner.invoke(
        app, ["ingest", "--source", "landing", "--path", str(landing), "--data-dir", str(data)]
    )
    assert result.exit_code == 0, result.output
    assert "0 quarantined" in result.output
    assert _staged_directions(data) == {
        "2024in.csv": "import",
        "2024out.csv": "export",
        "大豆_进口.csv": "import",
        "大豆_出口.csv": "export",
    }


def test_landing_direction_option_names_the_flow_of_exports_whose_names_do_not(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    quiet, loud = _demo_export_parts(2)
    (landing / "hs8_by_partner_2024.csv").write_bytes(quiet)
    (landing / "2024out.csv").write_bytes(loud)  # says export: --direction import contradicts it
    data = tmp_path / "data"
    result = runner.invoke(
        app,
        [
            "ingest",
            "--source",
            "landing",
            "--path",
            str(landing),
            "--direction",
            "import",
            "--data-dir",
            str(data),
        ],
    )
    assert result.exit_code == 0, result.output
    assert _staged_directions(data) == {"hs8_by_partner_2024.csv": "import"}
    manifest = pl.read_parquet(data / "archive" / "manifest.parquet")
    rejected = manifest.filter(pl.col("status") == "quarantined").row(0, named=True)
    assert rejected["error"].endswith("2024out.csv: the name says export but --direction says import")


@pytest.mark.parametrize("command", ["ingest", "run"])
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--source", "landing", "--path", ".", "--direction", "both"], "unknown direction 'both'"),
        (["--source", "demo", "--direction", "import"], "only with --source landing"),
    ],
)
def test_a_bad_direction_option_is_a_usage_error(
    tmp_path: Path, command: str, arguments: list[str], message: str
) -> None:
    result = runner.invoke(app, [command, *arguments, "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "archive").exists()


def _ingest_from(server: GaccLikeServer, data_dir: str) -> Result:
    """`customs ingest --source gacc` of 2025 from the GACC-like test server."""
    return runner.invoke(
        app,
        [
            "ingest",
            "--source",
            "gacc",
            "--base-url",
            server.base_url,
            "--year",
            "2025",
            "--data-dir",
            data_dir,
        ],
    )


def test_gacc_source_through_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.integration.test_gacc_source import GaccLikeServer

    monkeypatch.setenv("CUSTOMS_GACC_INDEX_PATH", "/index?year={year}")
    monkeypatch.setenv("CUSTOMS_HTTP_POLITE_DELAY_SECONDS", "0")
    with GaccLikeServer(2025) as server:
        result = _ingest_from(server, str(tmp_path / "data"))
    assert result.exit_code == 0, result.output
    manifest = pl.read_parquet(tmp_path / "data" / "archive" / "manifest.parquet")
    staged = manifest.filter(pl.col("status") == "staged")
    # The preliminary release's pages, then the Monthly Bulletin's (every page its index lists).
    assert staged.filter(pl.col("product") == "preliminary").height == len(server.pages)
    assert staged.filter(pl.col("product") == "bulletin").height == len(server.bulletin_pages) - 1 == 44
    assert manifest.filter(pl.col("status") == "index").height == 2
    assert all(uri.startswith(server.base_url) for uri in manifest["source_uri"])


def test_gacc_source_without_the_bulletin_crawls_the_preliminary_release_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.integration.test_gacc_source import BULLETIN_INDEX_PATH, GaccLikeServer

    monkeypatch.setenv("CUSTOMS_GACC_INDEX_PATH", "/index?year={year}")
    monkeypatch.setenv("CUSTOMS_HTTP_POLITE_DELAY_SECONDS", "0")
    monkeypatch.setenv("CUSTOMS_GACC_BULLETIN", "false")
    with GaccLikeServer(2025) as server:
        result = _ingest_from(server, str(tmp_path))
    assert result.exit_code == 0, result.output
    assert server.requests[BULLETIN_INDEX_PATH] == 0
    manifest = pl.read_parquet(tmp_path / "archive" / "manifest.parquet")
    assert set(manifest.filter(pl.col("status") == "staged")["product"]) == {"preliminary"}


def test_a_failing_bulletin_index_fails_the_crawl_after_the_preliminary_pages_are_staged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.integration.test_gacc_source import GaccLikeServer

    monkeypatch.setenv("CUSTOMS_GACC_INDEX_PATH", "/index?year={year}")
    monkeypatch.setenv("CUSTOMS_GACC_BULLETIN_INDEX_PATH", "/statics/report/moved.html")
    monkeypatch.setenv("CUSTOMS_HTTP_POLITE_DELAY_SECONDS", "0")
    with GaccLikeServer(2025) as server:
        result = _ingest_from(server, str(tmp_path))
    assert result.exit_code != 0
    assert f"Bulletin index {server.base_url}/statics/report/moved.html: 404 Not Found" in result.output
    manifest = pl.read_parquet(tmp_path / "archive" / "manifest.parquet")
    assert manifest.filter(pl.col("status") == "staged").height == len(server.pages)


def test_unknown_source_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ingest", "--source", "ftp", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "error: --source ftp: unknown source; choose demo, landing or gacc" in result.output
