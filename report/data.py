"""What the release report shows, read from the published warehouse (read-only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from domain.partners import WORLD_CODE
from domain.periods import Period
from report.labels import period_label

HISTORY_PERIODS = 24  # periods in the monthly chart, ending at the report's period
TOP_PARTNERS = 10  # partners in the partner table and the y/y chart
PARTNER_MOVES = 5  # partners with the largest change in exports on a year earlier
SURPLUS_PARTNERS = 15  # partners in the surplus chart, by size of surplus or deficit
VALIDATION_FAILURES_SHOWN = 20


@dataclass(frozen=True)
class Totals:
    """World totals of one period, from bi.monthly_trade (whole currency units, as published)."""

    period: str
    period_start: date
    months_covered: int
    exports_usd: int | None
    imports_usd: int | None
    balance_usd: int | None
    exports_cny: int | None
    imports_cny: int | None
    balance_cny: int | None
    exports_yoy_pct: float | None
    imports_yoy_pct: float | None


@dataclass(frozen=True)
class PartnerRow:
    partner_code: str
    partner_name: str
    exports_usd: int | None
    imports_usd: int | None
    balance_usd: int | None
    exports_yoy_pct: float | None
    imports_yoy_pct: float | None


@dataclass(frozen=True)
class PartnerMove:
    """A partner's exports against the same period a year earlier."""

    partner_code: str
    partner_name: str
    exports_usd: int
    exports_year_earlier_usd: float
    change_usd: float
    change_pct: float | None
    # True when the year-earlier period is not in the warehouse and its value comes from the y/y rate.
    year_earlier_derived: bool


@dataclass(frozen=True)
class SurplusRow:
    partner_code: str
    partner_name: str
    is_group: bool
    balance_usd: int
    balance_ytd_usd: int | None
    balance_rolling_12m_usd: int | None
    share_of_total_balance_pct: float | None


@dataclass(frozen=True)
class SeverityCount:
    severity: str
    passed: int
    failed: int


@dataclass(frozen=True)
class ValidationFailure:
    suite_name: str
    object_name: str
    rule: str
    severity: str
    unexpected_count: int | None


@dataclass(frozen=True)
class ValidationOutcome:
    """The latest gate run recorded in meta.validation_results; `run_id` None when none is."""

    run_id: str | None
    validated_at: datetime | None  # UTC
    counts: tuple[SeverityCount, ...]
    failures: tuple[ValidationFailure, ...]  # the first VALIDATION_FAILURES_SHOWN, critical first

    @property
    def recorded(self) -> bool:
        return self.run_id is not None

    @property
    def failed(self) -> int:
        return sum(c.failed for c in self.counts)

    @property
    def critical_failed(self) -> int:
        return sum(c.failed for c in self.counts if c.severity == "critical")

    @property
    def status(self) -> str:
        if not self.recorded:
            return "not recorded"
        if self.critical_failed:
            return "failed"
        return "passed with warnings" if self.failed else "passed"


@dataclass(frozen=True)
class Release:
    release_id: str
    product: str
    published_on: date | None
    status: str
    is_latest_vintage: bool
    file_count: int | None


@dataclass(frozen=True)
class ReportData:
    warehouse_path: Path
    period: str
    totals: Totals
    year_earlier: Totals | None  # the same months a year earlier, when in the warehouse
    history: tuple[Totals, ...]  # up to HISTORY_PERIODS periods ending at `period`, oldest first
    top_partners: tuple[PartnerRow, ...]  # countries by exports, largest first
    partner_moves: tuple[PartnerMove, ...]  # largest absolute change in exports first
    surplus: tuple[SurplusRow, ...]  # every partner but the World, largest surplus first
    validation: ValidationOutcome
    releases: tuple[Release, ...]
    publication_date: date | None
    latest_period: str  # the warehouse's latest period (the report may be about an earlier one)
    ingested_from: str | None  # source of the run that published the warehouse (meta.runs)

    @property
    def period_label(self) -> str:
        return period_label(self.period)

    @property
    def world_balance_change_usd(self) -> int | None:
        before = self.year_earlier
        if before is None or before.balance_usd is None or self.totals.balance_usd is None:
            return None
        return self.totals.balance_usd - before.balance_usd


