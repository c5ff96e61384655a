"""The raw archive: every fetched or dropped file, content-addressed by SHA-256, never modified.

Files are stored once under `raw/<first two hex>/<sha256><suffix>`; the manifest (Parquet, rewritten
atomically) records where each came from and what became of it. The same bytes twice is a no-op;
different bytes for the same (product, table, edition, period) are a new vintage beside the old one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from domain.errors import ExpectedError
from fileio.atomic import atomic_write_bytes, atomic_write_parquet
from fileio.modes import restrict_file
from warehouse.codes import FileStatus, QuarantineReason
from warehouse.tables import ARCHIVE_MANIFEST


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    path: Path
    is_new: bool


# What `customs repair` records as a file's source when the old manifest could not say; an ingest that
# meets the same bytes again records where they really came from.
UNKNOWN_SOURCE = "unknown (manifest lost; recovered by customs repair)"


class ManifestUnreadableError(ExpectedError, RuntimeError):
    """The manifest file is there but cannot be read (truncated, not Parquet): repair rebuilds it."""


def read_manifest_file(path: Path) -> pl.DataFrame:
    """The manifest at `path`, conformed; a file that cannot be read raises ManifestUnreadableError."""
    try:
        stored = pl.read_parquet(path)
    except FileNotFoundError:
        raise
    except Exception as exc:  # polars, Arrow and the OS each have their own errors for a damaged file
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ManifestUnreadableError(
            f"the archive manifest {path} is unreadable ({reason[:160]}): run `customs repair` to rebuild it "
            "from the raw archive"
        ) from exc
    return ARCHIVE_MANIFEST.conform(_with_quarantine_reason(stored))


class RawArchive:
    """Content-addressed storage plus its manifest."""

    def __init__(self, archive_dir: Path) -> None:
        self.root = archive_dir
        self.raw_dir = archive_dir / "raw"
        self.manifest_path = archive_dir / "manifest.parquet"
        self._manifest: pl.DataFrame | None = None
        self._hashes: set[str] | None = None  # derived from the manifest; kept while it is unchanged

    # --- raw files ---------------------------------------------------------------------------------
    def path_for(self, sha256: str, suffix: str = "") -> Path:
        return self.raw_dir / sha256[:2] / f"{sha256}{suffix}"

    def store(self, content: bytes, suffix: str = "", sha256: str | None = None) -> StoredFile:
        """Store `content` under its SHA-256 (`sha256`, if the caller has just computed it)."""
        digest = sha256 or sha256_hex(content)
        path = self.path_for(digest, suffix)
        if path.exists():
            return StoredFile(digest, path, is_new=False)
        atomic_write_bytes(path, content)
        restrict_file(path, read_only=True)  # immutable by convention and by mode; never world-readable
        return StoredFile(digest, path, is_new=True)

    def read(self, sha256: str) -> bytes:
        matches = sorted((self.raw_dir / sha256[:2]).glob(f"{sha256}*"))
        if not matches:
            raise FileNotFoundError(f"no raw file {sha256} in {self.raw_dir}")
        return matches[0].read_bytes()

    # --- manifest ------------------------------------------------------------------------------------
    @property
    def manifest(self) -> pl.DataFrame:
        if self._manifest is None:
            if self.manifest_path.exists():
                self._manifest = read_manifest_file(self.manifest_path)
            else:
                self._manifest = ARCHIVE_MANIFEST.empty_frame()
        return self._manifest

    def known_hashes(self) -> set[str]:
        # Asked once per incoming file: derived once per manifest change, not per question.
        if self._hashes is None:
            self._hashes = set(self.manifest["source_sha256"].to_list())
        return self._hashes

    def _save(self, manifest: pl.DataFrame) -> None:
        atomic_write_parquet(self.manifest_path, manifest)
        self._manifest = manifest
        self._hashes = None

    def record(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Add manifest rows for new files (a hash already present is left as it is) and save."""
        known = self.known_hashes()
        new = [dict(r) for r in rows if r["source_sha256"] not in known]
        if not new:
            return 0
        frame = ARCHIVE_MANIFEST.conform(pl.DataFrame(new, schema=ARCHIVE_MANIFEST.polars_schema()))
        merged = pl.concat([self.manifest, frame]).unique("source_sha256", keep="first", maintain_order=True)
        merged = merged.sort("retrieved_at", "source_sha256")
        self._save(merged)
        return len(new)

    def replace_rows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Re-record files already in the manifest (a re-parse by a backfill); others are added."""
        fresh = [dict(r) for r in rows]
        if not fresh:
            return
        frame = ARCHIVE_MANIFEST.conform(pl.DataFrame(fresh, schema=ARCHIVE_MANIFEST.polars_schema()))
        kept = self.manifest.filter(~pl.col("source_sha256").is_in(frame["source_sha256"].to_list()))
        merged = pl.concat([kept, frame]).sort("retrieved_at", "source_sha256")
        self._save(merged)

    def update_status(
        self,
        sha256s: Iterable[str],
        status: FileStatus,
        error: str | None,
        quarantine_reason: QuarantineReason | None = None,
    ) -> None:
        """Mark files (a release quarantined by the gate, or released again); the raw bytes stay."""
        wanted = pl.col("source_sha256").is_in(list(sha256s))
        updated = self.manifest.with_columns(
            pl.when(wanted).then(pl.lit(value, dtype=pl.String)).otherwise(column).alias(column)
            for column, value in (
                ("status", status),
                ("quarantine_reason", quarantine_reason),
                ("error", error),
            )
        )
        self._save(ARCHIVE_MANIFEST.conform(updated))


def _with_quarantine_reason(manifest: pl.DataFrame) -> pl.DataFrame:
    """A manifest written before `quarantine_reason` was declared, with the column filled in.

    Those manifests told the two kinds of quarantine apart only by the wording of `error` (the gate's
    message starts "data-quality gate"); read once here, and the next save writes the column."""
    if "quarantine_reason" in manifest.columns:
        return manifest
    quarantined = pl.col("status") == "quarantined"
    by_gate = pl.col("error").str.starts_with("data-quality gate")
    return manifest.with_columns(
        quarantine_reason=pl.when(quarantined & by_gate)
        .then(pl.lit("gate"))
        .when(quarantined)
        .then(pl.lit("parse"))
    )


def utc_now() -> datetime:
    from datetime import UTC

    return datetime.now(UTC)
