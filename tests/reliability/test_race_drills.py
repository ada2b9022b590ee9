"""Races with the rest of the world, staged with the in-process emulator's hooks (`add_hook(fn(op, vault,
params))`, which run before each operation executes): uploads aborted or expired by someone else between list
and abort, vaults deleted or created mid-run, two invocations overlapping."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from glacier_cleanup import handler
from glacier_cleanup.aws.observations import DynamoObservationStore
from glacier_cleanup.core.activity import Observation, Progress, UploadKey
from glacier_cleanup.handler import lambda_handler

from glacier_emulator import CONTROL
from glacier_emulator.client_helpers import create_observation_table

from .harness import Drill, schedule_event
from .invariants import check_aborted_entries, check_result_arithmetic
from .support import FakeLambdaContext, parse_date


def _every_fifth(ids: set[str]) -> set[str]:
    return set(sorted(ids)[::5])


@pytest.mark.parametrize("how", ["expired", "aborted-by-other-client", "aborted-by-other-client-no-grace"])
def test_upload_gone_between_list_and_abort(drill: Drill, how: str) -> None:
    population = drill.seed_account()
    raced = _every_fifth(population.stale)
    if how.endswith("no-grace"):
        drill.handle.configure(abort_grace_seconds=0)
    other = drill.handle.client()

    def race(operation: str, vault: str | None, params: dict[str, Any]) -> None:
        upload_id = params.get("uploadId")
        if operation != "AbortMultipartUpload" or upload_id not in raced or vault is None:
            return
        if how == "expired":
            drill.handle.expire_upload(vault, upload_id)  # Glacier's own 24 h expiry, no grace window
            drill.external.note_abort(upload_id, api_call=False)
        else:
            other.abort_multipart_upload(vaultName=vault, uploadId=upload_id)
            drill.external.note_abort(upload_id, api_call=True)

    drill.handle.add_hook(race)

    (run,) = drill.converge(f"upload gone between list and abort ({how})", f"{len(raced)} of 95", within=1)

    result = run.result
    assert result["status"] == "ok"
    if how == "aborted-by-other-client":
        # Glacier answers a repeat abort 204 for a while: the function counts it aborted (a grace repeat)
        assert result["uploads_aborted"] == 95
        assert result["uploads_already_gone"] == 0
        assert run.count("AbortMultipartUpload", "ok") == 95 + len(raced)
        assert len(run.aborts) == 95  # each upload removed once, by whoever came first
    else:
        assert result["uploads_already_gone"] == len(raced)
        assert result["uploads_aborted"] == 95 - len(raced)
        assert result["failures"] == []


@pytest.mark.parametrize("when", ["before-first-page", "between-pages"])
def test_vault_deleted_between_list_vaults_and_list_uploads(drill: Drill, when: str) -> None:
    drill.seed_account()
    doomed = drill.seed(["vault-doomed"], stale=70, fresh=2)  # two pages of uploads, nothing protected
    deleted = threading.Event()

    def delete(operation: str, vault: str | None, params: dict[str, Any]) -> None:
        if operation != "ListMultipartUploads" or vault != "vault-doomed" or deleted.is_set():
            return
        if (when == "between-pages") == bool(params.get("marker")):
            CONTROL.delete_vault("-", drill.handle.region, "vault-doomed")
            deleted.set()

    drill.handle.add_hook(delete)

    (run,) = drill.converge(f"vault deleted mid-run ({when})", "1 of 12 vaults", within=1)

    result = run.result
    assert deleted.is_set()
    assert result["status"] == "ok", result["failures"]
    assert result["complete"] is True
    assert result["vaults_gone"] == 1
    assert result["vaults_scanned"] == 11
    # uploads of the deleted vault listed before the deletion are "already gone", not failures
    listed_doomed = sum(
        1
        for call in run.calls
        if call.operation == "ListMultipartUploads" and call.params.get("vaultName") == "vault-doomed"
        for _ in call.items
    )
    assert listed_doomed == (50 if when == "between-pages" else 0)
    assert not {e["upload_id"] for e in run.aborts} - drill.population.stale
    assert {u.vault for u in drill.stored()} == {f"vault-{n:03d}" for n in range(11)}
    assert doomed.stale  # (seeded)


def test_vaults_created_during_the_run(drill: Drill) -> None:
    """One vault appears before the ListVaults marker (missed by this run), one after it (seen): the next
    run picks up the one missed."""
    drill.seed_account()  # vault-000 .. vault-010: the second ListVaults page starts at vault-010
    created: dict[str, set[str]] = {}

    def create(operation: str, vault: str | None, params: dict[str, Any]) -> None:
        if operation == "ListVaults" and params.get("marker") and not created:
            for name in ("aaa-created-mid-run", "zzz-created-mid-run"):
                created[name] = drill.seed([name], stale=12, fresh=1, protected=1).stale

    drill.handle.add_hook(create)

    runs = drill.converge("vaults created mid-run", "2 vaults", within=2)

    first_aborted = {e["upload_id"] for e in runs[0].aborts}
    assert created["zzz-created-mid-run"] <= first_aborted  # after the marker: in this run
    assert not created["aaa-created-mid-run"] & first_aborted  # before the marker: missed ...
    assert created["aaa-created-mid-run"] <= {e["upload_id"] for e in runs[1].aborts}  # ... and caught next
    assert len(runs) == 2


def _invoked_together(*events: dict[str, Any]) -> list[dict[str, Any]]:
    """The handler invoked with each event at once, one thread each; their results (any error raised)."""
    results: list[dict[str, Any]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(events))

    def invoke(event: dict[str, Any]) -> None:
        try:
            start.wait()
            results.append(lambda_handler(event, FakeLambdaContext()))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=invoke, args=(event,)) for event in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    return results


def test_two_overlapping_invocations(drill: Drill) -> None:
    """Two invocations at once (a manual run during the scheduled one, or an async retry): every stale
    upload is removed exactly once, nothing else is touched, and each result still adds up."""
    drill.seed_account(vaults=11, big=120, stale=20)
    drill.handle.configure(latency_ms=1)
    results = _invoked_together(schedule_event(), {"dry_run": False})
    stats = drill.handle.stats()["operations"]["AbortMultipartUpload"]
    aborts = drill.handle.aborts()
    stale = drill.population.stale
    assert {e["upload_id"] for e in aborts} == stale
    assert len(aborts) == len(stale)  # removed once each
    cutoffs = [parse_date(r["cutoff"]) for r in results]
    check_aborted_entries(
        aborts,
        cutoff=max(c for c in cutoffs if c is not None),
        older_than_hours=168,
        protect=drill.protect,
        protected_ids=drill.protected_ids,
    )
    for result in results:
        check_result_arithmetic(result)
        assert result["status"] == "ok", result["failures"]
    # every 2xx abort is one of the two runs' "aborted"; the 2xx beyond the removals are grace repeats
    assert sum(r["uploads_aborted"] for r in results) == stats["ok"]
    assert stats["ok"] - len(aborts) == stats["ok"] - len(stale) >= 0
    assert sum(r["uploads_aborted"] + r["uploads_already_gone"] for r in results) >= len(stale)
    counts = Counter(r["uploads_found"] >= len(stale) for r in results)
    assert counts[True] >= 1  # at least one of them saw the whole account


def test_two_overlapping_runs_on_one_observation_table_at_the_shipped_defaults(
    drill: Drill, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shipped configuration (the activity check on, its table, the defaults' idle time), two runs at
    once sharing the table: every upload idle since the schedule's look of a week ago is aborted exactly once;
    an old upload that received a part since that look, and a young one, are never aborted."""
    handle = drill.handle
    table = create_observation_table(handle.aws_client("dynamodb"), "observations")
    for variable in ("CLEANUP_ACTIVITY_CHECK", "CLEANUP_EVENT_MAY_LOOSEN"):
        monkeypatch.delenv(variable, raising=False)  # the defaults: the check on, events only tighten
    monkeypatch.setenv("CLEANUP_OBSERVATION_TABLE", table)
    handler.get_runtime.cache_clear()
    now = datetime.now(UTC)
    week_ago = now - timedelta(days=8)
    store = DynamoObservationStore(boto3.session.Session(region_name="us-east-1"), table)
    idle: set[str] = set()
    live: set[str] = set()
    young: set[str] = set()
    for number in range(6):
        vault = f"vault-{number:03d}"
        handle.create_vault(vault)
        old = handle.seed(vault, 12, creation_date=now - timedelta(days=30))
        for upload_id in old:  # the schedule's look of a week ago: no parts then
            store.put(
                UploadKey("123456789012", "us-east-1", vault, upload_id),
                Observation(Progress(0, 0), week_ago, week_ago),
                expires_at=now + timedelta(days=30),
            )
        for upload_id in old[:3]:  # ... but these received a part since: still being written
            handle.client().upload_multipart_part(
                vaultName=vault, uploadId=upload_id, range="bytes 0-1048575/*", body=b"x" * 1048576
            )
        live |= set(old[:3])
        idle |= set(old[3:])
        young |= set(handle.seed(vault, 2, creation_date=now - timedelta(hours=2)))
    handle.configure(latency_ms=1)
    results = _invoked_together(schedule_event(), {})
    aborted = [entry["upload_id"] for entry in handle.aborts()]
    assert sorted(aborted) == sorted(idle)  # each idle upload once; no live or young one
    assert not set(aborted) & (live | young)
    for result in results:
        check_result_arithmetic(result)
        assert (result["status"], result["activity_check"], result["idle_hours"]) == ("ok", True, 168.0)
    # The first look since the part saw the change; the other run, seconds later, the same progress.
    assert sum(result["uploads_active"] for result in results) >= len(live)
    assert sum(result["uploads_aborted"] + result["uploads_already_gone"] for result in results) >= len(idle)
