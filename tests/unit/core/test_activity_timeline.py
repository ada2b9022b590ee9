"""The activity rule at the shipped defaults, over whole timelines (docs/reliability.md, "The activity rule's
invariants"): an uploader that writes in bursts and pauses for up to 6 days, the daily schedule with its
flexible window's jitter, and a second writer (the terminal tool) sharing the observation store with a
clock far off. Every look is dated by the service's clock (`Progress.as_of`, Glacier's `Date`), so neither
writer's clock can shorten a wait.

Invariants, by the service's clock:
- nothing is aborted whose parts changed within the idle time;
- an upload whose parts pause for up to 6 days and then resume is never aborted;
- an abandoned upload is aborted within 10 days of its last part by the daily schedule alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from glacier_cleanup.core.activity import Progress
from glacier_cleanup.core.engine import run_cleanup
from glacier_cleanup.core.models import CleanupPlan, ResourceGoneError, Upload
from glacier_cleanup.inputs.settings import Settings
from hypothesis import given, settings
from hypothesis import strategies as st
from support.handler_env import MemoryStore

START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday, 00:00 UTC
DAYS = 30
MIB = 1048576
HOUR = timedelta(hours=1)


@dataclass
class ServiceTimeline:
    """One vault with one upload, as the service sees it at `now`: the parts that arrived by then."""

    created: datetime
    part_times: list[datetime]
    now: datetime = START
    aborted_at: datetime | None = None
    calls: list[str] = field(default_factory=list)

    def iter_vault_pages(self) -> Iterator[list[str]]:
        yield ["backups"]

    def iter_upload_pages(self, vault: str) -> Iterator[list[Upload]]:
        if self.aborted_at is not None or self.now < self.created:
            yield []
            return
        stamp = self.created.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        yield [Upload(vault, "upload", stamp, "backup")]

    def upload_progress(self, vault: str, upload_id: str) -> Progress:
        if self.aborted_at is not None:
            raise ResourceGoneError("ResourceNotFoundException", "gone")
        parts = sum(1 for at in self.part_times if at <= self.now)
        return Progress(parts, parts * MIB, as_of=self.now)  # Glacier's Date header: the service's time

    def abort_upload(self, vault: str, upload_id: str) -> None:
        self.aborted_at = self.now

    def last_part_before(self, moment: datetime) -> datetime:
        return max((at for at in self.part_times if at <= moment), default=self.created)


def part_times(created: datetime, bursts: list[tuple[int, float, float]]) -> list[datetime]:
    """Bursts of parts (count, hours between parts, then a pause in hours before the next burst)."""
    times, at = [], created
    for count, every, pause in bursts:
        for _ in range(count):
            at += timedelta(hours=every)
            times.append(at)
        at += timedelta(hours=pause)
    return times


def shipped_plan() -> CleanupPlan:
    """The plan a deployment gets at its defaults, with real aborts."""
    return Settings.model_validate({"CLEANUP_OBSERVATION_TABLE": "observations"}).to_plan(dry_run=False)


bursts = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=6),
        st.floats(min_value=0.05, max_value=20),
        st.floats(min_value=0, max_value=6 * 24),  # a pause of up to 6 days
    ),
    min_size=1,
    max_size=5,
)
terminal_runs = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=DAYS * 24),  # when (service hours since START)
        st.floats(min_value=-96, max_value=96),  # how far the operator's machine clock is off, in hours
    ),
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(
    created_hours=st.floats(min_value=0, max_value=72),
    bursts=bursts,
    jitter_minutes=st.lists(st.integers(min_value=0, max_value=59), min_size=DAYS, max_size=DAYS),
    function_clock_off_hours=st.floats(min_value=-2, max_value=2),
    terminal=terminal_runs,
)
def test_at_the_defaults_no_live_upload_is_aborted_and_an_abandoned_one_is_within_ten_days(
    created_hours: float,
    bursts: list[tuple[int, float, float]],
    jitter_minutes: list[int],
    function_clock_off_hours: float,
    terminal: list[tuple[float, float]],
) -> None:
    plan = shipped_plan()
    assert (plan.activity_check, plan.idle, plan.older_than) == (True, 168 * HOUR, 168 * HOUR)
    created = START + timedelta(hours=created_hours)
    service = ServiceTimeline(created, part_times(created, bursts))
    store = MemoryStore()

    # The daily 02:00 schedule, each run somewhere in its one-hour flexible window; the terminal tool's
    # runs in between, with the operator's clock days off. One store for both.
    runs = [START + timedelta(days=day, hours=2, minutes=jitter_minutes[day]) for day in range(DAYS)]
    runs += [START + timedelta(hours=at) for at, _ in terminal]
    offsets = [timedelta(hours=function_clock_off_hours)] * DAYS + [
        timedelta(hours=off) for _, off in terminal
    ]
    for at, offset in sorted(zip(runs, offsets, strict=True), key=lambda pair: pair[0]):
        service.now = at
        run_cleanup(service, plan, clock=lambda at=at, offset=offset: at + offset, observations=store)
        if service.aborted_at is not None:
            break

    last_part = max(service.part_times, default=created)
    if service.aborted_at is not None:
        # Nothing changed within the idle time before the abort, by the service's clock ...
        assert service.aborted_at - service.last_part_before(service.aborted_at) >= plan.idle
        # ... so no part came after it: every pause here (at most 6 days) ended before an abort could.
        assert last_part <= service.aborted_at
    elif last_part + timedelta(days=10) <= START + timedelta(days=DAYS - 1):
        raise AssertionError(f"abandoned at {last_part}, still not aborted after {DAYS} days")
    if service.aborted_at is not None:
        assert service.aborted_at <= last_part + timedelta(days=10)
