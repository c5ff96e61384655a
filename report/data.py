"""What the release report shows, read from the published warehouse (read-only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from domain.partners import WORLD_CODE
from domain.periods import Period
from report.labels import period_label
from warehouse.read import PublishedWarehouse, open_read_only

HISTORY_PERIODS = 24  # periods in the monthly chart, ending at the report's period
TOP_PARTNERS = 10  # partners in the partner table and the y/y chart
PARTNER_MOVES = 5  # partners with the largest change in exports on a year earlier
SURPLUS_PARTNERS = 15  # partners in the surplus chart, by size of surplus or deficit
VALIDATION_FAILURES_SHOWN = 20
ANNUAL_BALANCES = 5  # countries with the largest surplus, and with the largest deficit, in the year
DEMO_SOURCE = "demo"  # meta.runs' source of the synthetic demo releases (config.settings.SOURCES)
REVISIONS_SHOWN = 10  # revised US-dollar figures in the revisions table, largest change first
USD_MEASURES = ("value_usd", "value_ytd_usd")  # bi.revisions.revised_measure in US dollars
CUMULATIVE_MEASURES = ("value_ytd_usd", "value_ytd_cny")  # January-to-month figures
FIRST_PRINT_DIRECTIONS = ("export", "import")  # China's totals in the first-print chart


@dataclass(frozen=True)
class Totals:
    """World totals of one period, from bi.monthly_trade (whole currency units, as published).

    The fields are the view's columns, in its contract's order (a test holds them to it)."""

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
    # Issue 13's additions to the view.
    period_kind: str
    exports_yoy_source: str | None
    imports_yoy_source: str | None
    # Issue 12: 'derived' for a January derived from a Monthly Bulletin February page.
    value_source: str


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
class AnnualPartner:
    """A partner's (or the World's) calendar-year totals, from bi.annual_trade."""

    partner_code: str
    partner_name: str
    is_group: bool
    exports_usd: int | None
    imports_usd: int | None
    balance_usd: int | None
    exports_yoy_pct: float | None
    imports_yoy_pct: float | None


@dataclass(frozen=True)
class AnnualSection:
    """December's report: the whole year (January-December values as published in December)."""

    year: int
    world: AnnualPartner
    world_year_earlier: AnnualPartner | None
    top_partners: tuple[AnnualPartner, ...]  # countries by exports, largest first
    largest_surpluses: tuple[AnnualPartner, ...]  # countries, largest surplus first
    largest_deficits: tuple[AnnualPartner, ...]  # countries, largest deficit first

    @property
    def balance_change_usd(self) -> int | None:
        before = self.world_year_earlier
        if before is None or before.balance_usd is None or self.world.balance_usd is None:
            return None
        return self.world.balance_usd - before.balance_usd


@dataclass(frozen=True)
class Revision:
    """A figure one vintage revised: its value in the vintage before (under the precedence rule) and in
    this one, from bi.revisions (whole currency units of the measure: US dollars or yuan)."""

    period: str
    partner_code: str
    partner_name: str
    direction: str  # total, export, import
    revised_measure: str  # value_usd, value_cny, value_ytd_usd, value_ytd_cny
    previous_source: str | None
    previous_public_on: date | None
    previous_value: int
    source: str
    public_on: date
    value: int
    change: int
    change_pct: float | None

    @property
    def unit(self) -> str:
        return "US$" if self.revised_measure in USD_MEASURES else "CNY"

    @property
    def is_cumulative(self) -> bool:
        """The January-to-month figure rather than the period's."""
        return self.revised_measure in CUMULATIVE_MEASURES


@dataclass(frozen=True)
class RevisionsSection:
    """The revisions made public since the last release: after the first release of the period before
    the report's, up to the report's own first release (or, for the warehouse's latest period, up to now),
    so that each revision shows in one report, the first one published after it."""

    kept: bool  # the warehouse keeps vintages (bi.revisions); False for a file published before it did
    previous_period: str | None  # the period before the report's, in the warehouse
    after: date | None  # revisions public after this day: the previous period's first release
    until: date | None  # and on or before this day: the report's period's first release; None: up to now
    largest: tuple[Revision, ...]  # US-dollar figures, largest absolute change first (REVISIONS_SHOWN)
    usd_revised: int  # revised US-dollar figures in the window (the table shows the largest)
    cny_revised: int  # revised yuan figures in the window (not ranked with the dollars: never converted)

    @property
    def found(self) -> bool:
        return bool(self.usd_revised or self.cny_revised)


