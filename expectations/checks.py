"""What every check of the gate shares: severities, expectation specs, checks, and loading GX.

A `Check` is the unit the gate runs: the rows to validate (a polars frame) and the expectations to
validate them with, as one GX suite. Contract suites (`expectations.suites`) and business rules
(`expectations.rules`) are both expressed as checks, so the gate treats them alike. This module imports
neither of them: they import it.

Great Expectations is imported only inside functions (`import_gx`): importing this package stays fast
(GX takes about 3 s to import) for the command-line interface and for code that never validates.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.core import ExpectationSuite
    from great_expectations.expectations import Expectation

Severity = Literal["critical", "warning"]
CRITICAL: Severity = "critical"
WARNING: Severity = "warning"


def import_gx() -> ModuleType:
    """`great_expectations`, imported on first use with analytics off (set before the import reads it)."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    import great_expectations as gx

    return gx


@functools.cache
def _pandas_types_mapper() -> Callable[[Any], Any]:
    import pandas as pd
    import pyarrow as pa

    mapping = {
        pa.int64(): pd.Int64Dtype(),
        pa.float64(): pd.Float64Dtype(),
        pa.bool_(): pd.BooleanDtype(),
        pa.string(): pd.StringDtype(),
        pa.large_string(): pd.StringDtype(),
        pa.string_view(): pd.StringDtype(),
    }
    return mapping.get


def to_pandas(frame: pl.DataFrame) -> pd.DataFrame:
    """The frame as pandas with nullable dtypes, the one conversion every check goes through.

    GX has no polars datasource. The default conversion turns an Int64 column with nulls into float64
    and a Boolean one into object, so a type check could not tell them from a wrong type; nullable
    pandas dtypes keep the contract's types visible. Other Arrow types (Int32, naive datetimes) keep
    their own numpy dtype, so they fail the type check as they should.

    Numbers go to plain numpy where that loses nothing: an Int64 column without nulls becomes int64,
    a Float64 column without NaN float64 (its nulls NaN, which pandas and GX treat as missing like NA).
    GX compares a numpy column with a range in one vectorized step, but a nullable one value by value
    in Python (0.2-0.3 CPU s per expectation on a month of detail); a type check sees the same
    `int64`/`float64` either way.
    """
    import numpy as np

    pdf = frame.to_pandas(types_mapper=_pandas_types_mapper())
    if not frame.height:
        return pdf
    ints = [c for c, t in frame.schema.items() if t == pl.Int64]
    floats = [c for c, t in frame.schema.items() if t == pl.Float64]
    if not ints and not floats:
        return pdf
    counts = frame.select(
        *(pl.col(c).null_count().alias(c) for c in ints),
        *(pl.col(c).is_nan().sum().alias(c) for c in floats),
    ).row(0, named=True)
    for column in ints:
        if not counts[column]:
            pdf[column] = pdf[column].to_numpy(dtype=np.int64)
    for column in floats:
        if not counts[column]:
            pdf[column] = pdf[column].to_numpy(dtype=np.float64, na_value=np.nan)
    return pdf


@functools.cache
def _named_expectation_class(name: str, base: str, doc: str | None) -> type:
    """A named subclass of a GX built-in (defined once per name: defining it registers the type).

    Subclassing a built-in registers a new expectation type (the snake-case of `name`) with the
    built-in's metrics and renderers, so results and Data Docs say `expect_total_to_equal_export_plus_import`
    rather than a generic column check. That works on pandas in GX 1.24, unlike
    `UnexpectedRowsExpectation`, which is SQL-only.
    """
    gx = import_gx()
    parent = getattr(gx.expectations, base)
    return type(name, (parent,), {"__doc__": doc, "__module__": __name__, "__qualname__": name})


@dataclass(frozen=True)
class ExpectationSpec:
    """One expectation of a check: the rule it stands for, its severity, and how to build it.

    `expectation` names a GX built-in (`ExpectColumnValuesToBeBetween`), or, with `base`, a named
    subclass of the built-in `base` (documented by `doc`); `kwargs` are its arguments. Kept as data so
    checks can be listed and tested without importing GX.
    """

    rule: str
    severity: Severity
    expectation: str
    kwargs: Mapping[str, Any]
    description: str | None = None
    base: str | None = None
    doc: str | None = None

    def expectation_class(self) -> type:
        gx = import_gx()
        if self.base is None:
            cls: type = getattr(gx.expectations, self.expectation)
            return cls
        return _named_expectation_class(self.expectation, self.base, self.doc)

    def build(self, object_name: str) -> Expectation:
        extra: dict[str, Any] = {"description": self.description} if self.description else {}
        expectation: Expectation = self.expectation_class()(
            **self.kwargs,
            severity=self.severity,
            meta={"rule": self.rule, "object_name": object_name},
            **extra,
        )
        return expectation


@dataclass(frozen=True, eq=False)  # holds a frame: compared and hashed by identity
class Check:
    """Rows to validate and the expectations to validate them with, as one GX suite.

    `frame` is a table as given (contract suites) or a frame a business rule prepared from the tables
    (one row per comparison, with the figures compared and the tolerance). `blame_columns` hold the
    release ids an offending row is charged to; `example_columns` are the columns shown for offending
    rows (all columns when empty). A big frame may be validated in one batch per period
    (`period_batches`). A batch of several periods of a table stored per period names its periods and
    their rows, in order (`period_rows`), so that a failure can be charged to its own periods.
    """

    suite_name: str
    object_name: str
    frame: pl.DataFrame
    expectations: tuple[ExpectationSpec, ...]
    blame_columns: tuple[str, ...] = ("release_id",)
    example_columns: tuple[str, ...] = ()
    period_batches: bool = True
    notes: str | None = None
    # The frame is one batch already (a period of a table stored per period): its name in the results.
    batch_id: str | None = None
    # (period, rows) of each period the frame holds, in the frame's order: the frame is those periods'
    # rows one after the other.
    period_rows: tuple[tuple[str, int], ...] = ()
    _suite_cache: list[ExpectationSuite] = field(default_factory=list, compare=False, repr=False)

    @property
    def rules(self) -> list[str]:
        return [spec.rule for spec in self.expectations]

    def suite(self) -> ExpectationSuite:
        """The GX suite (built once: building imports GX and instantiates pydantic models)."""
        if not self._suite_cache:
            gx = import_gx()
            self._suite_cache.append(
                gx.ExpectationSuite(
                    name=self.suite_name,
                    expectations=[spec.build(self.object_name) for spec in self.expectations],
                    meta={"object_name": self.object_name},
                    notes=self.notes,
                )
            )
        return self._suite_cache[0]
