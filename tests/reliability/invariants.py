"""The five invariants every drill checks after every run, written once.

1. No upload younger than the run's cutoff is ever aborted (the emulator's abort log, with each upload's
   CreationDate and age, against the result's `cutoff` and `older_than_hours`).
2. Protected uploads are never aborted (by id, and by the protection regex on the logged description).
3. After at most two runs no stale upload remains (`assert_converged`, called by the drills).
4. Counts reconcile, three ways: the result with itself, with the function's own client ledger (every
   ListMultipartUploads page it received and every abort it sent) and with the emulator's stats and abort log.
   The result has no `uploads_fresh`: it is derived as found - stale - protected - skipped.
   Identities (engine.py): found = old + fresh + protected + skipped (protected is not part of old), where
   old = stale + what the activity check kept (first seen, active, waiting, activity unknown);
   stale = aborted + already_gone + abort_failures + not_reached + capped (+ "would abort" in a dry run).
5. A dry run issues zero AbortMultipartUpload calls.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .support import Call, Stored, parse_date

GONE = "ResourceNotFoundException"


@dataclass
class RunRecord:
    """One invocation of the handler and everything observed around it."""

    event: Any
    result: dict[str, Any]
    calls: list[Call]  # the function's client ledger for this run
    stats_delta: dict[str, Counter[str]]  # emulator stats for this run: operation -> outcome -> count
    aborts: list[dict[str, Any]]  # emulator abort-log entries added during this run
    external_abort_calls: int = 0  # successful AbortMultipartUpload calls made by hooks ("other clients")
    external_list_calls: int = 0
    external_ids: frozenset[str] = frozenset()  # uploads removed by "other clients" during this run
    lossy: bool = False  # responses may have been lost (connection cut mid-request, client timeouts)
    duration_s: float = 0.0
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def cutoff(self) -> datetime:
        cutoff = parse_date(self.result["cutoff"])
        assert cutoff is not None, self.result["cutoff"]
        return cutoff

    @property
    def now(self) -> datetime:
        return self.cutoff + timedelta(hours=self.result["older_than_hours"])

    def count(self, operation: str, outcome: str = "total") -> int:
        return self.stats_delta.get(operation, Counter())[outcome]

    def faults_injected(self) -> int:
        return sum(
            counts[code]
            for counts in self.stats_delta.values()
            for code in ("ThrottlingException", "ServiceUnavailableException")
        )


def stats_delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Counter[str]]:
    delta: dict[str, Counter[str]] = {}
    for operation, counts in after["operations"].items():
        previous = before["operations"].get(operation, {})
        delta[operation] = Counter({k: v - previous.get(k, 0) for k, v in counts.items()})
    return delta


def classify(item: dict[str, Any], run: RunRecord, protect: re.Pattern[str] | None) -> str:
    """What the run should have made of a listed upload: skipped, fresh, protected or stale."""
    created = parse_date(item.get("CreationDate"))
    if created is None or created > run.now:
        return "skipped"
    if created > run.cutoff:
        return "fresh"
    if protect is not None and protect.search(item.get("ArchiveDescription") or ""):
        return "protected"
    return "stale"


def check_aborted_entries(
    entries: list[dict[str, Any]],
    *,
    cutoff: datetime,
    older_than_hours: float,
    protect: re.Pattern[str] | None,
    protected_ids: set[str],
) -> None:
    """1 and 2 on abort-log entries the function caused."""
    for entry in entries:
        created = parse_date(entry["creation_date"])
        assert created is not None, f"inv1: aborted an upload with an unreadable CreationDate: {entry}"
        assert created <= cutoff, f"inv1: aborted an upload younger than the cutoff {cutoff}: {entry}"
        assert entry["age_seconds"] >= older_than_hours * 3600 - 0.001, f"inv1: too young: {entry}"
        assert entry["upload_id"] not in protected_ids, f"inv2: protected upload aborted: {entry}"
        if protect is not None:
            assert not protect.search(entry["archive_description"] or ""), f"inv2: protected: {entry}"


def settled(result: dict[str, Any]) -> int:
    """What became of the stale uploads (+ "would abort" in a dry run, which has no counter)."""
    keys = ("uploads_aborted", "uploads_already_gone", "abort_failures", "uploads_not_reached")
    return sum(int(result[key]) for key in (*keys, "uploads_capped", "uploads_left"))


def unjudged(result: dict[str, Any]) -> int:
    """Old uploads the run stopped before looking at (activity check): not reached, never found stale."""
    if not result.get("activity_check") or result["dry_run"]:
        return 0
    return settled(result) - int(result["uploads_stale"])


def old_unprotected(result: dict[str, Any]) -> int:
    """Old and not protected: stale, kept by the activity check (seen first, still receiving parts, not yet
    idle long, or its activity unknown: each such upload is one activity failure), or not looked at."""
    kept = sum(result.get(key, 0) for key in ("uploads_first_seen", "uploads_active", "uploads_waiting"))
    return int(result["uploads_stale"]) + kept + int(result.get("activity_failures", 0)) + unjudged(result)


def check_result_arithmetic(result: dict[str, Any], *, lossy: bool = False) -> int:
    """4, the result with itself. Returns the derived number of fresh uploads."""
    found, stale = result["uploads_found"], result["uploads_stale"]
    fresh = found - old_unprotected(result) - result["uploads_protected"] - result["uploads_skipped"]
    assert fresh >= 0, f"inv4: found < stale + protected + skipped: {result}"
    if result["dry_run"]:
        assert result["uploads_aborted"] == result["uploads_already_gone"] == 0, f"inv5: {result}"
        assert settled(result) <= stale, f"inv4: dry run settled more than stale: {result}"
    else:
        # With the activity check, `uploads_not_reached` also counts old uploads never judged (`unjudged`).
        assert 0 <= unjudged(result) <= result["uploads_not_reached"], f"inv4: stale > settled: {result}"
    if result["complete"] and not lossy and result["status"] == "ok":
        assert result["uploads_not_reached"] == 0 == result["vaults_not_reached"], f"inv4: {result}"
    failures = result["abort_failures"] + result["vault_failures"] + result.get("activity_failures", 0)
    assert failures >= len(result["failures"]), "inv4"
    if result["status"] == "ok":
        assert result["abort_failures"] == result["vault_failures"] == 0, f"inv4: ok with failures: {result}"
    return fresh


def check_run(run: RunRecord, *, protect: re.Pattern[str] | None, protected_ids: set[str]) -> None:
    """Invariants 1, 2, 4 and 5 for one run. Raises AssertionError naming the broken invariant."""
    result = run.result
    engine_aborts = [entry for entry in run.aborts if entry["upload_id"] not in run.external_ids]

    # 1 and 2: nothing younger than the cutoff, nothing protected (also not by "other clients")
    check_aborted_entries(
        engine_aborts,
        cutoff=run.cutoff,
        older_than_hours=result["older_than_hours"],
        protect=protect,
        protected_ids=protected_ids,
    )
    assert not {e["upload_id"] for e in run.aborts} & protected_ids, "inv2: protected upload aborted"

    # 5. a dry run sends no abort
    abort_calls = [call for call in run.calls if call.operation == "AbortMultipartUpload"]
    if result["dry_run"]:
        assert run.count("AbortMultipartUpload") == run.external_abort_calls, "inv5: dry run aborted"
        assert abort_calls == [], "inv5: dry run sent AbortMultipartUpload"

    # 4a. the result with itself
    fresh = check_result_arithmetic(result, lossy=run.lossy)

    # 4b. the result against what the function's client actually received and sent
    pages = [c for c in run.calls if c.operation == "ListMultipartUploads" and c.outcome == "ok"]
    listed = [item for page in pages for item in page.items]
    found = result["uploads_found"]
    assert len(listed) == found, f"inv4: found {found} but the client received {len(listed)} uploads"
    kinds = Counter(classify(item, run, protect) for item in listed)
    derived = {"stale": old_unprotected(result), "fresh": fresh, "protected": result["uploads_protected"]}
    derived["skipped"] = result["uploads_skipped"]
    assert dict(kinds) == {k: v for k, v in derived.items() if v}, f"inv4: {kinds} vs {derived}"
    stale_listed = {item["MultipartUploadId"] for item in listed if classify(item, run, protect) == "stale"}
    targets = [call.params.get("uploadId") for call in abort_calls]
    assert set(targets) <= stale_listed, "inv1/4: an abort targeted an upload not listed as stale in this run"
    assert len(targets) == len(set(targets)), "inv4: the same upload was aborted twice in one run"
    outcomes = Counter(call.outcome for call in abort_calls)
    assert outcomes["ok"] == result["uploads_aborted"], f"inv4: ok aborts {outcomes} vs {result}"
    # (with the activity check, an upload whose ListParts answered 404 is already gone too)
    gone = result["uploads_already_gone"]
    if result.get("activity_check"):
        assert outcomes[GONE] <= gone, f"inv4: 404 aborts {outcomes} vs {result}"
    else:
        assert outcomes[GONE] == gone, f"inv4: 404 aborts {outcomes} vs {result}"
    failed_calls = sum(n for outcome, n in outcomes.items() if outcome not in ("ok", GONE))
    assert failed_calls <= result["abort_failures"], f"inv4: failed aborts {outcomes} vs {result}"

    # 4c. the client ledger against the emulator's stats and abort log
    ok_pages = len(pages) + run.external_list_calls
    ok_aborts = outcomes["ok"] + run.external_abort_calls
    logged = {entry["upload_id"] for entry in run.aborts}
    assert len(logged) == len(run.aborts), "inv4: an upload was removed twice"
    engine_ok_ids = {call.params.get("uploadId") for call in abort_calls if call.outcome == "ok"}
    if run.lossy:
        # A request can succeed at the emulator while its response is lost: the emulator may count more.
        assert run.count("ListMultipartUploads", "ok") >= ok_pages, "inv4: pages"
        assert run.count("AbortMultipartUpload", "ok") >= ok_aborts, "inv4: aborts"
        tried = {call.params.get("uploadId") for call in abort_calls}
        assert {entry["upload_id"] for entry in engine_aborts} <= tried, "inv4: removal nobody asked for"
    else:
        assert run.count("ListMultipartUploads", "ok") == ok_pages, "inv4: ListMultipartUploads ok != pages"
        assert run.count("AbortMultipartUpload", "ok") == ok_aborts, "inv4: AbortMultipartUpload ok count"
        assert run.count("AbortMultipartUpload", GONE) == outcomes[GONE], "inv4: 404 count"
        # Each abort the function saw succeed removed the upload, or repeated another client's abort
        # inside Glacier's grace window ("grace repeats").
        grace_repeats = engine_ok_ids & run.external_ids
        assert engine_ok_ids - grace_repeats == {e["upload_id"] for e in engine_aborts}, "inv4: abort log"
        assert len(run.aborts) == run.count("AbortMultipartUpload", "ok") - len(grace_repeats), "inv4"


def remaining_stale(
    stored: list[Stored],
    cutoff: datetime,
    *,
    protect: re.Pattern[str] | None,
    ignore_vaults: frozenset[str] = frozenset(),
    now: datetime | None = None,
) -> list[Stored]:
    """Uploads still stored that a complete run with this cutoff should have aborted."""
    left = []
    for upload in stored:
        created = parse_date(upload.creation_date)
        if upload.vault in ignore_vaults or created is None or created > cutoff:
            continue
        if now is not None and created > now:
            continue
        if protect is not None and protect.search(upload.description or ""):
            continue
        left.append(upload)
    return left


def assert_converged(
    stored: list[Stored],
    cutoff: datetime,
    *,
    protect: re.Pattern[str] | None,
    protected_ids: set[str],
    ignore_vaults: frozenset[str] = frozenset(),
) -> None:
    """3. Nothing stale is left (and every protected upload is still there)."""
    left = remaining_stale(stored, cutoff, protect=protect, ignore_vaults=ignore_vaults)
    assert left == [], f"inv3: {len(left)} stale uploads remain, e.g. {left[:3]}"
    present = {upload.upload_id for upload in stored}
    assert protected_ids <= present, "inv2: a protected upload disappeared"
