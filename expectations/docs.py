"""Great Expectations Data Docs of the gate runs: static HTML next to the warehouse, readable offline.

Layout under the docs root (`<data root>/data_docs`):

- `runs/<run_id>/`: the GX site of one gate run of `customs run` / `customs backfill` (the runs that
  publish); every run keeps its own, so the history of gate runs stays readable.
- `validate/<run_id>/`: the GX site of a `customs validate` run (run ids `validate-...`): a trial run never
  overwrites the docs of the run that published the warehouse.
- `assets/`: the stylesheets, scripts and fonts GX's pages load from CDNs, vendored in this package
  (`expectations/data_docs_assets/`, see its README): the pages are rewritten to load these copies, so that
  they render styled, their tables filled, with no network.
- `index.html`: the history, every run newest first, with its outcome and a link to its site.

GX 1.24 builds Data Docs from an ephemeral context (verified offline): a `SiteBuilder` site with a
`TupleFilesystemStoreBackend` at the target folder renders whatever the context's stores hold, so the
gate's validation results are put into the in-memory validation-results store (and its suites into
the suite store) and the site is built. The site is built into a fresh folder beside the target and
swapped in, so a reader never sees a half-written site.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import re
import shutil
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from domain.runs import is_validation_run_id
from expectations.checks import import_gx
from expectations.gate import GateResult, ValidationRecord
from fileio.atomic import atomic_write_bytes

SITE_NAME = "customs_gate"
RUNS_FOLDER: Final = "runs"  # gate runs of the flows that publish
VALIDATE_FOLDER: Final = "validate"  # gate runs of `customs validate`
ASSETS_FOLDER: Final = "assets"
RUN_RECORD: Final = "run.json"  # a run's outcome, read back to list it in the history
ASSETS_SOURCE: Final = Path(__file__).parent / "data_docs_assets"

#: Every CDN address GX 1.24's pages load, and the vendored file under `data_docs_assets/` that serves it.
CDN_ASSETS: Final[dict[str, str]] = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap-4.3.1/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap-4.3.1/bootstrap.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table-1.19.1/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table-1.19.1/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": "bootstrap-datepicker-1.9.0/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": "bootstrap-datepicker-1.9.0/bootstrap-datepicker.min.js",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": "bootstrap-dark-1.1.0/bootstrap-prefers-dark.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "fontawesome-free-6.6.0/css/all.min.css",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.js-1.12.9/popper.min.js",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega-5.33.1/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite-5.23.0/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed-6.29.0/vega-embed.min.js",
}
# GX's logos, fetched from its web bucket; the site's own static/images holds logo-long.png.
_GX_IMAGE = re.compile(
    r"https://great-expectations-web-assets\.s3\.[a-z0-9-]+\.amazonaws\.com/(?:logo-long|full_logo_dark)\.png"
    r"(?:\?[^\"')\s]*)?"
)
_LOCAL_LOGO: Final = "static/images/logo-long.png"
_ASSET_TAG = re.compile(r"<(?:script|link)\b[^>]*>", re.IGNORECASE)
_TAG_URL = re.compile(r'\b(src|href)="(https?://[^"]+)"')
# Subresource integrity asks for a CORS fetch, which a page opened from a file cannot make: dropped with
# the CDN address it guarded (the local file comes from the same package release).
_SRI_ATTRIBUTES = re.compile(r'\s+(?:integrity|crossorigin)="[^"]*"')
# What a page loads by itself (not links a reader may follow): a test and the build's warning use it.
_EXTERNAL_LOADS = (
    re.compile(r'<(?:script|img|iframe)\b[^>]*\bsrc="(https?://[^"]+)"', re.IGNORECASE),
    re.compile(r'<link\b[^>]*\bhref="(https?://[^"]+)"', re.IGNORECASE),
    re.compile(r"url\(\s*['\"]?(https?://[^'\")]+)"),
    re.compile(r"@import\s+['\"](https?://[^'\"]+)"),
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DocsRun:
    """One gate run in the history (its `run.json`)."""

    run_id: str
    kind: str  # RUNS_FOLDER or VALIDATE_FOLDER
    validated_at: str  # ISO 8601, UTC
    passed: bool  # no critical failure (a GateResult), or every suite succeeded (bare records)
    suites: int
    failed_suites: int
    critical_failures: int | None
    warnings: int | None

    @property
    def index_path(self) -> str:
        return f"{self.kind}/{self.run_id}/index.html"


def external_resources(text: str) -> list[str]:
    """The http(s) addresses a page or stylesheet loads by itself (scripts, styles, images, fonts)."""
    return sorted({m for pattern in _EXTERNAL_LOADS for m in pattern.findall(text)})


def run_docs_dir(docs_root: Path, run_id: str) -> Path:
    """Where a gate run's site goes: `validate/<id>` for `customs validate`, `runs/<id>` otherwise."""
    if not run_id or "/" in run_id or "\\" in run_id or run_id.startswith("."):
        raise ValueError(f"not a run id usable as a folder name: {run_id!r}")
    kind = VALIDATE_FOLDER if is_validation_run_id(run_id) else RUNS_FOLDER
    return Path(docs_root) / kind / run_id