_TOTALS_COLUMNS = (
    "period, period_start, months_covered, exports_usd, imports_usd, balance_usd, "
    "exports_cny, imports_cny, balance_cny, exports_yoy_pct, imports_yoy_pct"
)


def load_report_data(warehouse_path: Path, period: str) -> ReportData:
    """Read everything the report shows for `period` (YYYY-MM or YYYY-01..02) from the warehouse.

    Raises FileNotFoundError without a warehouse, and ValueError for a period the warehouse does not
    hold, naming the latest one it does.
    """
    key = Period.parse(period).key
    if not warehouse_path.is_file():
        raise FileNotFoundError(f"no warehouse at {warehouse_path}: run `customs run` first")
    # Read-only, and closed on return: the publish step swaps the file with a rename, and a connection
    # left open would keep serving the old file to later connections in this process.
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        totals = _read_totals(con, "period = ?", key)
        latest = con.execute(
            "SELECT period FROM bi.monthly_trade ORDER BY period_start DESC LIMIT 1"
        ).fetchone()
        if not totals:
            where = f"the latest available period is {latest[0]}" if latest else "it holds no periods"
            raise ValueError(f"period {key} is not in the warehouse {warehouse_path}: {where}")
        assert latest is not None  # the period itself is there
        current = totals[0]
        year_earlier = _read_totals(con, "period = ?", Period.parse(key).year_earlier().key)
        history = _read_totals(con, "period_start <= ?", current.period_start)[-HISTORY_PERIODS:]
        return ReportData(
            warehouse_path=warehouse_path,
            period=key,
            totals=current,
            year_earlier=year_earlier[0] if year_earlier else None,
            history=tuple(history),
            top_partners=_read_top_partners(con, key),
            partner_moves=_read_partner_moves(con, key),
            surplus=_read_surplus(con, key),
            validation=_read_validation(con),
            releases=_read_releases(con, key),
            publication_date=_publication_date(con, key),
            latest_period=latest[0],
            ingested_from=_ingested_from(con),
        )


def _read_totals(con: duckdb.DuckDBPyConnection, where: str, value: object) -> list[Totals]:
    rows = con.execute(
        f"SELECT {_TOTALS_COLUMNS} FROM bi.monthly_trade WHERE {where} ORDER BY period_start", [value]
    ).fetchall()
    return [Totals(*row) for row in rows]


def _read_top_partners(con: duckdb.DuckDBPyConnection, key: str) -> tuple[PartnerRow, ...]:
    rows = con.execute(
        """
        SELECT partner_code, partner_name, exports_usd, imports_usd, balance_usd,
               exports_yoy_pct, imports_yoy_pct
        FROM bi.partner_trade
        WHERE period = ? AND NOT is_group AND partner_code <> ? AND exports_usd IS NOT NULL
        ORDER BY exports_usd DESC, partner_code
        LIMIT ?
        """,
        [key, WORLD_CODE, TOP_PARTNERS],
    ).fetchall()
    return tuple(PartnerRow(*row) for row in rows)


def _read_partner_moves(con: duckdb.DuckDBPyConnection, key: str) -> tuple[PartnerMove, ...]:
    rows = con.execute(
        """
        SELECT c.partner_code, c.partner_name, c.exports_usd, p.exports_usd, c.exports_yoy_pct
        FROM bi.partner_trade AS c
        LEFT JOIN bi.partner_trade AS p ON p.partner_code = c.partner_code AND p.period = ?
        WHERE c.period = ? AND NOT c.is_group AND c.partner_code <> ? AND c.exports_usd IS NOT NULL
        """,
        [Period.parse(key).year_earlier().key, key, WORLD_CODE],
    ).fetchall()
    moves: list[PartnerMove] = []
    for code, name, exports, before, yoy in rows:
        derived = before is None
        if derived:
            # The first year in the warehouse has no year-earlier rows, but GACC publishes a y/y rate
            # for some partners: the year-earlier value it implies is the best figure there is.
            if yoy is None or yoy <= -100:
                continue
            before = exports / (1 + yoy / 100)
        pct = yoy if yoy is not None else (100 * (exports - before) / before if before else None)
        moves.append(PartnerMove(code, name, exports, float(before), float(exports - before), pct, derived))
    moves.sort(key=lambda m: (-abs(m.change_usd), m.partner_code))
    return tuple(moves[:PARTNER_MOVES])


