"""Ingest: each file from a source goes into the raw archive, is recognised, parsed and staged.

A file that fails to parse, for whatever reason (a parse error, a number out of range, a limit, an
unexpected exception), is archived all the same and marked quarantined in the manifest with a one-line
error naming it; nothing else in the archive or in staging changes because of it, and the other files
go on. A file a source refuses to read (too large, a symlink, a hostile response) is neither archived
nor recorded: it is reported in one line, every run, until someone removes it.

Online-query exports are parsed and staged on several cores (`_Stager`): each is independent of every
other file (its release id is its checksum), so a large one goes to another process (flows.ingest.
parse_pool) while this one reads, archives and parses the next. What depends on earlier files stays in
this process and in arrival order: the manifest is written file by file as they came, and a table page
(its release id counts same-day re-posts, a Bulletin's unit is confirmed by staged figures) is parsed only
once every file before it is recorded.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

import polars as pl

from config.settings import Settings
from domain.periods import Period
from fileio.modes import use_modes
from flows.ingest.archive import UNKNOWN_SOURCE, RawArchive, sha256_hex
from flows.ingest.limits import (
    ParseTimeout,
    has_line_longer_than,
    html_depth_exceeds,
    longest_line,
    one_line,
    time_limit,
)
from flows.ingest.model import PARSER_VERSION, ParseError
from flows.ingest.parse_pool import Job, ParsePool
from flows.ingest.parsers import (
    check_index_page,
    direction_from_filename,
    is_online_query,
    parse_bulletin_page,
    parse_preliminary_page,
    read_online_query,
    sniff,
)
from flows.ingest.parsers.bulletin import confirm_assumed_unit
from flows.ingest.sources import FetchedFile, RefusedFile, Source, SourceError
from flows.ingest.staging import (
    bulletin_frame,
    online_query_frame,
    preliminary_frame,
    release_id_for,
    staged_china_totals,
    write_partitions,
)
from warehouse.contracts import ContractError
from warehouse.tables import ARCHIVE_MANIFEST, STG_ONLINE_QUERY, STG_PRELIMINARY

log = logging.getLogger(__name__)


class UnitNotYetConfirmedError(ParseError):
    """A Bulletin page without a Unit row, and no other vintage of its month staged yet to confirm the
    US$1,000 assumed for it: the page waits (quarantined `unconfirmed`) and is checked again on every
    ingest, so that the order in which a Bulletin and its confirming release arrive does not matter."""


@dataclass
class IngestReport:
    source: str
    files_seen: int = 0
    new_files: int = 0
    unchanged_files: int = 0
    index_pages: int = 0
    staged: list[str] = field(default_factory=list)  # sha256 of files staged by this run
    new_release_ids: set[str] = field(default_factory=set)
    quarantined: list[tuple[str, str]] = field(default_factory=list)  # (source_uri, error)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (source_uri, why): not read, not archived
    source_errors: list[str] = field(default_factory=list)
    parsed_elsewhere: int = 0  # new files parsed and staged by a worker process (flows.ingest.parse_pool)

    @property
    def every_file_quarantined(self) -> bool:
        """The run took in new files and staged none of them: it did not do what it said."""
        return bool(self.quarantined) and not self.staged

    def summary(self) -> str:
        refused = f", {len(self.refused)} refused" if self.refused else ""
        return (
            f"{self.source}: {self.files_seen} files seen, {self.new_files} new "
            f"({len(self.staged)} staged, {self.index_pages} index pages, {len(self.quarantined)} quarantined), "
            f"{self.unchanged_files} already archived{refused}; "
            f"{len(self.new_release_ids)} releases with new files"
        )


def _suffix(name: str) -> str:
    lowered = name.lower()
    for suffix in (".html", ".htm", ".csv", ".xls", ".xlsx"):
        if lowered.endswith(suffix):
            return suffix
    return ""


def _manifest_row(file: FetchedFile, sha256: str, **fields: Any) -> dict[str, Any]:
    """A manifest row: every column of the contract, null unless the file or `fields` says otherwise."""
    row: dict[str, Any] = dict.fromkeys(ARCHIVE_MANIFEST.column_names)
    row |= {
        "source_sha256": sha256,
        "size_bytes": len(file.content),
        "source_uri": file.source_uri,
        "original_name": file.original_name,
        "retrieved_at": file.retrieved_at,
        "parser_version": PARSER_VERSION,
        "status": "staged",
    }
    unknown = sorted(set(fields) - set(row))
    if unknown:
        raise ContractError(f"{ARCHIVE_MANIFEST.qualified_name} has no columns {unknown}")
    return row | fields


def _release_id(archive: RawArchive, base: str, table_id: str, currency: str, sha256: str) -> str:
    """Same-day re-posts of a page get a suffix, so two vintages never share a release id."""
    manifest = archive.manifest
    same = manifest.filter(
        (manifest["release_id"].str.starts_with(base))
        & (manifest["table_id"] == table_id)
        & (manifest["currency"] == currency)
        & (manifest["status"] != "quarantined")
        & (manifest["source_sha256"] != sha256)
    )
    return base if same.is_empty() else f"{base}+r{same.height + 1}"


def check_limits(content: bytes, source: str, settings: Settings) -> None:
    """Refuse, before any parser runs, what no real GACC file is: too large, too deeply nested."""
    if len(content) > settings.max_file_bytes:
        raise ParseError(
            source,
            f"{len(content):,} bytes, over the limit of {settings.max_file_bytes:,} (CUSTOMS_MAX_FILE_BYTES)",
        )
    if html_depth_exceeds(content, settings.max_html_depth):
        raise ParseError(
            source,
            f"elements nested deeper than {settings.max_html_depth} (CUSTOMS_MAX_HTML_DEPTH): not a GACC page",
        )


def check_csv_limits(content: bytes, source: str, settings: Settings) -> None:
    # A field cannot be longer than its line (GACC's exports quote no line breaks), so the longest line
    # bounds the longest field in one pass, before the CSV reader holds a field in memory.
    if not has_line_longer_than(content, settings.max_field_bytes):
        return
    line, length = longest_line(content)
    if length > settings.max_field_bytes:
        raise ParseError(
            source,
            f"a line of {length:,} bytes, over the field limit of {settings.max_field_bytes:,}"
            " (CUSTOMS_MAX_FIELD_BYTES)",
            row=line,
        )


def process_file(file: FetchedFile, sha256: str, archive: RawArchive, settings: Settings) -> dict[str, Any]:
    """Parse and stage one new file; returns its manifest row, quarantined on any error in the file."""
    try:
        with time_limit(settings.max_parse_seconds, file.source_uri):
            return _parse_and_stage(file, sha256, archive, settings)
    except OSError:
        # The machine's fault (a full disk, a permission), not the file's: quarantined, a good file
        # would never be retried, since its bytes are then known to the archive.
        raise
    except (Exception, ParseTimeout) as exc:
        # Whatever one file does (a parse error, OverflowError, a polars ComputeError, RecursionError,
        # MemoryError, a limit), it is that file's fault: it is quarantined and the others go on.
        error = one_line(exc, file.source_uri)
        if not isinstance(exc, ParseError):
            log.debug("unexpected error in %s", file.source_uri, exc_info=exc)
        reason = "unconfirmed" if isinstance(exc, UnitNotYetConfirmedError) else "parse"
        log.error("quarantined %s", error)
        return _manifest_row(
            file, sha256, status="quarantined", quarantine_reason=reason, error=error, **_hints(file)
        )


def _hints(file: FetchedFile) -> dict[str, Any]:
    """What the index said of a file that failed: kept so that `customs repair` can re-parse it with them."""
    return {
        "currency": file.currency_hint,
        "period": file.period_hint.key if file.period_hint else None,
    }


def hints_from_manifest(row: dict[str, Any]) -> dict[str, Any]:
    """The edition and period a manifest row holds for a table page, as FetchedFile hints for a re-parse.

    For a page reached through an index they are what the index listed it as (kept even when the parse
    failed), without which a 2018-2019 title lacking its currency or month cannot be read; for any other
    page they are what its title said, so the parser finds them agreeing again (or names the change).
    """
    if row["product"] not in (None, "preliminary") or row["status"] == "index":
        return {}
    period = row["period"]
    return {"currency_hint": row["currency"], "period_hint": Period.parse(period) if period else None}


def _parse_and_stage(
    file: FetchedFile, sha256: str, archive: RawArchive, settings: Settings
) -> dict[str, Any]:
    check_limits(file.content, file.source_uri, settings)
    kind = sniff(file.content, file.original_name)
    if kind == "index":
        check_index_page(file.content, file.source_uri)
        return _manifest_row(file, sha256, product="index", status="index")
    if kind == "preliminary":
        table = parse_preliminary_page(
            file.content, file.source_uri, currency=file.currency_hint, period=file.period_hint
        )
        for warning in table.warnings:
            log.warning("%s (table %r, %s): %s", file.source_uri, table.table_id, table.period.key, warning)
        base = release_id_for("preliminary", table.period.key, table.published_on, file.retrieved_at.date())
        release_id = _release_id(archive, base, table.table_id, table.currency, sha256)
        frame = preliminary_frame(table, release_id=release_id, sha256=sha256)
        write_partitions(
            frame, STG_PRELIMINARY, settings.staging_dir, f"{release_id}-{table.currency}-{sha256[:12]}"
        )
        return _manifest_row(
            file,
            sha256,
            product="preliminary",
            table_id=table.table_id,
            currency=table.currency,
            period=table.period.key,
            published_on=table.published_on,
            release_id=release_id,
        )
    if kind == "bulletin":
        return _stage_bulletin(file, sha256, archive, settings)
    check_csv_limits(file.content, file.source_uri, settings)
    direction = direction_from_filename(file.original_name, file.direction)
    export = read_online_query(
        file.content, file.source_uri, direction, max_field_chars=settings.max_field_bytes
    )
    release_id = f"online_query:{sha256[:12]}"
    frame = online_query_frame(export, release_id=release_id, sha256=sha256)
    write_partitions(frame, STG_ONLINE_QUERY, settings.staging_dir, f"{release_id}-{export.currency}")
    return _manifest_row(
        file,
        sha256,
        product="online_query",
        currency=export.currency,
        period=export.last_period,
        release_id=release_id,
    )


def _stage_bulletin(
    file: FetchedFile, sha256: str, archive: RawArchive, settings: Settings
) -> dict[str, Any]:
    table = parse_bulletin_page(file.content, file.source_uri)
    if table.unit_assumed:
        # A page printed without a Unit row is read as US$1,000 only if another vintage agrees.
        other = staged_china_totals(settings.staging_dir, table.period)
        if other is None:
            raise UnitNotYetConfirmedError(
                file.source_uri,
                f"no Unit row, and no other vintage of {table.period} is staged yet to confirm US$1,000: "
                "waiting, checked again on every ingest",
                table=table.table_id,
            )
        totals, name = other
        table = confirm_assumed_unit(table, file.source_uri, totals, name)
    for warning in table.warnings:
        log.warning("%s (table %r, %s): %s", file.source_uri, table.table_id, table.period.key, warning)
    base = release_id_for("bulletin", table.period.key, table.published_on, file.retrieved_at.date())
    release_id = _release_id(archive, base, table.table_id, table.currency, sha256)
    frame = bulletin_frame(table, release_id=release_id, sha256=sha256)
    write_partitions(
        frame, STG_PRELIMINARY, settings.staging_dir, f"{release_id}-{table.currency}-{sha256[:12]}"
    )
    return _manifest_row(
        file,
        sha256,
        product="bulletin",
        table_id=table.table_id,
        currency=table.currency,
        period=table.period.key,
        published_on=table.published_on,
        release_id=release_id,
    )


@dataclass(frozen=True)
class PoolPolicy:
    """When an export is parsed in another process: starting one costs about a second of CPU (its
    imports), as much as parsing a 22 MB export (about 50 ms a MB), so only when a run brings several
    large ones. The first `after_exports` large exports are parsed here: a monthly run (two exports)
    starts no process; a backfill starts them at its third."""

    min_bytes: int = 4 * 1024 * 1024
    after_exports: int = 2


DEFAULT_POOL_POLICY: Final = PoolPolicy()


def stage_elsewhere(file: FetchedFile, sha256: str, settings: Settings) -> dict[str, Any]:
    """`process_file` of an online-query export in a worker process: it needs nothing of the archive
    but its folder (an export's release id is its checksum), and writes with the run's modes."""
    use_modes(settings.file_mode, settings.dir_mode)
    return process_file(file, sha256, RawArchive(settings.archive_dir), settings)


class _Stager:
    """Parses and stages new files, and records them in the manifest in the order they came.

    A table page waits until every file before it is recorded, then is parsed here. An online-query
    export goes to a worker when it is large and one is free (this process counts as one of
    `parse_processes`), else is parsed here at once, while earlier ones may still be in the workers:
    its row waits its turn."""

    def __init__(
        self, archive: RawArchive, settings: Settings, report: IngestReport, policy: PoolPolicy
    ) -> None:
        self.archive = archive
        self.settings = settings
        self.report = report
        self.policy = policy
        self.large_exports = 0  # seen so far
        self.pool = ParsePool(settings.parse_processes - 1)
        self.waiting: deque[tuple[str, dict[str, Any] | Job[dict[str, Any]]]] = deque()  # (uri, row)
        self.in_flight: set[str] = set()  # sha256 of files staged or submitted, not yet recorded

    def stage(self, file: FetchedFile, sha256: str) -> None:
        if not is_online_query(file.content):
            self.record_all()
            self._record(file.source_uri, process_file(file, sha256, self.archive, self.settings))
            return
        self.in_flight.add(sha256)
        large = len(file.content) >= self.policy.min_bytes
        self.large_exports += large
        if (
            large
            and self.large_exports > self.policy.after_exports
            and self._busy_workers() < self.pool.processes
        ):
            self.waiting.append(
                (
                    file.source_uri,
                    self.pool.submit(file.source_uri, stage_elsewhere, file, sha256, self.settings),
                )
            )
        else:
            self.waiting.append((file.source_uri, process_file(file, sha256, self.archive, self.settings)))
        self._record_finished()

    def _busy_workers(self) -> int:
        return sum(1 for _, row in self.waiting if isinstance(row, Job) and not row.done())

    def _record_finished(self) -> None:
        while self.waiting and not (isinstance(row := self.waiting[0][1], Job) and not row.done()):
            self._record_next()

    def record_all(self) -> None:
        while self.waiting:
            self._record_next()

    def _record_next(self) -> None:
        uri, row = self.waiting[0]
        if isinstance(row, Job):
            row = row.result()  # a worker's OSError (the machine's fault) is raised here, as in this process
            self.report.parsed_elsewhere += 1
        self.waiting.popleft()
        self._record(uri, row)

    def _record(self, uri: str, row: dict[str, Any]) -> None:
        self.archive.record([row])
        self.in_flight.discard(row["source_sha256"])
        self.report.new_files += 1
        if row["status"] == "quarantined":
            self.report.quarantined.append((uri, row["error"]))
        elif row["status"] == "index":
            self.report.index_pages += 1
        else:
            self.report.staged.append(row["source_sha256"])
            self.report.new_release_ids.add(row["release_id"])

    def close(self, failed: bool) -> None:
        # After a failure, files not yet recorded are left to the next run, as if it had stopped there.
        self.pool.close(cancel=failed)


def ingest(
    source: Source,
    settings: Settings,
    progress: Callable[[FetchedFile], None] | None = None,
    *,
    pool_policy: PoolPolicy = DEFAULT_POOL_POLICY,
) -> IngestReport:
    use_modes(settings.file_mode, settings.dir_mode)
    archive = RawArchive(settings.archive_dir)
    report = IngestReport(source=source.name)
    manifest = archive.manifest
    staged_uris = set(manifest.filter(manifest["status"] == "staged")["source_uri"].to_list())
    # Files `customs repair` found with no record of where they came from: met again, they are recorded
    # (and parsed) with their real source, name and time.
    unknown = set(manifest.filter(pl.col("source_uri") == UNKNOWN_SOURCE)["source_sha256"].to_list())
    stager = _Stager(archive, settings, report, pool_policy)
    failed = True
    try:
        try:
            for file in source.files(skip_uris=staged_uris):
                report.files_seen += 1
                if isinstance(file, RefusedFile):
                    log.warning("refused %s", file.reason)
                    report.refused.append((file.source_uri, file.reason))
                    continue
                if progress:
                    progress(file)
                sha256 = sha256_hex(file.content)
                if sha256 in unknown:
                    unknown.discard(sha256)
                    stager.record_all()
                    row = process_file(file, sha256, archive, settings)
                    archive.replace_rows([row])
                    report.unchanged_files += 1
                    log.info("%s: source recorded again for %s", file.source_uri, sha256[:12])
                    continue
                if sha256 in archive.known_hashes() or sha256 in stager.in_flight:
                    report.unchanged_files += 1
                    continue
                archive.store(file.content, _suffix(file.original_name), sha256=sha256)
                stager.stage(file, sha256)
        except SourceError as exc:
            log.error("%s", exc)
            report.source_errors.append(str(exc))
        stager.record_all()
        failed = False
    finally:
        stager.close(failed)
    retry_unconfirmed(archive, settings, report)
    log.info("%s", report.summary())
    return report


def retry_unconfirmed(archive: RawArchive, settings: Settings, report: IngestReport) -> None:
    """Check again each Bulletin page waiting for a vintage to confirm its assumed unit (`unconfirmed`):
    one staged since (by this run, in whatever order its files came, or by an earlier one) confirms it
    (staged), or disagrees (rejected for good, `parse`); with still none, it keeps waiting."""
    manifest = archive.manifest
    waiting = manifest.filter(
        (pl.col("status") == "quarantined") & (pl.col("quarantine_reason") == "unconfirmed")
    )
    for before in waiting.iter_rows(named=True):
        sha256 = before["source_sha256"]
        file = FetchedFile(
            archive.read(sha256), before["source_uri"], before["original_name"], before["retrieved_at"]
        )
        row = process_file(file, sha256, archive, settings)
        if row["status"] == "quarantined" and row["quarantine_reason"] == "unconfirmed":
            continue
        archive.replace_rows([row])
        report.quarantined = [(uri, error) for uri, error in report.quarantined if uri != file.source_uri]
        if row["status"] == "staged":
            log.info("%s: its unit is now confirmed by another vintage; staged", file.source_uri)
            report.staged.append(sha256)
            report.new_release_ids.add(row["release_id"])
        else:
            report.quarantined.append((file.source_uri, row["error"]))
