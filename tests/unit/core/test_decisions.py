"""The pure decision about one upload (glacier_cleanup.core.decisions), property-tested alone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from glacier_cleanup.core.decisions import Verdict, decide, parse_creation_date
from glacier_cleanup.core.models import CleanupPlan, Upload
from hypothesis import given
from hypothesis import strategies as st

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
PROTECT = re.compile(r"keep")

ages = st.timedeltas(min_value=timedelta(seconds=-3600), max_value=timedelta(days=4000))
thresholds = st.floats(min_value=1, max_value=87_600, allow_nan=False).map(lambda h: timedelta(hours=h))
descriptions = st.one_of(st.none(), st.text(max_size=20), st.just("please keep me"))
instants = st.datetimes(
    min_value=datetime(2013, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def plan(older_than: timedelta, *, protect: re.Pattern[str] | None = None) -> CleanupPlan:
    return CleanupPlan(dry_run=False, older_than=older_than, protect_description=protect)


@given(age=ages, older_than=thresholds, description=descriptions, now=instants)
def test_an_upload_younger_than_the_threshold_is_never_released(
    age: timedelta, older_than: timedelta, description: str | None, now: datetime
) -> None:
    upload = Upload("v", "u", iso(now - age), description)
    decision = decide(upload, plan(older_than, protect=PROTECT), now)
    # Milliseconds are all CreationDate carries: compare with what the upload actually says.
    created = datetime.fromisoformat(iso(now - age))
    if created > now - older_than:
        assert decision.verdict is not Verdict.RELEASE
    if created > now:
        assert decision.verdict is Verdict.SKIP
        assert decision.age_hours is None


@given(age=ages, older_than=thresholds, now=instants)
def test_verdict_follows_the_age_alone_without_protection(
    age: timedelta, older_than: timedelta, now: datetime
) -> None:
    created = datetime.fromisoformat(iso(now - age))
    decision = decide(Upload("v", "u", iso(created)), plan(older_than), now)
    if created > now:
        expected = Verdict.SKIP
    elif created > now - older_than:
        expected = Verdict.KEEP
    else:
        expected = Verdict.RELEASE
    assert decision.verdict is expected
    if expected is not Verdict.SKIP:
        assert decision.age_hours == round((now - created).total_seconds() / 3600, 2)


@given(
    age=st.timedeltas(min_value=timedelta(days=8), max_value=timedelta(days=4000)), description=descriptions
)
def test_a_stale_upload_is_protected_exactly_when_its_description_matches(
    age: timedelta, description: str | None
) -> None:
    decision = decide(
        Upload("v", "u", iso(NOW - age), description), plan(timedelta(days=7), protect=PROTECT), NOW
    )
    matches = PROTECT.search(description or "") is not None
    assert decision.verdict is (Verdict.PROTECT if matches else Verdict.RELEASE)


@given(raw=st.one_of(st.none(), st.text(max_size=30), st.integers()))
def test_an_unreadable_creation_date_is_skipped_never_released(raw: object) -> None:
    upload = Upload("v", "u", raw)  # type: ignore[arg-type]  # what a broken listing could carry
    decision = decide(upload, plan(timedelta(hours=1)), NOW)
    try:
        readable = isinstance(raw, str) and datetime.fromisoformat(raw) is not None
    except ValueError:
        readable = False
    if not readable:
        assert decision.verdict is Verdict.SKIP


def test_the_cutoff_itself_is_stale_and_one_millisecond_younger_is_kept() -> None:
    older_than = timedelta(hours=168)
    at_cutoff = decide(Upload("v", "u", iso(NOW - older_than)), plan(older_than), NOW)
    just_younger = decide(
        Upload("v", "u", iso(NOW - older_than + timedelta(milliseconds=1))), plan(older_than), NOW
    )
    assert (at_cutoff.verdict, just_younger.verdict) == (Verdict.RELEASE, Verdict.KEEP)
    assert at_cutoff.age_hours == 168.0


def test_a_creation_date_without_offset_is_read_as_utc() -> None:
    naive = (NOW - timedelta(hours=10)).replace(tzinfo=None).isoformat()
    decision = decide(Upload("v", "u", naive), plan(timedelta(hours=9)), NOW)
    assert decision == decide(Upload("v", "u", iso(NOW - timedelta(hours=10))), plan(timedelta(hours=9)), NOW)
    assert decision.age_hours == 10.0


@pytest.mark.usefixtures("far_from_utc")
@pytest.mark.parametrize(
    "raw",
    [
        "2025-05-01T12:00:00",  # no offset: Glacier's dates are UTC
        "2025-05-01T12:00:00.000Z",
        "2025-05-01T14:00:00+02:00",
        datetime(2025, 5, 1, 12, 0, tzinfo=UTC),
        datetime(2025, 5, 1, 5, 0, tzinfo=timezone(timedelta(hours=-7))),
    ],
)
def test_creation_dates_are_read_as_utc_instants_whatever_the_machines_zone(raw: object) -> None:
    parsed = parse_creation_date(raw)

    assert parsed == datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
    assert parsed is not None
    assert parsed.utcoffset() == timedelta(0)


def test_a_pattern_for_an_empty_description_protects_uploads_without_one() -> None:
    plan = CleanupPlan(dry_run=False, older_than=timedelta(hours=1), protect_description=re.compile("^$"))
    old = "2020-01-01T00:00:00.000Z"

    assert decide(Upload("v", "u1", old, None), plan, NOW).verdict is Verdict.PROTECT
    assert decide(Upload("v", "u2", old, "nightly"), plan, NOW).verdict is Verdict.RELEASE