def _read_surplus(con: duckdb.DuckDBPyConnection, key: str) -> tuple[SurplusRow, ...]:
    rows = con.execute(
        """
        SELECT s.partner_code, coalesce(p.partner_name, s.partner_code), coalesce(p.is_group, false),
               s.balance_usd, s.balance_ytd_usd, s.balance_rolling_12m_usd, s.share_of_total_balance_pct
        FROM bi.trade_surplus AS s
        LEFT JOIN bi.partner_trade AS p ON p.period = s.period AND p.partner_code = s.partner_code
        WHERE s.period = ? AND s.partner_code <> ? AND s.balance_usd IS NOT NULL
        ORDER BY s.balance_usd DESC, s.partner_code
        """,
        [key, WORLD_CODE],
    ).fetchall()
    return tuple(SurplusRow(*row) for row in rows)


def _read_validation(con: duckdb.DuckDBPyConnection) -> ValidationOutcome:
    latest = con.execute(
        """
        SELECT run_id, max(timezone('UTC', validated_at)) AS last_validated_at
        FROM meta.validation_results GROUP BY run_id
        ORDER BY last_validated_at DESC, run_id DESC LIMIT 1
        """
    ).fetchone()
    if latest is None:
        return ValidationOutcome(None, None, (), ())
    run_id, validated_at = latest
    # Critical first: it is what stops a release; other severities follow alphabetically.
    counts = con.execute(
        """
        SELECT severity, count(*) FILTER (WHERE success), count(*) FILTER (WHERE NOT success)
        FROM meta.validation_results WHERE run_id = ?
        GROUP BY severity ORDER BY severity <> 'critical', severity
        """,
        [run_id],
    ).fetchall()
    failures = con.execute(
        """
        SELECT suite_name, object_name, rule, severity, unexpected_count
        FROM meta.validation_results WHERE run_id = ? AND NOT success
        ORDER BY severity <> 'critical', severity, suite_name, rule, batch_id
        LIMIT ?
        """,
        [run_id, VALIDATION_FAILURES_SHOWN],
    ).fetchall()
    return ValidationOutcome(
        run_id,
        validated_at,
        tuple(SeverityCount(*row) for row in counts),
        tuple(ValidationFailure(*row) for row in failures),
    )


def _read_releases(con: duckdb.DuckDBPyConnection, key: str) -> tuple[Release, ...]:
    rows = con.execute(
        """
        SELECT release_id, product, published_on, status, is_latest_vintage, file_count
        FROM meta.releases WHERE period = ? ORDER BY published_on NULLS LAST, release_id
        """,
        [key],
    ).fetchall()
    return tuple(Release(*row) for row in rows)


def _publication_date(con: duckdb.DuckDBPyConnection, key: str) -> date | None:
    # The headline figures come from the preliminary release; its latest vintage dates them. Without
    # one (a warehouse fed only from the online query), the newest release of the period does.
    row = con.execute(
        """
        SELECT coalesce(
            max(published_on) FILTER (WHERE product = 'preliminary' AND is_latest_vintage),
            max(published_on))
        FROM meta.releases WHERE period = ?
        """,
        [key],
    ).fetchone()
    return row[0] if row else None


def _ingested_from(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        row = con.execute(
            "SELECT source FROM meta.runs WHERE status = 'published' ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
    except duckdb.CatalogException:  # meta.runs is provenance only: a warehouse without it still reports
        return None
    return row[0] if row else None
