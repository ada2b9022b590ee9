"""The activity rule (glacier_cleanup.core.activity): an old upload is released only once its progress has
stayed the same across looks that span at least the idle time. Property tests over any history of looks,
any clock (forwards, backwards, repeated instants) and any idle time."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from glacier_cleanup.core.activity import (
    MIN_RETENTION,
    Activity,
    Observation,
    Progress,
    UploadKey,
    judge_activity,
    retention,
)
from hypothesis import given, settings
from hypothesis import strategies as st

T0 = datetime(2026, 1, 1, tzinfo=UTC)
IDLE = timedelta(hours=48)

# A look: (hours since T0, parts). Bytes follow parts (1 MiB each) unless a look changes only bytes.
looks = st.lists(
    st.tuples(
        st.floats(min_value=-500, max_value=5000, allow_nan=False),
        st.integers(min_value=0, max_value=3),
        st.integers(min_value=0, max_value=2),
    ),
    min_size=1,
    max_size=12,
)


def replay(
    history: list[tuple[float, int, int]], idle: timedelta
) -> list[tuple[datetime, Progress, Activity]]:
    """Each look judged against the store's record, and the record written back, as the engine does."""
    record: Observation | None = None
    judged = []
    for hours, parts, extra_bytes in history:
        now = T0 + timedelta(hours=hours)
        progress = Progress(parts, parts * 1048576 + extra_bytes)
        decision = judge_activity(record, progress, now, idle)
        record = decision.record
        judged.append((now, progress, decision.activity))
    return judged


@settings(max_examples=400, deadline=None)
@given(history=looks, idle_hours=st.floats(min_value=24, max_value=500, allow_nan=False))
def test_an_upload_whose_progress_changed_within_the_idle_time_is_never_released(
    history: list[tuple[float, int, int]], idle_hours: float
) -> None:
    idle = timedelta(hours=idle_hours)
    judged = replay(history, idle)
    for index, (now, progress, activity) in enumerate(judged):
        if activity is not Activity.IDLE:
            continue
        # Released only if an earlier look, at least `idle` before this one, saw this same progress, and
        # every look since then saw it too: no change within the idle time, whatever the clock did. A
        # distrusted stored look (a clock that jumped back past the tolerance) restarts the wait.
        run_start = index
        while (
            run_start > 0
            and judged[run_start - 1][1] == progress
            and judged[run_start][2] is not Activity.DISTRUSTED
        ):
            run_start -= 1
        assert run_start < index, "released at its first look of this progress"
        assert now - judged[run_start][0] >= idle


@settings(max_examples=200, deadline=None)
@given(history=looks)
def test_a_first_look_or_a_change_is_never_idle_and_restarts_the_wait(
    history: list[tuple[float, int, int]],
) -> None:
    judged = replay(history, IDLE)
    assert judged[0][2] is Activity.FIRST_SEEN
    for (_, before, _), (_, after, activity) in itertools.pairwise(judged):
        if activity is not Activity.DISTRUSTED:  # which restarts the wait whatever the progress
            assert (activity is Activity.ACTIVE) == (before != after)


def test_unchanged_for_the_idle_time_is_idle_and_keeps_its_first_instant() -> None:
    first = judge_activity(None, Progress(3, 300), T0, IDLE)
    assert (first.activity, first.unchanged_hours) == (Activity.FIRST_SEEN, 0.0)
    assert first.record == Observation(Progress(3, 300), T0, T0)

    waiting = judge_activity(first.record, Progress(3, 300), T0 + timedelta(hours=47.99), IDLE)
    assert (waiting.activity, waiting.unchanged_hours) == (Activity.WAITING, 47.99)
    assert waiting.record == Observation(Progress(3, 300), T0, T0 + timedelta(hours=47.99))

    idle = judge_activity(waiting.record, Progress(3, 300), T0 + timedelta(hours=48), IDLE)
    assert (idle.activity, idle.unchanged_hours) == (Activity.IDLE, 48.0)
    assert idle.record.unchanged_since == T0


@pytest.mark.parametrize("change", [Progress(4, 300), Progress(3, 301), Progress(2, 200)])
def test_any_change_of_parts_or_bytes_is_activity(change: Progress) -> None:
    record = Observation(Progress(3, 300), T0, T0)
    later = T0 + timedelta(days=30)
    decision = judge_activity(record, change, later, IDLE)
    assert decision.activity is Activity.ACTIVE
    assert decision.record == Observation(change, later, later)


def test_a_clock_that_went_backwards_is_never_long_enough() -> None:
    # Within the tolerance: waiting, and the record never claims a last look before its first.
    record = Observation(Progress(1, 1), T0 + timedelta(minutes=4), T0 + timedelta(minutes=4))
    decision = judge_activity(record, Progress(1, 1), T0, IDLE)
    assert decision.activity is Activity.WAITING
    assert decision.record.unchanged_since <= decision.record.last_seen


@pytest.mark.parametrize(
    ("stored", "reason"),
    [
        # Dated after this look by more than the tolerance: another clock, or a forged item.
        (Observation(Progress(1, 1), T0 - timedelta(days=9), T0 + timedelta(minutes=6)), "after this look"),
        # First seen after it was last seen.
        (Observation(Progress(1, 1), T0 - timedelta(days=2), T0 - timedelta(days=3)), "contradicts itself"),
        # Unchanged since before the upload existed (CreationDate is the service's own).
        (Observation(Progress(1, 1), T0 - timedelta(days=40), T0 - timedelta(days=1)), "before the upload"),
    ],
    ids=["from-the-future", "inconsistent", "before-creation"],
)
def test_a_stored_look_that_cannot_be_true_is_distrusted_and_restarts_the_wait(
    stored: Observation, reason: str
) -> None:
    decision = judge_activity(stored, Progress(1, 1), T0, IDLE, created=T0 - timedelta(days=30))
    assert decision.activity is Activity.DISTRUSTED
    assert decision.reason is not None
    assert reason in decision.reason
    assert decision.record == Observation(Progress(1, 1), T0, T0)


def test_a_stored_look_within_the_clock_tolerance_is_trusted() -> None:
    stored = Observation(
        Progress(1, 1), T0 - timedelta(days=30) - timedelta(minutes=4), T0 + timedelta(minutes=4)
    )
    decision = judge_activity(stored, Progress(1, 1), T0, IDLE, created=T0 - timedelta(days=30))
    assert decision.activity is Activity.IDLE


def test_retention_is_four_idle_periods_and_at_least_thirty_days() -> None:
    assert retention(timedelta(hours=48)) == MIN_RETENTION == timedelta(days=30)
    assert retention(timedelta(days=10)) == timedelta(days=40)


def test_an_upload_key_names_account_region_vault_and_upload() -> None:
    assert str(UploadKey("111111111111", "eu-west-1", "v", "u")) == "111111111111/eu-west-1/v/u"


def test_a_change_is_zero_hours_unchanged_and_hours_are_rounded_to_two_decimals() -> None:
    record = Observation(Progress(1, 1), T0, T0)
    assert judge_activity(record, Progress(2, 2), T0 + IDLE * 3, IDLE).unchanged_hours == 0.0
    later = T0 + timedelta(hours=12, seconds=59)  # 12.01639 h
    assert judge_activity(record, Progress(1, 1), later, IDLE).unchanged_hours == 12.02