def build_data_docs(
    validations: GateResult | Iterable[ValidationRecord],
    docs_root: Path,
    *,
    run_name: str | None = None,
    run_time: datetime | None = None,
) -> Path:
    """Write the Data Docs site of this gate run under `docs_root` and list it in the history.

    `validations`: a `GateResult` (its run id and time name the run) or its `validations` records.
    Returns the run's `index.html` (`<docs_root>/runs/<run_id>/index.html`, or `validate/...` for a
    `customs validate` run); `<docs_root>/index.html` lists every run kept.
    """
    if isinstance(validations, GateResult):
        run_name = run_name or validations.run_id
        run_time = run_time or validations.validated_at
        records = list(validations.validations)
    else:
        records = list(validations)
    run_name = run_name or "gate"
    run_time = (run_time or datetime.now(UTC)).astimezone(UTC)

    docs_root = Path(docs_root).resolve()
    target = run_docs_dir(docs_root, run_name)
    target.parent.mkdir(parents=True, exist_ok=True)
    install_assets(docs_root)
    building = target.with_name(f".{target.name}.building-{uuid.uuid4().hex[:8]}")
    try:
        _build_site(records, building, run_name, run_time)
        _point_at_local_assets(building, docs_root, final_site=target)
        failed = sum(1 for r in records if not r.result.success)
        record = DocsRun(
            run_id=run_name,
            kind=target.parent.name,
            validated_at=run_time.isoformat(),
            passed=validations.passed if isinstance(validations, GateResult) else failed == 0,
            suites=len(records),
            failed_suites=failed,
            critical_failures=(
                len(validations.critical_failures) if isinstance(validations, GateResult) else None
            ),
            warnings=len(validations.warnings) if isinstance(validations, GateResult) else None,
        )
        (building / RUN_RECORD).write_text(json.dumps(asdict(record), indent=1), encoding="utf-8")
        _swap_in(building, target)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    write_history_index(docs_root)
    return target / "index.html"


