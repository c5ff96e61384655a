"""One settings model for the whole job: every path derives from one data root.

Values come from arguments, then `CUSTOMS_*` environment variables, then the defaults below.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Final, Literal, get_args

from pydantic import Field, HttpUrl, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Where files come from: the bundled demo releases, a landing folder, or GACC's English site.
SourceName = Literal["demo", "landing", "gacc"]
SOURCES: Final[tuple[SourceName, ...]] = get_args(SourceName)
SOURCES_TEXT: Final = ", ".join(SOURCES[:-1]) + " or " + SOURCES[-1]  # "demo, landing or gacc"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CUSTOMS_", frozen=True, extra="ignore")

    data_dir: Path = Field(Path("data"), description="Root of everything the job writes")
    gacc_base_url: HttpUrl = Field(HttpUrl("http://english.customs.gov.cn"), description="GACC English site")
    # GACC's index page picks the year with a form; the query string form is what the site answers to.
    gacc_index_path: str = Field(
        "/Statistics/Statistics?ColumnId=1&year={year}",
        description="Path of the yearly preliminary-release index page, with a {year} placeholder",
    )
    # The Monthly Bulletin's index: the current year's page, and the older years' pages (their addresses
    # are read from the current page where it names them; this pattern is the fallback).
    gacc_bulletin_index_path: str = Field(
        "/statics/report/monthly.html", description="Path of the Monthly Bulletin index page (current year)"
    )
    gacc_bulletin_year_path: str = Field(
        "/statics/report/monthly{year}.html",
        description="Path of an earlier year's Monthly Bulletin index page, with a {year} placeholder",
    )
    gacc_bulletin: bool = Field(
        True,
        description="With --source gacc, crawl the Monthly Bulletin index and pages too, after the "
        "preliminary release (false: the preliminary release only)",
    )
    http_timeout_seconds: float = Field(30.0, gt=0)
    http_retries: int = Field(4, ge=0, description="Retries after the first attempt, on 5xx and timeouts")
    http_backoff_seconds: float = Field(2.0, ge=0, description="First retry delay; doubles each retry")
    http_polite_delay_seconds: float = Field(1.0, ge=0, description="Pause between two page requests")
    prefect_startup_timeout_seconds: int = Field(
        180,
        gt=0,
        description="How long a command waits for its temporary Prefect server (Prefect's own default, 20 s, "
        "is not enough on a busy machine)",
    )
    user_agent: str = Field(
        "customs-warehouse/0.1 (open-source GACC statistics pipeline; +https://pypi.org/project/customs-warehouse)",
    )

    # --- limits on hostile input: defaults far above any real GACC file (pages are under 100 KB, with
    # tags nested under 20 deep), low enough that one bad file cannot exhaust the machine.
    max_file_bytes: int = Field(
        64 * 1024 * 1024,
        gt=0,
        description="Largest file read from any source; larger ones are refused unread",
    )
    max_field_bytes: int = Field(
        1024 * 1024, gt=0, description="Longest CSV field (and CSV line) a parser accepts"
    )
    max_html_depth: int = Field(256, gt=0, description="Deepest nesting of HTML elements a parser accepts")
    max_parse_seconds: float = Field(60.0, gt=0, description="Longest time one file may take to parse")
    parse_processes: int = Field(
        default_factory=lambda: min(4, os.cpu_count() or 1),
        ge=1,
        description="Processes that parse large online-query exports at once, the ingest's own included "
        "(1: one file at a time, no process started)",
    )
    http_max_response_bytes: int = Field(
        32 * 1024 * 1024, gt=0, description="Largest response body, counted after decompression"
    )
    http_request_deadline_seconds: float = Field(
        120.0, gt=0, description="Longest time one request may take in all, however the bytes trickle in"
    )
    http_max_redirects: int = Field(5, ge=0, description="Redirects followed per request (same host only)")
    # Who may read what the job writes: the data root's owner and group (BI readers), nobody else.
    file_mode: int = Field(0o640, ge=0, le=0o777, description="Mode of every file the job writes")
    dir_mode: int = Field(0o750, ge=0, le=0o777, description="Mode of every folder the job creates")

    @field_validator("file_mode", "dir_mode", mode="before")
    @classmethod
    def _octal(cls, value: object) -> object:
        # Modes are written the way chmod takes them: CUSTOMS_FILE_MODE=0640 means 0o640, not 640.
        if isinstance(value, str):
            return int(value, 8)
        return value

    @cached_property
    def root(self) -> Path:
        return self.data_dir.expanduser().resolve()

    @property
    def archive_dir(self) -> Path:
        return self.root / "archive"

    @property
    def raw_dir(self) -> Path:
        return self.archive_dir / "raw"

    @property
    def manifest_path(self) -> Path:
        return self.archive_dir / "manifest.parquet"

    @property
    def staging_dir(self) -> Path:
        return self.root / "staging"

    @property
    def warehouse_path(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def bi_parquet_dir(self) -> Path:
        return self.root / "bi"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    @property
    def quarantine_path(self) -> Path:
        return self.root / "quarantine.parquet"

    @property
    def overrides_path(self) -> Path:
        """The append-only log of reviewed overrides (JSON lines)."""
        return self.root / "overrides.jsonl"

    @property
    def validation_dir(self) -> Path:
        """The gate's results, a Parquet file per run."""
        return self.root / "validation"

    @property
    def data_docs_dir(self) -> Path:
        return self.root / "data_docs"

    @property
    def prefect_results_dir(self) -> Path:
        """The backfill's per-period results: what lets a re-run skip finished periods."""
        return self.root / "prefect-results"

    def index_url(self, year: int) -> str:
        return str(self.gacc_base_url).rstrip("/") + self.gacc_index_path.format(year=year)

    def bulletin_index_url(self, year: int | None = None) -> str:
        """The Bulletin index: the current year's page (`year` None), else the pattern's page of `year`."""
        path = (
            self.gacc_bulletin_index_path if year is None else self.gacc_bulletin_year_path.format(year=year)
        )
        return str(self.gacc_base_url).rstrip("/") + path


def settings_for(data_dir: str | Path | None = None, base_url: str | None = None) -> Settings:
    """Settings from the environment, with the data root and the GACC base URL overridden when given."""
    overrides: dict[str, object] = {}
    if data_dir is not None:
        overrides["data_dir"] = Path(data_dir)
    if base_url is not None:
        overrides["gacc_base_url"] = base_url
    return Settings(**overrides)  # type: ignore[arg-type]
