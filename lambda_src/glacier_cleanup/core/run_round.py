"""What one run round leaves behind, collected as the run goes (an `UploadObserver`, called from worker
threads): its decision records as one gzip JSON Lines body, and its notice of what the next run will abort
unless it changes. Memory stays small whatever the round judged: each record is compressed as it arrives,
and the notice keeps its counts and only the first few uploads by name (the records name them all)."""

from __future__ import annotations

import json
import threading
import zlib

from glacier_cleanup.core.notice import FIRST_FEW, Notice, PendingAbort, soonest
from glacier_cleanup.core.outcomes import UploadOutcome
from glacier_cleanup.core.records import RunContext, abortable_after, decision_record

# zlib's gzip container (wbits 16 + 15): the records object is a .jsonl.gz like the terminal tool's file.
_GZIP = 31


class RoundRecorder:
    def __init__(self, run: RunContext, *, account: str, region: str, keep_records: bool) -> None:
        self.run = run
        self._account, self._region = account, region
        self._keep_records = keep_records
        self._lock = threading.Lock()
        self._compressor = zlib.compressobj(9, zlib.DEFLATED, _GZIP)
        self._chunks: list[bytes] = []
        self.records = 0
        self._first: list[PendingAbort] = []
        self._pending, self._pending_bytes = 0, 0

    def __call__(self, outcome: UploadOutcome) -> None:
        line = None
        if self._keep_records:
            record = decision_record(outcome, account=self._account, region=self._region, run=self.run)
            line = (json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8")
        pending = self._pending_of(outcome)
        with self._lock:
            if line is not None:
                self._chunks.append(self._compressor.compress(line))
                self.records += 1
            if pending is not None:
                self._pending += 1
                self._pending_bytes += pending.bytes or 0
                self._first = sorted([*self._first, pending], key=soonest)[:FIRST_FEW]

    def _pending_of(self, outcome: UploadOutcome) -> PendingAbort | None:
        next_run = self.run.next_run
        after = abortable_after(outcome, self.run)
        if next_run is None or after is None or after > next_run:
            return None
        measured = outcome.measured
        return PendingAbort(
            account=self._account,
            region=self._region,
            vault=outcome.upload.vault,
            upload_id=outcome.upload.upload_id,
            bytes=None if measured is None else measured.progress.bytes,
            abortable_after=after,
        )

    def notice(self) -> Notice:
        """The round's uploads abortable before the schedule's next run (none when it is unknown)."""
        with self._lock:
            if self.run.next_run is None:
                return Notice(None)
            return Notice(self.run.next_run, tuple(self._first), (self._pending, self._pending_bytes))

    def records_body(self) -> bytes:
        """Every record so far as one gzip JSON Lines body (call once, at the end of the round)."""
        with self._lock:
            return b"".join([*self._chunks, self._compressor.flush()])