def _build_site(records: list[ValidationRecord], site_dir: Path, run_name: str, run_time: datetime) -> None:
    gx = import_gx()
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    context: Any = gx.get_context(mode="ephemeral")
    # The ephemeral context comes with a `local_site` in a temporary folder: only ours is built.
    context.add_data_docs_site(
        SITE_NAME,
        {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(site_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    run_id = RunIdentifier(run_name=run_name, run_time=run_time)
    added_suites: set[str] = set()
    for record in records:
        if record.suite_name not in added_suites:
            context.suites.add(record.suite)
            added_suites.add(record.suite_name)
        key = ValidationResultIdentifier(
            ExpectationSuiteIdentifier(name=record.suite_name), run_id, record.batch_id
        )
        context.validation_results_store.set(key, record.result)
    built = context.build_data_docs(site_names=[SITE_NAME])
    if SITE_NAME not in built or not (site_dir / "index.html").is_file():
        raise RuntimeError(f"GX did not build the Data Docs site in {site_dir}: {built}")


# --- offline: vendored assets -----------------------------------------------------------------------------
def _assets_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in ASSETS_SOURCE.rglob("*") if p.is_file()):
        digest.update(path.relative_to(ASSETS_SOURCE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def install_assets(docs_root: Path) -> Path:
    """Copy the vendored assets to `<docs_root>/assets` (once per bundle: a marker holds its fingerprint)."""
    target = Path(docs_root) / ASSETS_FOLDER
    marker = target / ".bundle"
    fingerprint = _assets_fingerprint()
    if marker.is_file() and marker.read_text(encoding="utf-8") == fingerprint:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.with_name(f".{ASSETS_FOLDER}.building-{uuid.uuid4().hex[:8]}")
    try:
        # copyfile, not copy2: the copies get the job's file modes (its umask), not the installed package's.
        shutil.copytree(ASSETS_SOURCE, building, copy_function=shutil.copyfile)
        (building / ".bundle").write_text(fingerprint, encoding="utf-8")
        _swap_in(building, target)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return target


def _up(levels: int) -> str:
    return "../" * levels


def localise(text: str, *, to_docs_root: str, to_site: str) -> str:
    """A page or stylesheet with its CDN assets and GX logos pointed at the local copies.

    `to_docs_root` / `to_site`: the relative path ("../../") from the file's folder to the docs root and
    to the run's site root."""

    def tag(match: re.Match[str]) -> str:
        element = match.group(0)
        url = _TAG_URL.search(element)
        if url is None or url.group(2) not in CDN_ASSETS:
            return element
        local = f"{to_docs_root}{ASSETS_FOLDER}/{CDN_ASSETS[url.group(2)]}"
        element = element.replace(url.group(0), f'{url.group(1)}="{local}"')
        return _SRI_ATTRIBUTES.sub("", element)

    text = _ASSET_TAG.sub(tag, text)
    return _GX_IMAGE.sub(f"{to_site}{_LOCAL_LOGO}", text)


def _point_at_local_assets(site: Path, docs_root: Path, *, final_site: Path) -> None:
    # Paths are computed for where the site will stand (final_site), not the folder it is built in.
    for path in sorted([*site.rglob("*.html"), *site.rglob("*.css")]):
        inside = path.relative_to(site)
        depth_in_site = len(inside.parts) - 1
        depth_in_root = depth_in_site + len(final_site.relative_to(docs_root).parts)
        text = path.read_text(encoding="utf-8")
        local = localise(text, to_docs_root=_up(depth_in_root), to_site=_up(depth_in_site))
        if local != text:
            path.write_text(local, encoding="utf-8")
        left = external_resources(local)
        if left:
            logger.warning("Data Docs page %s still loads from the network: %s", inside, ", ".join(left))


# --- the history --------------------------------------------------------------------------------------
def docs_history(docs_root: Path) -> list[DocsRun]:
    """Every run kept under `docs_root`, newest first."""
    runs: list[DocsRun] = []
    for kind in (RUNS_FOLDER, VALIDATE_FOLDER):
        for record in Path(docs_root).glob(f"{kind}/*/{RUN_RECORD}"):
            try:
                runs.append(DocsRun(**json.loads(record.read_text(encoding="utf-8"))))
            except (ValueError, TypeError) as exc:  # a hand-edited or truncated record: list the rest
                logger.warning("skipping the Data Docs run record %s: %s", record, exc)
    return sorted(runs, key=lambda r: (r.validated_at, r.run_id), reverse=True)


_INDEX_STYLE = """
  body { margin: 0; color: #1f2328; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto,
         "DejaVu Sans", sans-serif; }
  main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 40px; }
  h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; }
  p { color: #57606a; margin: 4px 0; }
  table { border-collapse: collapse; width: 100%; font-size: 14px; }
  th, td { padding: 4px 8px; border-bottom: 1px solid #d0d7de; text-align: left; }
  th { background: #f6f8fa; font-weight: 600; } td.num { text-align: right; }
  .passed { color: #1a7f37; font-weight: 600; } .failed { color: #cf222e; font-weight: 600; }
  code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px; }
"""
_KIND_TITLE = {
    RUNS_FOLDER: ("Gate runs of customs run and customs backfill", "runs"),
    VALIDATE_FOLDER: ("Trial runs of customs validate (never published)", "validate"),
}


def _history_rows(runs: list[DocsRun]) -> str:
    rows = []
    for run in runs:
        outcome = "passed" if run.passed else "FAILED"
        detail = (
            f"{run.critical_failures} critical, {run.warnings} warnings"
            if run.critical_failures is not None
            else ""
        )
        rows.append(
            f'<tr><td><a href="{html.escape(run.index_path)}"><code>{html.escape(run.run_id)}</code></a></td>'
            f"<td>{html.escape(run.validated_at[:19].replace('T', ' '))} UTC</td>"
            f'<td class="{"passed" if run.passed else "failed"}">{outcome}</td>'
            f'<td class="num">{run.suites}</td><td class="num">{run.failed_suites}</td>'
            f"<td>{html.escape(detail)}</td></tr>"
        )
    return "\n".join(rows)


def write_history_index(docs_root: Path) -> Path:
    """`<docs_root>/index.html`: every gate run kept, newest first, each linked to its Data Docs."""
    runs = docs_history(docs_root)
    parts = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">',
        "<title>Data Docs: history of the data-quality gate</title>",
        f"<style>{_INDEX_STYLE}</style>\n</head>\n<body>\n<main>",
        "<h1>Data Docs: history of the data-quality gate</h1>",
        "<p>Every gate run keeps its Great Expectations Data Docs; newest first. A run's page lists its "
        "suites and their results.</p>",
    ]
    for kind, (title, element_id) in _KIND_TITLE.items():
        of_kind = [r for r in runs if r.kind == kind]
        parts.append(f"<h2>{html.escape(title)}</h2>")
        if not of_kind:
            parts.append("<p>None yet.</p>")
            continue
        parts += [
            f'<table id="{element_id}">',
            "<thead><tr><th>Run</th><th>Validated</th><th>Outcome</th><th>Suites</th>"
            "<th>Failed suites</th><th>Findings</th></tr></thead>",
            f"<tbody>\n{_history_rows(of_kind)}\n</tbody>\n</table>",
        ]
    parts.append("</main>\n</body>\n</html>\n")
    index = Path(docs_root) / "index.html"
    atomic_write_bytes(index, "\n".join(parts).encode("utf-8"))
    return index


def _swap_in(built: Path, target: Path) -> None:
    old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
    if target.exists():
        target.rename(old)
    built.rename(target)
    shutil.rmtree(old, ignore_errors=True)
