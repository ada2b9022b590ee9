"""Continuation rounds resume after the last vault finished (core/coverage.py), so kept uploads in the first
vaults cannot starve the last ones, and the rounds' counts add up to what one long run would count.

Each round gets a budget of Glacier calls, as a Lambda round gets its time: the same plan, the activity check
on (the shipped configuration), rounds chained as the state machines chain them (tests/infra checks the
definition; tests/organization/test_target_rounds.py runs it)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from glacier_cleanup.core.activity import Observation, Progress, UploadKey
from glacier_cleanup.core.counters import COUNT_KEYS
from glacier_cleanup.core.coverage import CARRY_KEYS, Coverage, resumed
from glacier_cleanup.core.engine import run_cleanup
from glacier_cleanup.core.models import CleanupPlan, RunSummary
from support.fakes import NOW, FakeGlacier, cleanup_plan, hours_ago
from support.handler_env import MemoryStore

ACCOUNT, REGION = "111111111111", "eu-west-1"
LIVE_VAULTS = [f"a-live-{n:02d}" for n in range(12)]
STALE_VAULT = "z-stale"
MARGIN = 30.0


def plan(**overrides: Any) -> CleanupPlan:
    return cleanup_plan(**{"activity_check": True, "time_margin": timedelta(seconds=MARGIN), **overrides})


def backlog() -> tuple[FakeGlacier, MemoryStore, list[str]]:
    """Live uploads in the first vaults (a part a day: kept, each a ListParts every round), stale ones in the
    last (idle since the schedule's look eight days ago)."""
    glacier, store = FakeGlacier(), MemoryStore()
    for vault in LIVE_VAULTS:
        for _ in range(10):
            glacier.add_upload(vault, hours_ago(400), parts=3)
    stale = [glacier.add_upload(STALE_VAULT, hours_ago(400), parts=2) for _ in range(5)]
    then = NOW - timedelta(hours=200)
    for upload_id in stale:
        store.put(
            UploadKey(ACCOUNT, REGION, STALE_VAULT, upload_id),
            Observation(Progress(2, 2 * 1048576), then, then),
            expires_at=NOW + timedelta(days=30),
        )
    return glacier, store, stale


def run_round(glacier: FakeGlacier, store: MemoryStore, calls: int, **overrides: Any) -> RunSummary:
    """One round that may make about `calls` Glacier calls before its time margin (enough for a round to
    finish at least its first vault while `concurrency` vaults share the budget)."""
    start = sum(glacier.calls.values())

    def seconds_remaining() -> float:
        return MARGIN + calls - (sum(glacier.calls.values()) - start)

    return run_cleanup(
        glacier,
        plan(**overrides),
        clock=lambda: NOW,
        seconds_remaining=seconds_remaining,
        observations=store,
        account=ACCOUNT,
        region=REGION,
    )


def continued_run(
    glacier: FakeGlacier, store: MemoryStore, *, rounds: int, calls: int, resume: bool = True
) -> tuple[list[RunSummary], dict[str, int], list[list[str]]]:
    """Rounds chained as ContinuationLoop chains them: `aborts_before`, `resume_after` and `earlier`. Returns
    each round's summary, the counts of the whole run, and the vaults each round listed."""
    earlier = dict.fromkeys(CARRY_KEYS, 0)
    resume_after: str | None = None
    summaries: list[RunSummary] = []
    listed: list[list[str]] = []
    for _ in range(rounds):
        calls_before = len(glacier.call_log)
        summary = run_round(
            glacier,
            store,
            calls,
            resume_after=resume_after if resume else None,
            max_aborts=plan().max_aborts,
        )
        summaries.append(summary)
        this_round = glacier.call_log[calls_before:]
        listed.append([vault for operation, vault in this_round if operation == "ListMultipartUploads"])
        if not summary.more_to_do:
            break
        result = summary.to_result()
        earlier = {key: earlier[key] + result["carry"][key] for key in CARRY_KEYS}
        resume_after = result["resume_after"]
    last = summaries[-1].to_result()
    totals = {key: last[key] + earlier[key] for key in COUNT_KEYS}
    return summaries, totals, listed


def test_rounds_resume_after_the_last_vault_finished_and_reach_the_stale_uploads_in_the_last_vault() -> None:
    glacier, store, stale = backlog()

    summaries, totals, listed = continued_run(glacier, store, rounds=8, calls=80)

    assert len(summaries) > 1, "the backlog should take more than one round"
    assert glacier.remaining(STALE_VAULT) == set()
    assert sorted(upload for _, upload in glacier.aborted) == sorted(stale)
    assert summaries[-1].status == "ok"
    # Each round began after the last vault the rounds before it finished: no round listed one of those.
    for before, listed_next in zip(summaries, listed[1:], strict=False):
        assert before.resume_after is None or all(vault > before.resume_after for vault in listed_next)
    assert any(summary.resume_after for summary in summaries[:-1])  # and some round did resume
    # The rounds' counts add up to what one run without a time budget counts.
    assert totals["uploads_found"] == 10 * len(LIVE_VAULTS) + 5
    # Kept, each counted once: first seen, or looked at again by a round that redid a vault it was stopped in.
    assert totals["uploads_first_seen"] + totals["uploads_waiting"] == 10 * len(LIVE_VAULTS)
    assert (totals["uploads_stale"], totals["uploads_aborted"]) == (5, 5)
    assert totals["vaults_scanned"] == len(LIVE_VAULTS) + 1
    assert totals["uploads_not_reached"] == totals["vaults_not_reached"] == 0


def test_without_resuming_the_first_vaults_starve_the_last_one() -> None:
    """What resuming fixes: every round spends its budget on the same kept uploads."""
    glacier, store, stale = backlog()

    summaries, _, _ = continued_run(glacier, store, rounds=8, calls=80, resume=False)

    assert len(summaries) == 8
    assert glacier.remaining(STALE_VAULT) == set(stale)
    assert all(summary.more_to_do for summary in summaries)


def test_a_round_stopped_inside_a_vault_resumes_at_that_vault_and_carries_what_it_removed() -> None:
    glacier, store = FakeGlacier(), MemoryStore()
    removed = [glacier.add_upload("b", hours_ago(400)) for _ in range(60)]  # two pages
    glacier.add_upload("a", hours_ago(400))

    first = run_round(glacier, store, 20, activity_check=False, concurrency=1)

    result = first.to_result()
    assert first.more_to_do
    assert result["resume_after"] == "a"  # "a" finished; "b" was stopped part-way
    aborted_in_b = sum(1 for vault, _ in glacier.aborted if vault == "b")
    assert aborted_in_b > 0
    # "a" is carried whole; of "b" only the uploads that are gone (found and stale with them).
    assert result["carry"]["uploads_aborted"] == aborted_in_b + 1
    assert result["carry"]["uploads_found"] == result["carry"]["uploads_stale"] == aborted_in_b + 1
    assert result["carry"]["vaults_scanned"] == 1
    assert result["carry"]["uploads_not_reached"] == 0
    assert result["carry"]["abort_calls"] == aborted_in_b + 1

    second = run_round(glacier, store, 500, activity_check=False, resume_after="a")

    assert second.status == "ok"
    assert glacier.remaining("b") == set()
    assert second.uploads_found == len(removed) - aborted_in_b
    assert [target for operation, target in glacier.call_log if operation == "ListMultipartUploads"].count(
        "a"
    ) == 1


def test_the_cap_carried_counts_a_dry_runs_would_aborts_only_in_vaults_not_seen_again() -> None:
    glacier, store = FakeGlacier(), MemoryStore()
    for vault in ("a", "b"):
        for _ in range(3):
            glacier.add_upload(vault, hours_ago(400))

    summary = run_round(glacier, store, 500, activity_check=False, dry_run=True, concurrency=1)

    # Every vault finished: the next round (there is none) would see none of them again.
    assert summary.to_result()["carry"]["abort_calls"] == 6
    assert summary.to_result()["resume_after"] == "b"


@pytest.mark.parametrize(
    ("names", "resume_after", "configured", "expected"),
    [
        (["a", "b", "c"], None, False, ["a", "b", "c"]),
        (["a", "b", "c"], "a", False, ["b", "c"]),
        (["a", "b", "c"], "bb", False, ["c"]),  # deleted since: resumes after where it stood
        (["c", "a", "b"], "c", True, ["a", "b"]),  # a configured list: by its position
        (["c", "a", "b"], "x", True, ["c", "a", "b"]),  # not in the list: from its start
    ],
)
def test_resumed_skips_the_vaults_up_to_the_one_finished(
    names: list[str], resume_after: str | None, configured: bool, expected: list[str]
) -> None:
    assert list(resumed(iter(names), resume_after, configured=configured)) == expected


def test_a_listing_out_of_name_order_resumes_from_the_first_vault() -> None:
    coverage = Coverage("a", configured=False)
    for vault in ("c", "b"):
        coverage.started(vault)

    assert coverage.resume_after(lambda vault: {}) is None
    carry = coverage.carry(lambda vault: {"uploads_found": 4, "uploads_aborted": 1})
    # Both vaults are seen again: only the aborted uploads (and their found/stale) are carried.
    assert (carry["uploads_found"], carry["uploads_aborted"], carry["uploads_stale"]) == (2, 2, 2)
