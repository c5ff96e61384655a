"""GACC's release calendar: periods, due dates (hand-entered and by rule), and release states."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from domain.periods import Period
from release_calendar import (
    CALENDAR_SCHEMA,
    GRACE_DAYS,
    PRODUCTS,
    ReleaseState,
    calendar_frame,
    due_date,
    due_date_and_source,
    official_release_dates,
    parse_release_dates,
    release_periods,
    rule_due_date,
    state,
)

NOTHING: frozenset[tuple[str, str]] = frozenset()
HEADER = "# provenance: test dates\nproduct,period,due_date,source\n"


# --- periods --------------------------------------------------------------------------------------------
def test_preliminary_publishes_jan_feb_then_march_to_december() -> None:
    periods = release_periods(2026)

    assert periods["preliminary"] == ("2026-01..02", *(f"2026-{m:02d}" for m in range(3, 13)))
    assert "2026-01" not in periods["preliminary"]


def test_the_bulletin_publishes_february_to_december() -> None:
    # February's issue prints February and January-February; it is recorded under February, as the
    # Bulletin parser records it. January has no issue of its own.
    assert release_periods(2026)["bulletin"] == tuple(f"2026-{m:02d}" for m in range(2, 13))


def test_online_query_publishes_every_month_and_the_yearbook_the_year() -> None:
    periods = release_periods(2026)

    assert periods["online_query"] == tuple(f"2026-{m:02d}" for m in range(1, 13))
    assert periods["yearbook"] == ("2026",)
    assert set(periods) == set(PRODUCTS)


@pytest.mark.parametrize(
    ("product", "period"),
    [
        ("preliminary", "2025-01"),  # no January preliminary release
        ("preliminary", "2025-02"),  # nor a February one: Jan-Feb is one period
        ("bulletin", "2025-01"),  # January comes with February's issue
        ("bulletin", "2025-01..02"),  # which is recorded under February
        ("online_query", "2025-01..02"),  # the online query splits January and February
        ("yearbook", "2025-12"),
        ("monthly_bulletin", "2025-03"),
    ],
)
def test_a_release_gacc_does_not_publish_is_an_error(product: str, period: str) -> None:
    with pytest.raises(ValueError, match=r"no \w+ release for period|unknown product"):
        due_date(product, period)


# --- due dates by rule ----------------------------------------------------------------------------------
# 2027 has no hand-entered dates, so these are the rule's. Weekdays are noted where they matter.
@pytest.mark.parametrize(
    ("product", "period", "expected"),
    [
        # Jan-Feb comes out in March, like a February release would.
        ("preliminary", "2027-01..02", date(2027, 3, 8)),  # 7 Mar 2027 is a Sunday -> Monday 8
        ("preliminary", "2027-04", date(2027, 5, 7)),  # Friday
        ("preliminary", "2027-07", date(2027, 8, 9)),  # 7 Aug 2027 is a Saturday -> Monday 9
        # Quarter-end months come out on the 13th, later than the others.
        ("preliminary", "2027-03", date(2027, 4, 13)),  # Tuesday
        ("preliminary", "2027-06", date(2027, 7, 13)),  # Tuesday
        ("preliminary", "2027-09", date(2027, 10, 13)),  # Wednesday
        ("preliminary", "2027-12", date(2028, 1, 13)),  # Thursday, the next year
        ("bulletin", "2027-02", date(2027, 3, 18)),  # Thursday
        ("bulletin", "2027-04", date(2027, 5, 18)),
        ("bulletin", "2027-03", date(2027, 4, 19)),  # 18 Apr 2027 is a Sunday
        # The online query's January comes out with February, in March.
        ("online_query", "2027-01", date(2027, 3, 22)),  # 20 Mar 2027 is a Saturday
        ("online_query", "2027-02", date(2027, 3, 22)),
        ("online_query", "2027-05", date(2027, 6, 21)),  # 20 Jun 2027 is a Sunday
        ("online_query", "2027-07", date(2027, 8, 20)),  # Friday
        ("yearbook", "2026", date(2027, 9, 30)),  # Thursday
        ("yearbook", "2027", date(2028, 10, 2)),  # 30 Sep 2028 is a Saturday
    ],
)
def test_rule_due_dates(product: str, period: str, expected: date) -> None:
    assert due_date_and_source(product, period) == (expected, "rule")


def test_jan_feb_is_due_in_march_not_in_january_or_february() -> None:
    for product in ("preliminary", "bulletin", "online_query"):
        for year in (2025, 2026, 2027, 2028):
            first = release_periods(year)[product][0]
            assert due_date(product, first).month == 3, (product, first)


def test_quarter_end_months_are_due_later_in_the_month_than_the_others() -> None:
    for year in (2027, 2028, 2029):
        for month in range(3, 13):
            day = rule_due_date("preliminary", Period.month(year, month)).day
            if month in (3, 6, 9, 12):
                assert 13 <= day <= 15, (year, month, day)
            else:
                assert 7 <= day <= 9, (year, month, day)


@pytest.mark.parametrize(
    ("period", "rule_day", "expected"),
    [
        ("2027-07", date(2027, 8, 7), date(2027, 8, 9)),  # Saturday -> Monday
        ("2027-01..02", date(2027, 3, 7), date(2027, 3, 8)),  # Sunday -> Monday
        ("2028-03", date(2028, 4, 13), date(2028, 4, 13)),  # a Thursday stays
        ("2026-06", date(2026, 7, 13), date(2026, 7, 13)),  # a Monday stays
    ],
)
def test_weekend_rule_dates_move_to_the_monday_after(period: str, rule_day: date, expected: date) -> None:
    result = rule_due_date("preliminary", period)

    assert result == expected
    assert result.weekday() < 5
    assert result >= rule_day  # never earlier: an alarm must not come before GACC's day


def test_rule_dates_never_fall_on_a_weekend() -> None:
    for year in (2026, 2027, 2028, 2029):
        for product, periods in release_periods(year).items():
            for period in periods:
                assert rule_due_date(product, period).weekday() < 5, (product, period)


# --- hand-entered dates ---------------------------------------------------------------------------------
def test_a_hand_entered_date_overrides_the_rule() -> None:
    # GACC released April 2025 on Friday 9 May, two days after the rule's 7th.
    assert rule_due_date("preliminary", "2025-04") == date(2025, 5, 7)
    assert due_date_and_source("preliminary", "2025-04") == (date(2025, 5, 9), "official")
    # The day before the real release, the rule would call it due; the official date says not yet.
    assert state("preliminary", "2025-04", date(2025, 5, 8), NOTHING) is ReleaseState.NONE_EXPECTED


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("2025-11", date(2025, 12, 8)),
        ("2025-12", date(2026, 1, 14)),
        ("2026-01..02", date(2026, 3, 10)),
        ("2025-01..02", date(2025, 3, 7)),
    ],
)
def test_known_preliminary_release_dates(period: str, expected: date) -> None:
    assert due_date_and_source("preliminary", period) == (expected, "official")


def test_the_rule_would_have_raised_no_false_alarm_on_any_known_date() -> None:
    # Every release GACC made on a known date was in by the rule's due date plus the grace period.
    known = official_release_dates()
    assert known, "release_dates.csv has no rows"
    for (product, period), official in known.items():
        deadline = rule_due_date(product, period) + timedelta(days=GRACE_DAYS)
        assert official.due_date <= deadline, (product, period, official)


def test_the_package_release_dates_name_their_source() -> None:
    for key, official in official_release_dates().items():
        assert official.source.strip(), key


def test_release_dates_file_problems_are_reported_by_line() -> None:
    text = (
        HEADER
        + "preliminary,2025-01,2025-02-07,typo: no January release\n"
        + "preliminary,2025-04,2025-04-09,inside its own period\n"
        + "preliminary,2025-05,not a date,x\n"
        + "preliminary,2025-06,2025-07-14,\n"
        + "preliminary,2025-07,2025-08-07,GACC\n"
        + "preliminary,2025-07,2025-08-08,GACC again\n"
    )

    with pytest.raises(ValueError) as caught:
        parse_release_dates(text)

    message = str(caught.value)
    assert "release_dates.csv line 3: GACC publishes no preliminary release for period '2025-01'" in message
    assert "line 4: due_date 2025-04-09 is not after the period 2025-04 ends" in message
    assert "line 5: " in message
    assert "line 6: source is empty" in message
    assert "line 8: preliminary 2025-07 is already on line 7" in message


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("product,period,due_date,source\n", r"line 1: must be a '# provenance: \.\.\.' comment"),
        ("# provenance:   \nproduct,period,due_date,source\n", "line 1: must be"),
        ("# provenance: x\nproduct,period,due\n", "line 2: header"),
    ],
)
def test_release_dates_file_needs_provenance_and_header(text: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        parse_release_dates(text)


def test_a_valid_release_dates_file_parses() -> None:
    text = HEADER + 'yearbook,2025,2026-09-28,"GACC, yearbook notice"\nonline_query,2025-01,2025-03-20,x\n'

    result = parse_release_dates(text)

    assert {k: (v.due_date, v.source) for k, v in result.items()} == {
        ("yearbook", "2025"): (date(2026, 9, 28), "GACC, yearbook notice"),
        ("online_query", "2025-01"): (date(2025, 3, 20), "x"),
    }


# --- states ---------------------------------------------------------------------------------------------
# preliminary 2027-04 is due by rule on Friday 7 May 2027 (no hand-entered date).
DUE = date(2027, 5, 7)


@pytest.mark.parametrize(
    ("today", "published", "expected"),
    [
        (DUE - timedelta(days=30), NOTHING, ReleaseState.NONE_EXPECTED),  # a month before
        (DUE - timedelta(days=1), NOTHING, ReleaseState.NONE_EXPECTED),
        (DUE, NOTHING, ReleaseState.DUE),  # on the due date
        (DUE + timedelta(days=GRACE_DAYS), NOTHING, ReleaseState.DUE),  # last day of grace
        (DUE + timedelta(days=GRACE_DAYS + 1), NOTHING, ReleaseState.OVERDUE),
        (DUE + timedelta(days=7), NOTHING, ReleaseState.OVERDUE),  # a week late
        (DUE + timedelta(days=7), {("preliminary", "2027-04")}, ReleaseState.PUBLISHED),
        (DUE - timedelta(days=3), {("preliminary", "2027-04")}, ReleaseState.PUBLISHED),  # early
        (DUE + timedelta(days=7), {("online_query", "2027-04")}, ReleaseState.OVERDUE),  # other product
        (DUE + timedelta(days=7), {("preliminary", "2027-03")}, ReleaseState.OVERDUE),  # other period
    ],
)
def test_release_state(today: date, published: set[tuple[str, str]], expected: ReleaseState) -> None:
    assert state("preliminary", "2027-04", today, published) is expected


def test_grace_period_can_be_changed() -> None:
    assert (
        state("preliminary", "2027-04", DUE + timedelta(days=1), NOTHING, grace_days=0)
        is ReleaseState.OVERDUE
    )


def test_state_accepts_a_period_object() -> None:
    assert state("preliminary", Period.jan_feb(2027), date(2027, 3, 8), NOTHING) is ReleaseState.DUE


def test_yearbook_is_due_on_30_september_of_the_next_year() -> None:
    assert state("yearbook", "2026", date(2027, 9, 29), NOTHING) is ReleaseState.NONE_EXPECTED
    assert state("yearbook", "2026", date(2027, 9, 30), NOTHING) is ReleaseState.DUE
    assert state("yearbook", "2026", date(2027, 10, 11), NOTHING) is ReleaseState.OVERDUE
    assert state("yearbook", "2026", date(2027, 10, 11), {("yearbook", "2026")}) is ReleaseState.PUBLISHED


# --- the calendar frame ---------------------------------------------------------------------------------
def test_calendar_frame() -> None:
    today = date(2027, 5, 8)
    published = {("preliminary", "2027-01..02")}

    result = calendar_frame(today, published, [2027], products=["preliminary"]).head(4)

    expected = pl.DataFrame(
        {
            "product": ["preliminary"] * 4,
            "period": ["2027-01..02", "2027-03", "2027-04", "2027-05"],
            "due_date": [date(2027, 3, 8), date(2027, 4, 13), date(2027, 5, 7), date(2027, 6, 7)],
            "due_source": ["rule"] * 4,
            "state": ["published", "overdue", "due", "none_expected"],
            "days_late": [None, 25, 1, None],
        },
        schema=CALENDAR_SCHEMA,
    )
    assert_frame_equal(result, expected)


def test_calendar_frame_covers_every_product_and_year() -> None:
    result = calendar_frame(date(2026, 6, 1), set(), [2026, 2025, 2025])

    per_year = {"preliminary": 11, "bulletin": 11, "online_query": 12, "yearbook": 1}
    assert result.group_by("product").len().sort("product").rows() == sorted(
        (p, 2 * n) for p, n in per_year.items()
    )
    assert result["product"].unique(maintain_order=True).to_list() == list(PRODUCTS)
    assert result.filter(pl.col("product") == "preliminary")["period"].head(2).to_list() == [
        "2025-01..02",
        "2025-03",
    ]
    assert result.schema == CALENDAR_SCHEMA