@dataclass(frozen=True)
class FirstPrint:
    """China's totals of one period as first printed and as the latest vintage has them (US dollars)."""

    period: str
    months_covered: int
    exports_first_usd: int | None
    exports_latest_usd: int | None
    imports_first_usd: int | None
    imports_latest_usd: int | None

    @staticmethod
    def _change(first: int | None, latest: int | None) -> int | None:
        return None if first is None or latest is None else latest - first

    @property
    def exports_revision_usd(self) -> int | None:
        return self._change(self.exports_first_usd, self.exports_latest_usd)

    @property
    def imports_revision_usd(self) -> int | None:
        return self._change(self.imports_first_usd, self.imports_latest_usd)


NO_REVISIONS = RevisionsSection(False, None, None, None, (), 0, 0)


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
    annual: AnnualSection | None = None  # December's report: the full year, when bi.annual_trade has it
    revisions: RevisionsSection = NO_REVISIONS
    first_prints: tuple[FirstPrint, ...] = ()  # the periods of `history` (bi.revision_triangle)

    @property
    def bulletin_date(self) -> date | None:
        """The publication date of the period's latest Monthly Bulletin: its figures replace the preliminary
        release's in the views, so a report that shows them says so."""
        dates = [
            r.published_on
            for r in self.releases
            if r.product == "bulletin" and r.status == "published" and r.published_on is not None
        ]
        return max(dates, default=None)

    @property
    def is_demo(self) -> bool:
        """The synthetic demo releases, not GACC's figures."""
        return self.ingested_from == DEMO_SOURCE

    @property
    def warehouse_name(self) -> str:
        """The warehouse file's name: a report leaves the machine, the local path must not."""
        return self.warehouse_path.name

    @property
    def period_label(self) -> str:
        return period_label(self.period)

    @property
    def world_balance_change_usd(self) -> int | None:
        before = self.year_earlier
        if before is None or before.balance_usd is None or self.totals.balance_usd is None:
            return None
        return self.totals.balance_usd - before.balance_usd


def load_report_data(warehouse_path: Path, period: str) -> ReportData:
    """Read everything the report shows for `period` (YYYY-MM or YYYY-01..02) from the warehouse.

    Raises FileNotFoundError without a warehouse, and ValueError for a period the warehouse does not
    hold, naming the latest one it does.
    """
    key = Period.parse(period).key
    if not warehouse_path.is_file():
        raise FileNotFoundError(f"no warehouse at {warehouse_path}: run `customs run` first")
    with open_read_only(warehouse_path) as warehouse:
        totals = [Totals(**row) for row in warehouse.monthly_trade(period=key)]
        latest = warehouse.latest_period()
        if not totals:
            where = f"the latest available period is {latest}" if latest else "it holds no periods"
            raise ValueError(f"period {key} is not in the warehouse {warehouse_path}: {where}")
        assert latest is not None  # the period itself is there
        current = totals[0]
        year_earlier = warehouse.monthly_trade(period=Period.parse(key).year_earlier().key)
        history = [Totals(**row) for row in warehouse.monthly_trade(up_to=current.period_start)]
        shown = history[-HISTORY_PERIODS:]
        return ReportData(
            warehouse_path=warehouse_path,
            period=key,
            totals=current,
            year_earlier=Totals(**year_earlier[0]) if year_earlier else None,
            history=tuple(shown),
            top_partners=tuple(
                PartnerRow(*row)
                for row in warehouse.top_partners_by_exports(key, world_code=WORLD_CODE, limit=TOP_PARTNERS)
            ),
            partner_moves=_partner_moves(warehouse, key),
            surplus=tuple(
                SurplusRow(*row) for row in warehouse.surplus_by_partner(key, world_code=WORLD_CODE)
            ),
            validation=_validation(warehouse),
            releases=tuple(Release(*row) for row in warehouse.releases_of_period(key)),
            publication_date=warehouse.publication_date(key),
            latest_period=latest,
            ingested_from=warehouse.published_from(),
            annual=_annual(warehouse, key),
            revisions=_revisions(warehouse, key, history, is_latest=key == latest),
            first_prints=_first_prints(warehouse, shown),
        )


