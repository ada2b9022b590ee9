"""Notice before abort: what the schedule's next run will abort unless it changes (docs/records.md).

An upload is on notice when the run judged it abandoned-to-be: the activity check kept it, and its idle time
ends before the latest time the next run may start (`RunContext.next_run`); or only a cap held it back.
Uploads that become old by age only after this run are not on notice: with the activity check on (the
default) their first look is at a later run, which keeps them for the idle time, so every abort it makes
was on notice at least one run before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from glacier_cleanup.core.outcomes import UploadOutcome
from glacier_cleanup.core.records import RunContext, abortable_after, iso_time

# How many uploads a result, a log line or a message names; the records name them all.
FIRST_FEW = 5


@dataclass(frozen=True, slots=True)
class PendingAbort:
    account: str
    region: str
    vault: str
    upload_id: str
    bytes: int | None
    abortable_after: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "region": self.region,
            "vault": self.vault,
            "upload_id": self.upload_id,
            "bytes": self.bytes,
            "abortable_after": iso_time(self.abortable_after),
        }


@dataclass(frozen=True, slots=True)
class Notice:
    """The uploads the next run will abort unless they change, soonest first."""

    next_run: datetime | None  # the latest the next run may start; None: no schedule known
    pending: tuple[PendingAbort, ...] = ()
    # When `pending` holds only the first few (a notice read back from a result): the whole count and size.
    counted: tuple[int, int] | None = None

    @property
    def uploads(self) -> int:
        return len(self.pending) if self.counted is None else self.counted[0]

    @property
    def bytes(self) -> int:
        return (
            sum(pending.bytes or 0 for pending in self.pending) if self.counted is None else self.counted[1]
        )

    def merged(self, other: Notice) -> Notice:
        """Two targets' notices as one: the earlier next run, the pending uploads soonest first, the counts
        added up."""
        runs = [moment for moment in (self.next_run, other.next_run) if moment is not None]
        pending = sorted((*self.pending, *other.pending), key=_soonest)
        counted = (self.uploads + other.uploads, self.bytes + other.bytes)
        return Notice(min(runs) if runs else None, tuple(pending), counted)

    @classmethod
    def from_result(cls, result: Mapping[str, Any], *, account: str, region: str) -> Notice:
        """The notice a target's result carries (`next_run`: its `to_result()`), for the organization's."""
        notice = result.get("next_run") or {}
        by = notice.get("by")
        pending = tuple(
            PendingAbort(
                account=account,
                region=region,
                vault=str(item.get("vault")),
                upload_id=str(item.get("upload_id")),
                bytes=item.get("bytes"),
                abortable_after=datetime.fromisoformat(str(item["abortable_after"])),
            )
            for item in notice.get("first") or ()
            if item.get("abortable_after")
        )
        counted = (int(notice.get("to_abort") or 0), int(notice.get("bytes") or 0))
        return cls(None if by is None else datetime.fromisoformat(str(by)), pending, counted)

    def to_result(self) -> dict[str, Any]:
        """The result's `next_run` key: when, how many, how many bytes, and the first few by name."""
        return {
            "by": None if self.next_run is None else iso_time(self.next_run),
            "to_abort": self.uploads,
            "bytes": self.bytes,
            "first": [pending.as_dict() for pending in self.pending[:FIRST_FEW]],
        }


def _soonest(pending: PendingAbort) -> tuple[datetime, str, str, str, str]:
    return (pending.abortable_after, pending.account, pending.region, pending.vault, pending.upload_id)


def notice_of(outcomes: Iterable[UploadOutcome], run: RunContext, *, account: str, region: str) -> Notice:
    """The run's notice: its uploads abortable before the schedule's next run (none when it is unknown)."""
    if run.next_run is None:
        return Notice(None)
    pending = []
    for outcome in outcomes:
        after = abortable_after(outcome, run)
        if after is not None and after <= run.next_run:
            measured = outcome.measured
            pending.append(
                PendingAbort(
                    account=account,
                    region=region,
                    vault=outcome.upload.vault,
                    upload_id=outcome.upload.upload_id,
                    bytes=None if measured is None else measured.progress.bytes,
                    abortable_after=after,
                )
            )
    return Notice(run.next_run, tuple(sorted(pending, key=_soonest)))
