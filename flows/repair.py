"""`customs repair`: the manifest and staging rebuilt from the raw archive, the source of truth.

Raw files are content-addressed and never modified, so every fact the manifest and staging hold about a
file's content can be derived again by parsing it: its kind, table, period, release, staging rows. What
the bytes do not say (where a file came from, when it was retrieved, its original name) is taken from the
old manifest when it can be read; otherwise the source is recorded as unknown, the name as the archive's
and the time as when the archive stored the file, until an ingest meets the same bytes again and
records them (an online-query export, whose flow is only in its name, is quarantined until then). A gate quarantine is a decision, not a fact of the
file: it is carried over from the old manifest.

The new manifest is built beside the old one and swapped in at the end; the old one is kept, renamed,
and named in the report (an unreadable one too: it may matter to whoever looks into what happened).
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from config.settings import Settings
from fileio.atomic import atomic_write_parquet
from fileio.modes import use_modes
from flows.ingest.archive import (
    UNKNOWN_SOURCE,
    ManifestUnreadableError,
    RawArchive,
    read_manifest_file,
    sha256_hex,
)
from flows.ingest.pipeline import hints_from_manifest, process_file
from flows.ingest.sources import FetchedFile
from warehouse.tables import ARCHIVE_MANIFEST

log = logging.getLogger(__name__)


@dataclass
class RepairReport:
    raw_files: int = 0
    staged: int = 0
    index_pages: int = 0
    quarantined: list[tuple[str, str]] = field(default_factory=list)  # (source_uri, error)
    provenance_unknown: int = 0  # files the old manifest did not describe
    corrupt: list[str] = field(default_factory=list)  # raw files whose bytes no longer match their name
    old_manifest_kept: Path | None = None
    old_manifest_unreadable: bool = False

    def summary(self) -> str:
        kept = (
            f"; old manifest {'(unreadable) ' if self.old_manifest_unreadable else ''}kept as {self.old_manifest_kept}"
            if self.old_manifest_kept
            else ""
        )
        return (
            f"repaired from {self.raw_files} raw files: {self.staged} staged, {self.index_pages} index pages, "
            f"{len(self.quarantined)} quarantined, {self.provenance_unknown} of unknown source, "
            f"{len(self.corrupt)} corrupt{kept}"
        )


def _raw_files(raw_dir: Path) -> list[Path]:
    # Temporaries of an interrupted write start with a dot and are not archive content.
    return sorted(p for p in raw_dir.glob("*/*") if p.is_file() and not p.name.startswith("."))


def _old_manifest(settings: Settings, report: RepairReport) -> dict[str, dict[str, Any]]:
    path = settings.manifest_path
    if not path.exists():
        return {}
    try:
        rows = {r["source_sha256"]: r for r in read_manifest_file(path).iter_rows(named=True)}
    except ManifestUnreadableError as exc:
        log.warning("%s", exc)
        report.old_manifest_unreadable = True
        rows = {}
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = path.with_name(
        f"{path.name}.{'unreadable' if report.old_manifest_unreadable else 'before-repair'}-{stamp}"
    )
    shutil.copy2(path, kept)  # copied, not moved: until the new one is in place the old one stays put
    report.old_manifest_kept = kept
    return rows


def repair_archive(settings: Settings) -> RepairReport:
    """Re-parse every raw file, re-stage it and write a new manifest; see the module's docstring."""
    use_modes(settings.file_mode, settings.dir_mode)
    report = RepairReport()
    old = _old_manifest(settings, report)
    scratch_dir = settings.archive_dir / ".repair"
    shutil.rmtree(scratch_dir, ignore_errors=True)
    scratch = RawArchive(scratch_dir)  # its manifest grows as files are parsed (release ids depend on it)

    files: list[tuple[datetime, str, FetchedFile]] = []
    for path in _raw_files(settings.raw_dir):
        content = path.read_bytes()
        sha256 = sha256_hex(content)
        report.raw_files += 1
        if not path.name.startswith(sha256):
            report.corrupt.append(str(path))
            log.error("raw file %s does not hash to its name: left out of the manifest", path)
            continue
        before = old.get(sha256)
        if before is None:
            report.provenance_unknown += 1
            retrieved_at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            file = FetchedFile(content, UNKNOWN_SOURCE, path.name, retrieved_at)
        else:
            file = FetchedFile(
                content,
                before["source_uri"],
                before["original_name"] or path.name,
                before["retrieved_at"],
                **hints_from_manifest(before),
            )
        files.append((file.retrieved_at, sha256, file))

    # In the order files arrived: a same-day re-post's release id counts the vintages before it.
    for _, sha256, file in sorted(files, key=lambda f: (f[0], f[1])):
        row = process_file(file, sha256, scratch, settings)
        before = old.get(sha256)
        if before is not None and before["status"] == "quarantined" and before["quarantine_reason"] == "gate":
            row |= {k: before[k] for k in ("status", "quarantine_reason", "error")}
        scratch.record([row])
    _confirm_waiting_pages(scratch, {sha256: file for _, sha256, file in files}, settings)

    for row in scratch.manifest.iter_rows(named=True):
        if row["status"] == "quarantined":
            report.quarantined.append((row["source_uri"], row["error"]))
        elif row["status"] == "index":
            report.index_pages += 1
        else:
            report.staged += 1

    atomic_write_parquet(settings.manifest_path, ARCHIVE_MANIFEST.conform(scratch.manifest))
    shutil.rmtree(scratch_dir, ignore_errors=True)
    log.info("%s", report.summary())
    return report


def _confirm_waiting_pages(scratch: RawArchive, files: dict[str, FetchedFile], settings: Settings) -> None:
    """Parse again each page still waiting for a vintage to confirm its unit (`unconfirmed`), as every
    ingest does: in arrival order a page may come before the release that confirms it, and the ingests
    that staged it then would otherwise disagree with the repair. Until nothing changes, since a page
    confirmed here may in turn confirm another."""
    while True:
        waiting = scratch.manifest.filter(
            (pl.col("status") == "quarantined") & (pl.col("quarantine_reason") == "unconfirmed")
        )["source_sha256"].to_list()
        settled = [
            row
            for row in (process_file(files[sha256], sha256, scratch, settings) for sha256 in waiting)
            if not (row["status"] == "quarantined" and row.get("quarantine_reason") == "unconfirmed")
        ]
        if not settled:
            return
        scratch.replace_rows(settled)