def _partner_moves(warehouse: PublishedWarehouse, key: str) -> tuple[PartnerMove, ...]:
    rows = warehouse.partner_exports_with_year_earlier(
        key, Period.parse(key).year_earlier().key, world_code=WORLD_CODE
    )
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


def _revisions(
    warehouse: PublishedWarehouse, key: str, history: list[Totals], *, is_latest: bool
) -> RevisionsSection:
    if not warehouse.has_revisions():
        return NO_REVISIONS
    previous = history[-2].period if len(history) > 1 else None
    after = warehouse.first_print_on(previous) if previous is not None else None
    until = None if is_latest else warehouse.first_print_on(key)
    revised = [Revision(*row) for row in warehouse.revisions_public_between(after, until)]
    usd = [r for r in revised if r.revised_measure in USD_MEASURES]  # largest change first, as read
    return RevisionsSection(
        kept=True,
        previous_period=previous,
        after=after,
        until=until,
        largest=tuple(usd[:REVISIONS_SHOWN]),
        usd_revised=len(usd),
        cny_revised=len(revised) - len(usd),
    )


def _first_prints(warehouse: PublishedWarehouse, history: list[Totals]) -> tuple[FirstPrint, ...]:
    if not history or not warehouse.has_revisions():
        return ()
    rows = warehouse.first_print_and_latest([t.period for t in history], directions=FIRST_PRINT_DIRECTIONS)
    by_key = {(period, direction): (first, latest) for period, direction, first, latest in rows}
    none = (None, None)
    return tuple(
        FirstPrint(
            t.period,
            t.months_covered,
            *by_key.get((t.period, "export"), none),
            *by_key.get((t.period, "import"), none),
        )
        for t in history
    )


def _annual(warehouse: PublishedWarehouse, key: str) -> AnnualSection | None:
    period = Period.parse(key)
    if period.is_combined or period.last_month != 12:
        return None
    rows = [AnnualPartner(*row) for row in warehouse.annual_trade(period.year)]
    world = next((r for r in rows if r.partner_code == WORLD_CODE), None)
    if world is None:
        return None
    before = [AnnualPartner(*row) for row in warehouse.annual_trade(period.year - 1)]
    countries = [r for r in rows if not r.is_group and r.partner_code != WORLD_CODE]
    with_balance = [r for r in countries if r.balance_usd is not None]
    surpluses = sorted(
        (r for r in with_balance if r.balance_usd is not None and r.balance_usd > 0),
        key=lambda r: (-(r.balance_usd or 0), r.partner_code),
    )
    deficits = sorted(
        (r for r in with_balance if r.balance_usd is not None and r.balance_usd < 0),
        key=lambda r: (r.balance_usd or 0, r.partner_code),
    )
    return AnnualSection(
        year=period.year,
        world=world,
        world_year_earlier=next((r for r in before if r.partner_code == WORLD_CODE), None),
        top_partners=tuple(r for r in countries if r.exports_usd is not None)[:TOP_PARTNERS],
        largest_surpluses=tuple(surpluses[:ANNUAL_BALANCES]),
        largest_deficits=tuple(deficits[:ANNUAL_BALANCES]),
    )


def _validation(warehouse: PublishedWarehouse) -> ValidationOutcome:
    latest = warehouse.latest_validation_run()
    if latest is None:
        return ValidationOutcome(None, None, (), ())
    run_id, validated_at = latest
    return ValidationOutcome(
        run_id,
        validated_at,
        tuple(SeverityCount(*row) for row in warehouse.validation_counts(run_id)),
        tuple(
            ValidationFailure(*row)
            for row in warehouse.validation_failures(run_id, limit=VALIDATION_FAILURES_SHOWN)
        ),
    )
