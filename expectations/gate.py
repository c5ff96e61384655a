"""The data-quality gate: every contract suite and business rule, run with Great Expectations.

Nothing reaches the warehouse unless it passes: a failed critical expectation makes `passed` False and
names the releases whose rows broke it (`failed_release_ids`, for quarantine); warnings are recorded.
Every expectation result, per batch, becomes a row of `meta.validation_results`.

GX runs on an ephemeral context with a pandas datasource (the SQL datasource over DuckDB fails, see
the stack notes). A frame is one batch (`batch_id='all'`) unless it is big: then it is validated one
period at a time (`batch_id='period=2025-11'`), which bounds the memory of the pandas copy. GX is
imported on the first validation, not when this module is imported.

The tables stored per period are validated several periods to a batch (`periods=2025-09_to_2025-11`):
GX's bookkeeping (a few ms per expectation, about 90 expectations) is then paid once per batch, not once
per period. A batch that fails is validated again in pieces, each period with offending rows alone and
the periods between them together, so that a failure is recorded against its own period and charged to
its own releases, as if every period had been a batch of its own.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import json
import logging
import math
import re
import time
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import polars as pl

from domain.periods import Period
from expectations.checks import CRITICAL, WARNING, Check, Severity, import_gx, to_pandas
from expectations.rules import Rule, rules_to_run
from expectations.suites import contract_check
from warehouse.contracts import ContractError, TableContract
from warehouse.tables import META_VALIDATION_RESULTS, STG_ONLINE_QUERY, STG_PRELIMINARY

log = logging.getLogger(__name__)

# Frames with more rows than this are validated one period at a time; periods of a table stored per
# period are validated together up to this many rows: two months of HS8 x partner detail (0.55M rows
# each), so GX's cost per batch is paid once for both. Memory bounds it: a batch is held as polars and
# as pandas at once, about 0.6 GB per million rows of the detail fact, while the other detail table's
# next batch fills (three months a batch took the 12-month backfill's peak from 1.7 to 3.6 GB).
DEFAULT_MAX_BATCH_ROWS = 1_500_000
MAX_EXAMPLES = 5  # offending rows kept per result
# A suite is validated BASIC: every figure a result records (counts, percentages, the first offending
# values) without the offending rows' indices, which cost GX about as much again per expectation. A
# failed expectation is validated again SUMMARY, for up to this many offending row indices (the examples
# and the releases to blame); a critical failure with more is re-run COMPLETE to charge every one.
_PARTIAL_COUNT = 20
_BASIC = {"result_format": "BASIC", "partial_unexpected_count": _PARTIAL_COUNT}
_SUMMARY = {"result_format": "SUMMARY", "partial_unexpected_count": _PARTIAL_COUNT}
_COMPLETE = {"result_format": "COMPLETE"}
_REFERENCED_COLUMN_KEYS = ("column", "column_A", "column_B", "column_list")


@dataclass(frozen=True)
class Finding:
    """A failed expectation on one batch: what broke, where, and a few offending rows."""

    rule: str
    severity: Severity
    suite_name: str
    object_name: str
    expectation_type: str
    batch_id: str
    release_id: str | None
    unexpected_count: int | None
    examples: tuple[dict[str, Any], ...]
    observed: Mapping[str, Any]

    def describe(self, max_rows: int = 3) -> str:
        count = "" if self.unexpected_count is None else f": {self.unexpected_count} offending row(s)"
        head = (
            f"{self.rule} on {self.object_name} ({self.expectation_type}; suite {self.suite_name}, "
            f"batch {self.batch_id}){count}"
        )
        lines = [head]
        for row in self.examples[:max_rows]:
            lines.append("      " + ", ".join(f"{k}={_short(v)}" for k, v in row.items()))
        if not self.examples:
            named = ("missing_columns", "unexpected_columns", "exception")
            keys = named if any(k in self.observed for k in named) else ("observed_value",)
            observed = {k: v for k, v in self.observed.items() if k in keys}
            if observed:
                lines.append("      observed: " + _short(json.dumps(observed, default=str), 400))
        return "\n".join(lines)


@dataclass(frozen=True)
class ValidationRecord:
    """One GX suite validated on one batch, kept for Data Docs (`expectations.docs`)."""

    suite_name: str
    object_name: str
    batch_id: str
    suite: Any  # great_expectations.core.ExpectationSuite
    result: Any  # great_expectations.core.ExpectationSuiteValidationResult


@dataclass
class GateResult:
    """What the gate found: every result as a frame, the failures, and the releases to quarantine.

    `passed` is False when a critical expectation failed. `failed_release_ids` are the releases whose
    rows broke a critical one; it may be empty on a failure no release is to blame for (a missing
    period, a table without releases): the publish must stop all the same. `validations` are the GX
    results, for `expectations.docs.build_data_docs`.
    """

    run_id: str
    validated_at: datetime
    results: pl.DataFrame  # conforms to META_VALIDATION_RESULTS
    critical_failures: list[Finding]
    warnings: list[Finding]
    failed_release_ids: set[str]
    validations: list[ValidationRecord] = field(default_factory=list, repr=False)
    elapsed_seconds: float = 0.0

    @property
    def passed(self) -> bool:
        """No critical expectation failed (warnings do not stop the publish)."""
        return not self.critical_failures

    def findings(self, rule: str | None = None) -> list[Finding]:
        """Critical failures and warnings, of one rule if given (`yoy_agrees_with_levels` matches both
        its `.world` and `.partners` parts)."""
        every = [*self.critical_failures, *self.warnings]
        if rule is None:
            return every
        return [f for f in every if f.rule == rule or f.rule.startswith(rule + ".")]

    def message(self, max_rows: int = 3) -> str:
        """A summary for logs and the run record: each critical failure with a few offending rows."""
        checked = self.results.height
        if self.passed:
            head = f"data-quality gate {self.run_id}: passed ({checked} expectation results"
            head += f", {len(self.warnings)} warning(s))" if self.warnings else ")"
        else:
            head = (
                f"data-quality gate {self.run_id}: FAILED: {len(self.critical_failures)} critical failure(s), "
                f"{len(self.warnings)} warning(s), of {checked} expectation results"
            )
        lines = [head]
        if self.critical_failures:
            lines.append("critical failures (they stop the publish):")
            lines += ["  - " + f.describe(max_rows) for f in self.critical_failures]
            if self.failed_release_ids:
                lines.append("releases to quarantine: " + ", ".join(sorted(self.failed_release_ids)))
            else:
                lines.append("no release to quarantine: the failures are not attributable to one release")
        if self.warnings:
            lines.append("warnings:")
            lines += ["  - " + f.describe(max_rows) for f in self.warnings]
        return "\n".join(lines)


# --- running ------------------------------------------------------------------------------------------


def run_gate(
    *,
    staging_preliminary: pl.DataFrame,
    staging_online_query: pl.DataFrame | None = None,
    tables: Mapping[TableContract, pl.DataFrame],
    partner_codes: Collection[str],
    run_id: str,
    by_period: Iterable[tuple[TableContract, str, pl.DataFrame]] = (),
    validated_at: datetime | None = None,
    max_batch_rows: int = DEFAULT_MAX_BATCH_ROWS,
) -> GateResult:
    """Run every contract suite and business rule over staging and the built tables.

    `tables`: the built warehouse tables by contract (views and tables not given are not checked);
    the business rules read core.fact_partner_trade and core.fact_trade_surplus when present.
    `by_period`: (contract, period, that period's rows) of the tables stored per period, for the periods
    this run built only, in period order; consecutive periods are validated together up to
    `max_batch_rows` rows (batch `period=<key>` or `periods=<first>_to_<last>`). It may be an iterator
    that reads a period when asked: no more than a batch of rows per table is held at a time.
    `partner_codes`: the partner codes the reference data knows (core.dim_partner's); every
    `partner_code` column must hold one of them.
    """
    checks: list[Check] = [contract_check(STG_PRELIMINARY, staging_preliminary, partner_codes)]
    if staging_online_query is not None:
        checks.append(contract_check(STG_ONLINE_QUERY, staging_online_query, partner_codes))
    for contract, frame in tables.items():
        if contract.kind == "table" and contract not in (STG_PRELIMINARY, STG_ONLINE_QUERY):
            checks.append(contract_check(contract, frame, partner_codes))
    templates: dict[TableContract, Check] = {}
    pending: dict[TableContract, list[tuple[str, pl.DataFrame]]] = {}

    def check_of(contract: TableContract, frames: list[tuple[str, pl.DataFrame]]) -> Check:
        template = templates.setdefault(
            contract, contract_check(contract, frames[0][1].clear(), partner_codes)
        )
        period_rows = tuple((period, frame.height) for period, frame in frames)
        # One suite per table, built once (the template's cache is shared), one batch per group of periods.
        return dataclasses.replace(
            template,
            frame=pl.concat([frame for _, frame in frames], how="vertical"),
            batch_id=_periods_batch_id(period_rows),
            period_rows=period_rows,
            _suite_cache=template._suite_cache,
        )

    def period_checks() -> Iterator[Check]:
        # Periods are validated together up to `max_batch_rows` rows (GX's cost is per batch); a period
        # whose columns differ from the batch's (a partition of an older build) starts a batch of its own,
        # where the contract suite reports it rather than the concatenation raising.
        for contract, period, frame in by_period:
            frames = pending.setdefault(contract, [])
            if frames and (
                sum(f.height for _, f in frames) + frame.height > max_batch_rows
                or frame.schema != frames[0][1].schema
            ):
                yield check_of(contract, frames)
                frames.clear()
            frames.append((period, frame))
        for contract, frames in pending.items():
            if frames:
                yield check_of(contract, frames)

    return validate_checks(
        itertools.chain(checks, period_checks()),
        rules=rules_to_run(staging_preliminary, tables),
        run_id=run_id,
        validated_at=validated_at,
        max_batch_rows=max_batch_rows,
    )


def validate_checks(
    checks: Iterable[Check],
    *,
    run_id: str,
    rules: Sequence[tuple[Rule, pl.DataFrame]] = (),
    validated_at: datetime | None = None,
    max_batch_rows: int = DEFAULT_MAX_BATCH_ROWS,
) -> GateResult:
    """Validate prepared checks (and business rules, each with the frame to prepare) with one
    ephemeral GX context."""
    started = time.perf_counter()
    validated_at = (validated_at or datetime.now(UTC)).astimezone(UTC)
    runner = _Runner(run_id=run_id, validated_at=validated_at, max_batch_rows=max_batch_rows)
    for check in checks:
        runner.run_safely(check)
    for rule, frame in rules:
        try:
            check = rule.check(frame)
        except Exception as exc:  # a frame that breaks its contract: the rule cannot run, so it fails
            runner.record_preparation_failure(rule, exc)
            continue
        runner.run_safely(check)
    results = META_VALIDATION_RESULTS.conform(
        pl.DataFrame(runner.rows, schema=META_VALIDATION_RESULTS.polars_schema())
    )
    gate = GateResult(
        run_id=run_id,
        validated_at=validated_at,
        results=results,
        critical_failures=[f for f in runner.findings if f.severity == CRITICAL],
        warnings=[f for f in runner.findings if f.severity == WARNING],
        failed_release_ids=runner.failed_release_ids,
        validations=runner.validations,
        elapsed_seconds=time.perf_counter() - started,
    )
    log.info("%s (%.1f s)", gate.message().splitlines()[0], gate.elapsed_seconds)
    return gate


@dataclass(frozen=True)
class _Batch:
    """One batch being recorded: its rows, the GX validator that validated them, and its release."""

    batch_id: str
    frame: pl.DataFrame
    validator: Any  # great_expectations.validator.v1_validator.Validator
    release_id: str | None  # the release the batch is, where it is exactly one


class _Runner:
    """One ephemeral GX context, a pandas datasource with one asset per table, and what was found."""

    def __init__(self, *, run_id: str, validated_at: datetime, max_batch_rows: int) -> None:
        self.run_id = run_id
        self.validated_at = validated_at
        self.max_batch_rows = max_batch_rows
        self.rows: list[dict[str, Any]] = []
        self.findings: list[Finding] = []
        self.failed_release_ids: set[str] = set()
        self.validations: list[ValidationRecord] = []
        self._context: Any = None
        self._datasource: Any = None
        self._batch_definitions: dict[str, Any] = {}
        self._validator_class: Any = None

    def _batch_definition(self, object_name: str) -> Any:
        if self._context is None:
            gx = import_gx()
            from great_expectations.data_context.types.base import ProgressBarsConfig

            self._context = gx.get_context(mode="ephemeral")
            # GX's tqdm bars ("Calculating Metrics") would flood the flow's logs.
            self._context.variables.progress_bars = ProgressBarsConfig(
                globally=False, metric_calculations=False
            )
            self._datasource = self._context.data_sources.add_pandas("gate")
            from great_expectations.execution_engine import pandas_execution_engine
            from great_expectations.validator.v1_validator import Validator

            self._validator_class = Validator
            # GX fingerprints every pandas batch below this many bytes by hashing all its rows (a
            # `batch_markers` entry nothing here reads): 0.2-0.3 CPU s per table and month of
            # detail, as much as the expectations. A threshold of 0 leaves the fingerprint out.
            pandas_execution_engine.HASH_THRESHOLD = 0
        if object_name not in self._batch_definitions:
            asset = self._datasource.add_dataframe_asset(name=object_name)
            self._batch_definitions[object_name] = asset.add_batch_definition_whole_dataframe("whole frame")
        return self._batch_definitions[object_name]

    def run_safely(self, check: Check) -> None:
        try:
            self.run(check)
        except Exception as exc:  # the gate reports, it never crashes on bad data
            log.exception("validating %s raised", check.suite_name)
            self.record_check_error(check, exc)

    def run(self, check: Check) -> None:
        for batch_id, frame in _batches(check, self.max_batch_rows):
            self._validate_batch(check, batch_id, frame, check.period_rows)

    def _validate_batch(
        self, check: Check, batch_id: str, frame: pl.DataFrame, period_rows: tuple[tuple[str, int], ...]
    ) -> None:
        """Validate one batch and record every result; a failed batch of several periods is validated
        again in pieces (`_pieces`) and only the pieces are recorded."""
        suite = check.suite()
        by_rule_expectation = {_rule_of(e): e for e in suite.expectations}
        # One validator per batch: it loads the batch once, and keeps the metrics it computed, so
        # that validating a failed expectation again for its offending rows reuses them. (A
        # `Batch.validate` would load and fingerprint the frame again on every call.)
        batch_definition = self._batch_definition(check.object_name)  # the first also starts GX
        validator = self._validator_class(
            batch_definition=batch_definition,
            batch_parameters={"dataframe": to_pandas(frame)},
            result_format=_BASIC,
        )
        result = validator.validate_expectation_suite(suite)
        failed = [
            by_rule_expectation[_rule_of(r.expectation_config)] for r in result.results if not r.success
        ]
        if failed and len(period_rows) > 1:
            failing = _failing_periods(validator, failed, period_rows)
            del validator, result  # the pieces make their own pandas copies
            offset = 0
            for piece in _pieces(period_rows, failing):
                height = sum(rows for _, rows in piece)
                self._validate_batch(check, _periods_batch_id(piece), frame.slice(offset, height), piece)
                offset += height
            return
        if failed:  # the offending rows' indices too, in the result Data Docs show as well
            validator.result_format = _SUMMARY
            for position, r in enumerate(result.results):
                if not r.success:
                    expectation = by_rule_expectation[_rule_of(r.expectation_config)]
                    result.results[position] = validator.validate_expectation(expectation)
        self.validations.append(
            ValidationRecord(check.suite_name, check.object_name, batch_id, suite, result)
        )
        batch = _Batch(batch_id, frame, validator, _single_release(frame))
        by_rule = {r.expectation_config.meta.get("rule"): r for r in result.results}
        for expectation in suite.expectations:
            self._record(check, batch, expectation, by_rule[_rule_of(expectation)])

    def _record(self, check: Check, batch: _Batch, expectation: Any, r: Any) -> None:
        batch_id, frame = batch.batch_id, batch.frame
        rule = _rule_of(expectation)
        severity: Severity = _severity(expectation.severity)
        summary = r.result or {}
        exception = _exception_message(r.exception_info)
        observed = _observed(summary, exception)
        expected_columns = getattr(expectation, "column_list", None)
        if expectation.expectation_type == "expect_table_columns_to_match_ordered_list" and isinstance(
            observed.get("observed_value"), list
        ):
            # Name the difference: a reader should not have to diff two lists of 25 names.
            seen = observed["observed_value"]
            observed["missing_columns"] = [c for c in expected_columns or [] if c not in seen]
            observed["unexpected_columns"] = [c for c in seen if c not in (expected_columns or [])]
        count = summary.get("unexpected_count")
        indices: list[int] = [
            int(i) for i in summary.get("partial_unexpected_index_list") or [] if _is_int(i)
        ]
        examples: list[dict[str, Any]] = []
        success = bool(r.success)
        if not success:
            examples = _examples(frame, indices[:MAX_EXAMPLES], _example_columns(check, expectation, frame))
            if severity == CRITICAL and check.blame_columns:
                if count is not None and count > len(indices):
                    batch.validator.result_format = _COMPLETE
                    complete = batch.validator.validate_expectation(expectation)
                    indices = [
                        int(i)
                        for i in (complete.result or {}).get("unexpected_index_list") or []
                        if _is_int(i)
                    ]
                blamed = frame[indices] if indices else frame  # no rows named (table-level): the whole batch
                self.failed_release_ids |= _release_ids(blamed, check.blame_columns)
            self.findings.append(
                Finding(
                    rule=rule,
                    severity=severity,
                    suite_name=check.suite_name,
                    object_name=check.object_name,
                    expectation_type=expectation.expectation_type,
                    batch_id=batch_id,
                    release_id=batch.release_id,
                    unexpected_count=count,
                    examples=tuple(examples),
                    observed=observed,
                )
            )
        self._add_row(
            release_id=batch.release_id,
            batch_id=batch_id,
            suite_name=check.suite_name,
            object_name=check.object_name,
            expectation_type=expectation.expectation_type,
            rule=rule,
            severity=severity,
            success=success,
            observed_value=json.dumps(observed, default=str, sort_keys=True),
            unexpected_count=count,
            unexpected_examples=json.dumps(examples, default=str) if examples else None,
        )

    def record_preparation_failure(self, rule: Rule, exc: Exception) -> None:
        """A rule whose frame could not be prepared fails with the error (the contract suites say why),
        recorded under its first expectation."""
        first = rule.expectations[0]
        self._record_error(
            rule.suite_name, rule.object_name, first.name, first.severity, _snake(first.expectation), exc
        )

    def record_check_error(self, check: Check, exc: Exception) -> None:
        """GX itself raised on a check: each of its expectations fails with the error, none is skipped."""
        for spec in check.expectations:
            self._record_error(
                check.suite_name, check.object_name, spec.rule, spec.severity, _snake(spec.expectation), exc
            )

    def _record_error(
        self,
        suite_name: str,
        object_name: str,
        rule: str,
        severity: Severity,
        expectation_type: str,
        exc: Exception,
    ) -> None:
        observed = {"exception": f"{type(exc).__name__}: {exc}"}
        self.findings.append(
            Finding(
                rule, severity, suite_name, object_name, expectation_type, "all", None, None, (), observed
            )
        )
        self._add_row(
            release_id=None,
            batch_id="all",
            suite_name=suite_name,
            object_name=object_name,
            expectation_type=expectation_type,
            rule=rule,
            severity=severity,
            success=False,
            observed_value=json.dumps(observed, default=str),
            unexpected_count=None,
            unexpected_examples=None,
        )

    def _add_row(self, **values: Any) -> None:
        """A row of `meta.validation_results`, in its contract's column order (the run's id and time
        filled in); a column the contract does not declare, or one left out, is a programming error."""
        row = {"run_id": self.run_id, "validated_at": self.validated_at, **values}
        columns = META_VALIDATION_RESULTS.column_names
        if set(row) != set(columns):
            raise ContractError(
                f"{META_VALIDATION_RESULTS.qualified_name}: a gate result row has columns {sorted(row)}, "
                f"the contract declares {sorted(columns)}"
            )
        self.rows.append({column: row[column] for column in columns})


# --- helpers ------------------------------------------------------------------------------------------


def _batches(check: Check, max_batch_rows: int) -> list[tuple[str, pl.DataFrame]]:
    """'all', or one batch per period for a big frame whose checks hold period by period."""
    frame = check.frame
    if check.batch_id is not None:
        return [(check.batch_id, frame)]
    if (
        not check.period_batches
        or frame.height <= max_batch_rows
        or "period" not in frame.columns
        or frame.schema["period"] != pl.String
        or frame.get_column("period").null_count()
    ):
        return [("all", frame)]
    periods = frame.get_column("period").unique().to_list()
    try:
        periods.sort(key=Period.parse)
    except ValueError:  # a malformed key (the contract reports it): order as text
        periods.sort()
    return [(f"period={p}", frame.filter(pl.col("period") == p)) for p in periods]


def _periods_batch_id(period_rows: Sequence[tuple[str, int]]) -> str:
    """`period=<key>` for one period, `periods=<first>_to_<last>` for several (no '/': a batch id names
    the Data Docs' files)."""
    first, last = period_rows[0][0], period_rows[-1][0]
    return f"period={first}" if len(period_rows) == 1 else f"periods={first}_to_{last}"


def _failing_periods(
    validator: Any, failed: Sequence[Any], period_rows: Sequence[tuple[str, int]]
) -> set[str]:
    """The periods holding a row that broke one of the `failed` expectations: each is validated again
    COMPLETE for every offending row's index, and an index names its period by the periods' row ranges.
    A failure that names no rows (a missing column, a wrong type, an error) is every period's."""
    starts = list(itertools.accumulate((rows for _, rows in period_rows), initial=0))
    validator.result_format = _COMPLETE
    failing: set[str] = set()
    for expectation in failed:
        complete = validator.validate_expectation(expectation)
        indices = [int(i) for i in (complete.result or {}).get("unexpected_index_list") or [] if _is_int(i)]
        if not indices or _exception_message(complete.exception_info):
            return {period for period, _ in period_rows}
        for index in indices:
            position = bisect.bisect_right(starts, index) - 1
            failing.add(period_rows[min(max(position, 0), len(period_rows) - 1)][0])
    return failing


def _pieces(
    period_rows: tuple[tuple[str, int], ...], failing: Collection[str]
) -> list[tuple[tuple[str, int], ...]]:
    """A failed batch split for validating again, in order: each failing period alone, and each run of
    periods between them together (they passed every expectation as part of the batch)."""
    pieces: list[tuple[tuple[str, int], ...]] = []
    run: list[tuple[str, int]] = []
    for period_row in period_rows:
        if period_row[0] in failing:
            if run:
                pieces.append(tuple(run))
                run = []
            pieces.append((period_row,))
        else:
            run.append(period_row)
    if run:
        pieces.append(tuple(run))
    return pieces


def _rule_of(expectation: Any) -> str:
    return str((expectation.meta or {})["rule"])


def _severity(value: Any) -> Severity:
    text = getattr(value, "value", value)
    return WARNING if text == WARNING else CRITICAL


def _exception_message(info: Any) -> str | None:
    """GX reports a raised exception either flat or keyed by the metric that raised it."""
    if not info:
        return None
    if isinstance(info, Mapping) and "raised_exception" in info:
        return str(info.get("exception_message")) if info.get("raised_exception") else None
    if isinstance(info, Mapping):
        for value in info.values():
            message = _exception_message(value)
            if message:
                return message
    return None


def _observed(summary: Mapping[str, Any], exception: str | None) -> dict[str, Any]:
    keep = ("observed_value", "element_count", "unexpected_count", "unexpected_percent", "missing_count")
    observed = {k: _plain(summary[k]) for k in keep if k in summary}
    if "partial_unexpected_list" in summary:
        observed["partial_unexpected_list"] = _plain(list(summary["partial_unexpected_list"])[:MAX_EXAMPLES])
    if exception:
        observed["exception"] = exception
    return observed


def _example_columns(check: Check, expectation: Any, frame: pl.DataFrame) -> list[str]:
    if not check.example_columns:
        return frame.columns
    referenced: list[str] = []
    for key in _REFERENCED_COLUMN_KEYS:
        value = getattr(expectation, key, None)
        if isinstance(value, str):
            referenced.append(value)
        elif isinstance(value, list):
            referenced += [v for v in value if isinstance(v, str)]
    wanted = dict.fromkeys([*check.example_columns, *referenced])
    return [c for c in wanted if c in frame.columns]


def _examples(frame: pl.DataFrame, indices: list[int], columns: list[str]) -> list[dict[str, Any]]:
    indices = [i for i in indices if 0 <= i < frame.height]
    if not indices:
        return []
    return [{k: _plain(v) for k, v in row.items()} for row in frame[indices].select(columns).to_dicts()]


def _release_ids(frame: pl.DataFrame, columns: Iterable[str]) -> set[str]:
    ids: set[str] = set()
    for column in columns:
        if column in frame.columns:
            ids |= {str(v) for v in frame.get_column(column).drop_nulls().unique().to_list()}
    return ids


def _single_release(frame: pl.DataFrame) -> str | None:
    """The release a batch is, where it is exactly one."""
    if "release_id" not in frame.columns or frame.schema["release_id"] != pl.String:
        return None
    ids = frame.get_column("release_id").drop_nulls().unique()
    return str(ids[0]) if ids.len() == 1 else None


def _is_int(value: Any) -> bool:
    try:
        int(value)
    except (TypeError, ValueError):
        return False
    return True


def _plain(value: Any) -> Any:
    """A JSON-friendly copy of a GX/pandas/numpy value (NaN and pandas NA become None)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        # 15 significant digits: exact for whole-unit amounts, without 0.16000000000000003 noise.
        return None if math.isnan(value) or math.isinf(value) else float(f"{value:.15g}")
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        try:
            return _plain(item())
        except (TypeError, ValueError):
            pass
    if type(value).__name__ in ("NAType", "NaTType"):
        return None
    return str(value)


def _short(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _snake(class_name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", class_name).lower()
