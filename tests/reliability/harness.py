"""A drill: seed the emulator, invoke the real Lambda handler, and check the invariants after every run.

A drill runs the shipped configuration unless it is the age-alone variant: the activity check on, its
observation table on the emulator's DynamoDB, and for every old upload seeded the look the schedule took a
week ago (`EARLIER_LOOK`, no parts then nor since), so that an upload seeded stale is idle and aborted as it
is in an account the function has watched for a week."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from glacier_cleanup.aws.observations import DynamoObservationStore
from glacier_cleanup.core.activity import Observation, Progress, UploadKey, retention
from glacier_cleanup.handler import lambda_handler

from glacier_emulator.handles import EmulatorHandle

from .invariants import RunRecord, assert_converged, check_run, remaining_stale, stats_delta
from .report import DrillReport
from .support import External, FakeLambdaContext, Ledger, Stored, ago, iso, stored_uploads

PROTECT_REGEX = r"^keep:"
SCHEDULE: Any = object()  # run()'s default event: a fresh schedule payload
OLD = timedelta(hours=400)  # well past the default 168 h
FRESH = timedelta(hours=2)
STALE_DESCRIPTION = "nightly backup"
PROTECTED_DESCRIPTION = "keep: tape import"
OBSERVATION_TABLE = "drill-observations"
RECORDS_BUCKET = "drill-decision-records"
# The schedule's look at the old uploads: more than the default idle time (168 h) ago.
EARLIER_LOOK = timedelta(hours=170)
# The function's own account and region, as the handler keys its looks (FakeLambdaContext's ARN).
FUNCTION_ACCOUNT, FUNCTION_REGION = "123456789012", "us-east-1"


def schedule_event() -> dict[str, Any]:
    """What the stack's EventBridge Scheduler target sends (docs/design.md)."""
    return {
        "trigger": "schedule",
        "schedule_arn": "arn:aws:scheduler:us-east-1:123456789012:schedule/default/glacier-cleanup",
        "scheduled_time": iso(datetime.now(UTC)),
    }


@dataclass
class Population:
    """The uploads a drill seeded, by what a run should make of them."""

    stale: set[str] = field(default_factory=set)
    fresh: set[str] = field(default_factory=set)
    protected: set[str] = field(default_factory=set)
    future: set[str] = field(default_factory=set)

    def __ior__(self, other: Population) -> Population:
        for name in ("stale", "fresh", "protected", "future"):
            getattr(self, name).update(getattr(other, name))
        return self


