"""Great Expectations Data Docs of a gate run: static HTML next to the warehouse.

GX 1.24 builds Data Docs from an ephemeral context (verified offline): a `SiteBuilder` site with a
`TupleFilesystemStoreBackend` at the target folder renders whatever the context's stores hold, so the
gate's validation results are put into the in-memory validation-results store (and its suites into
the suite store) and the site is built. The site is built into a fresh folder beside the target and
swapped in, so a reader never sees a half-written site and pages of earlier runs do not linger
unlinked.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from expectations.checks import import_gx
from expectations.gate import GateResult, ValidationRecord

SITE_NAME = "customs_gate"


def build_data_docs(
    validations: GateResult | Iterable[ValidationRecord],
    target_dir: Path,
    *,
    run_name: str | None = None,
    run_time: datetime | None = None,
) -> Path:
    """Write the Data Docs site of these validations into `target_dir`; return its `index.html`.

    `validations`: a `GateResult` (its run id and time name the run) or its `validations` records.
    `target_dir` is replaced whole, e.g. `<data root>/data_docs`.
    """
    if isinstance(validations, GateResult):
        run_name = run_name or validations.run_id
        run_time = run_time or validations.validated_at
        records = list(validations.validations)
    else:
        records = list(validations)
    run_name = run_name or "gate"
    run_time = (run_time or datetime.now(UTC)).astimezone(UTC)

    target_dir = Path(target_dir).resolve()
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    building = target_dir.with_name(f".{target_dir.name}.building-{uuid.uuid4().hex[:8]}")
    try:
        _build_site(records, building, run_name, run_time)
        _swap_in(building, target_dir)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return target_dir / "index.html"


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


def _swap_in(built: Path, target: Path) -> None:
    old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
    if target.exists():
        target.rename(old)
    built.rename(target)
    shutil.rmtree(old, ignore_errors=True)