class Drill:
    """One drill against one emulator handle. Every `run()` checks invariants 1, 2, 4 and 5."""

    def __init__(
        self, handle: EmulatorHandle, ledger: Ledger, report: DrillReport, *, table: str | None = None
    ) -> None:
        """`table`: the observation table of the shipped configuration (None: the age-alone variant)."""
        self.handle = handle
        self.table = table
        # With the activity check: the uploads the schedule looked at a week ago (only those can be idle).
        self.looked_at: set[str] = set()
        self._store: DynamoObservationStore | None = None
        self.ledger = ledger
        self.report = report
        self.external = External()
        self.protect: re.Pattern[str] | None = re.compile(PROTECT_REGEX)
        self.protected_ids: set[str] = set()
        self.population = Population()
        self.records: list[RunRecord] = []

    # ----- seeding -----------------------------------------------------------------------------------------
    def seed(
        self,
        vaults: Iterable[str] | int,
        *,
        stale: int = 0,
        fresh: int = 0,
        protected: int = 0,
        future: int = 0,
        stale_age: timedelta = OLD,
    ) -> Population:
        names = [f"vault-{n:03d}" for n in range(vaults)] if isinstance(vaults, int) else list(vaults)
        added = Population()
        for vault in names:
            if stale:
                ids = self.handle.seed(
                    vault, stale, creation_date=ago(stale_age), archive_description=STALE_DESCRIPTION
                )
                added.stale.update(ids)
                self.record_earlier_looks(vault, ids)
            if fresh:
                added.fresh.update(self.handle.seed(vault, fresh, creation_date=ago(FRESH)))
            if protected:
                ids = self.handle.seed(
                    vault, protected, creation_date=ago(OLD), archive_description=PROTECTED_DESCRIPTION
                )
                added.protected.update(ids)
                self.record_earlier_looks(vault, ids)
            if future:
                skew = iso(datetime.now(UTC) + timedelta(days=3))
                added.future.update(self.handle.seed(vault, future, creation_date=skew))
            if not (stale or fresh or protected or future):
                self.handle.seed(vault, 0, creation_date=ago(OLD))  # an empty vault
        self.protected_ids |= added.protected
        self.population |= added
        return added

    def record_earlier_looks(
        self, vault: str, upload_ids: Iterable[str], *, since: timedelta = EARLIER_LOOK
    ) -> None:
        """The schedule's look of `since` ago at these uploads (no parts, nor since), with the function's
        own adapter, in the shipped configuration's table."""
        if self.table is None:
            return
        upload_ids = list(upload_ids)
        self.looked_at.update(upload_ids)
        if self._store is None:  # one client for the drill (a new one costs tens of milliseconds)
            session = boto3.session.Session(region_name=FUNCTION_REGION)
            self._store = DynamoObservationStore(session, self.table)
        store = self._store
        then = datetime.now(UTC) - since
        for upload_id in upload_ids:
            store.put(
                UploadKey(FUNCTION_ACCOUNT, FUNCTION_REGION, vault, upload_id),
                Observation(Progress(0, 0), then, then),
                expires_at=then + retention(timedelta(hours=168)),
            )

    def seed_account(self, *, vaults: int = 11, big: int = 55, stale: int = 4) -> Population:
        """The standard drill account: `vaults` vaults (11 = two ListVaults pages); vault-000 holds `big`
        stale uploads (55 = two ListMultipartUploads pages), every other vault `stale`; each vault also
        holds 2 fresh, 1 protected and 1 clock-skewed (future) upload."""
        population = self.seed(["vault-000"], stale=big, fresh=2, protected=1, future=1)
        population |= self.seed(
            [f"vault-{n:03d}" for n in range(1, vaults)], stale=stale, fresh=2, protected=1, future=1
        )
        return population

    # ----- running -----------------------------------------------------------------------------------------
    def run(
        self,
        event: Any = SCHEDULE,
        *,
        context: FakeLambdaContext | None = None,
        lossy: bool = False,
        check: bool = True,
    ) -> RunRecord:
        """Invoke the handler once (default: the schedule payload) and check the per-run invariants."""
        stats_before = self.handle.stats()
        aborts_before = len(self.handle.aborts())
        mark = self.ledger.mark()
        ext_calls, ext_lists, ext_ids = self.external.snapshot()
        started = time.perf_counter()
        result = lambda_handler(
            schedule_event() if event is SCHEDULE else event, context or FakeLambdaContext()
        )
        duration = time.perf_counter() - started
        calls_after, lists_after, ids_after = self.external.snapshot()
        record = RunRecord(
            event=event,
            result=result,
            calls=self.ledger.since(mark),
            stats_delta=stats_delta(stats_before, self.handle.stats()),
            aborts=self.handle.aborts()[aborts_before:],
            external_abort_calls=calls_after - ext_calls,
            external_list_calls=lists_after - ext_lists,
            external_ids=ids_after - ext_ids,
            lossy=lossy,
            duration_s=duration,
        )
        self.records.append(record)
        if check:
            check_run(record, protect=self.protect, protected_ids=self.protected_ids)
        return record

    def stored(self) -> list[Stored]:
        return stored_uploads(self.handle)

    def judged(self) -> list[Stored]:
        """The stored uploads a run can find stale: all of them by age alone; with the activity check, those
        the schedule looked at a week ago (any other old one is rightly kept until idle for the idle time)."""
        stored = self.stored()
        if self.table is None:
            return stored
        return [upload for upload in stored if upload.upload_id in self.looked_at]

    def left_after(self, record: RunRecord, ignore_vaults: frozenset[str] = frozenset()) -> list[Stored]:
        return remaining_stale(
            self.judged(), record.cutoff, protect=self.protect, ignore_vaults=ignore_vaults, now=record.now
        )

    def converge(
        self,
        fault: str,
        rate: str,
        *,
        within: int | None = 2,
        max_runs: int = 5,
        event: Any = SCHEDULE,
        context: Callable[[int], FakeLambdaContext] | None = None,
        ignore_vaults: frozenset[str] = frozenset(),
        lossy: bool = False,
    ) -> list[RunRecord]:
        """Run until nothing stale is left (at most `max_runs`), report the row, then check invariant 3:
        converged within `within` runs (None: only report)."""
        runs: list[RunRecord] = []
        left: list[Stored] = []
        for number in range(max_runs):
            runs.append(self.run(event, context=context(number) if context else None, lossy=lossy))
            left = self.left_after(runs[-1], ignore_vaults)
            if not left:
                break
        self.report.add(fault, rate, self.handle.mode, runs, converged=not left)
        if within is not None:
            assert not left, f"inv3: {len(left)} stale uploads left after {len(runs)} runs ({fault} {rate})"
            assert len(runs) <= within, f"inv3: needed {len(runs)} runs ({fault} {rate}), allowed {within}"
            assert_converged(
                self.judged(),
                runs[-1].cutoff,
                protect=self.protect,
                protected_ids=self.protected_ids,
                ignore_vaults=ignore_vaults,
            )
        return runs
