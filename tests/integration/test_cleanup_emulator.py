"""The Lambda handler end to end against the Glacier emulator, in-process and over HTTP."""

from __future__ import annotations

import io
import itertools
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.utils import calculate_tree_hash
from glacier_cleanup.aws.glacier import GlacierAdapter
from glacier_cleanup.core.engine import run_cleanup
from glacier_cleanup.core.models import CleanupPlan
from glacier_cleanup.handler import lambda_handler
from support.handler_env import FakeLambdaContext, emitted, metric_values

from glacier_emulator import CONTROL
from glacier_emulator.handles import EmulatorHandle, InProcessHandle

OLD = timedelta(hours=400)
FRESH = timedelta(hours=2)


def ago(age: timedelta, now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)) - age
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def count(stats: dict[str, Any], operation: str, outcome: str = "total") -> int:
    return int(stats["operations"].get(operation, {}).get(outcome, 0))


def seed_account(glacier: EmulatorHandle, *, vaults: int, stale: int, fresh: int, protected: int) -> None:
    for number in range(vaults):
        vault = f"vault-{number:02d}"
        glacier.seed(vault, stale, creation_date=ago(OLD), archive_description="nightly backup")
        glacier.seed(vault, fresh, creation_date=ago(FRESH))
        glacier.seed(vault, protected, creation_date=ago(OLD), archive_description="keep: tape import")


def test_dry_run_then_real_run_then_nothing_left(
    glacier: EmulatorHandle, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given 12 vaults (2 ListVaults pages) with 60 stale, 5 fresh and 3 protected uploads each (2 pages)
    seed_account(glacier, vaults=12, stale=60, fresh=5, protected=3)
    monkeypatch.setenv("CLEANUP_PROTECT_DESCRIPTION_REGEX", "^keep:")

    # When: a dry run
    dry = lambda_handler({"dry_run": True}, FakeLambdaContext())

    # Then nothing was aborted and the dry run says what a real run will do
    assert count(glacier.stats(), "AbortMultipartUpload") == 0
    assert dry["status"] == "ok"
    assert dry["uploads_found"] == 12 * 68
    assert dry["uploads_stale"] == 720
    assert dry["uploads_protected"] == 36
    assert dry["uploads_aborted"] == 0

    # When: the real run
    real = lambda_handler({"dry_run": False}, FakeLambdaContext())

    # Then each stale upload was aborted once, none of the fresh or protected ones
    stats = glacier.stats()
    assert real["uploads_aborted"] == dry["uploads_stale"] == 720
    assert count(stats, "AbortMultipartUpload") == count(stats, "AbortMultipartUpload", "ok") == 720
    aborts = glacier.aborts()
    assert len({record["upload_id"] for record in aborts}) == 720
    assert all(record["age_seconds"] >= 168 * 3600 for record in aborts)
    assert all(record["archive_description"] == "nightly backup" for record in aborts)
    assert count(stats, "ListVaults") == 2 * 2
    assert count(stats, "ListMultipartUploads") == 2 * 12 * 2

    # When: once more
    again = lambda_handler({"dry_run": False}, FakeLambdaContext())

    # Then there is nothing left to do
    assert again["uploads_stale"] == again["uploads_aborted"] == 0
    assert again["uploads_found"] == 12 * 8
    assert count(glacier.stats(), "AbortMultipartUpload") == 720
    _, logs = emitted(capsys.readouterr().out)
    assert sum(line["message"] == "aborted stale upload" for line in logs) == 720
    assert sum(line["message"] == "would abort stale upload" for line in logs) == 720


def test_throttling_and_5xx_are_ridden_out_by_botocore_retries(
    glacier: EmulatorHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_account(glacier, vaults=4, stale=30, fresh=2, protected=0)
    glacier.configure(throttle_rate=0.2, error_rate=0.1, seed=20250601)

    result = lambda_handler({"dry_run": False}, FakeLambdaContext())

    stats = glacier.stats()
    assert result["status"] == "ok", result["failures"]
    assert result["uploads_aborted"] == 120
    faults = sum(
        count(stats, operation, outcome)
        for operation in stats["operations"]
        for outcome in ("ThrottlingException", "ServiceUnavailableException")
    )
    assert faults > 10  # the faults happened, and the retries absorbed them
    assert len({record["upload_id"] for record in glacier.aborts()}) == 120


def test_faults_beyond_the_retry_budget_are_recorded_and_other_work_continues(
    glacier: EmulatorHandle, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_account(glacier, vaults=3, stale=20, fresh=0, protected=0)
    monkeypatch.setenv("CLEANUP_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("CLEANUP_VAULTS", "vault-00,vault-01,vault-02")
    glacier.configure(error_rate=0.2, seed=7)

    result = lambda_handler({"dry_run": False}, FakeLambdaContext())

    assert result["status"] == "partial"
    assert result["abort_failures"] + result["vault_failures"] > 0
    assert result["uploads_aborted"] > 0
    assert all("ServiceUnavailableException" in failure["error"] for failure in result["failures"])
    values = metric_values(emitted(capsys.readouterr().out)[0])
    assert values["AbortFailures"] == result["abort_failures"]
    assert values["VaultFailures"] == result["vault_failures"]


def test_access_denied_on_one_vault_fails_only_that_vault(
    glacier: EmulatorHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_account(glacier, vaults=3, stale=10, fresh=0, protected=0)
    glacier.configure(deny_vaults=["vault-01"])

    result = lambda_handler({"dry_run": False}, FakeLambdaContext())

    assert result["status"] == "partial"
    assert result["vault_failures"] == 1
    assert result["failures"][0]["vault"] == "vault-01"
    assert "AccessDeniedException" in result["failures"][0]["error"]
    assert result["uploads_aborted"] == 20
    assert {record["vault"] for record in glacier.aborts()} == {"vault-00", "vault-02"}


def test_no_longer_supported_ends_cleanly(
    glacier: EmulatorHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    glacier.configure(no_longer_supported=True)

    result = lambda_handler({"dry_run": False}, FakeLambdaContext())

    assert result["status"] == "glacier_unavailable"
    assert result["failures"] == []
    stats = glacier.stats()
    assert count(stats, "ListVaults", "NoLongerSupportedException") == 1
    assert stats["total"] == 1
    values = metric_values(emitted(capsys.readouterr().out)[0])
    assert values["AbortFailures"] == values["VaultFailures"] == 0


def test_upload_gone_between_list_and_abort_is_already_gone(
    glacier_in_process: InProcessHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    glacier = glacier_in_process
    raced = set(glacier.seed("backups", 5, creation_date=ago(OLD)))
    glacier.seed("backups", 5, creation_date=ago(OLD))

    def expire_first(operation: str, vault: str | None, params: dict[str, Any]) -> None:
        if operation == "AbortMultipartUpload" and params.get("uploadId") in raced:
            glacier.expire_upload(vault or "", params["uploadId"])

    glacier.add_hook(expire_first)

    result = lambda_handler({"dry_run": False}, FakeLambdaContext())

    assert result["status"] == "ok"
    assert result["uploads_already_gone"] == 5
    assert result["uploads_aborted"] == 5
    assert count(glacier.stats(), "AbortMultipartUpload", "ResourceNotFoundException") == 5


def test_vault_deleted_mid_run_is_reported_not_fatal(
    glacier_in_process: InProcessHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    glacier = glacier_in_process
    glacier.seed("doomed", 120, creation_date=ago(OLD))
    glacier.seed("steady", 10, creation_date=ago(OLD))

    def delete_on_second_page(operation: str, vault: str | None, params: dict[str, Any]) -> None:
        if operation == "ListMultipartUploads" and vault == "doomed" and params.get("marker"):
            CONTROL.delete_vault("-", glacier.region, "doomed")

    glacier.add_hook(delete_on_second_page)

    result = lambda_handler({"dry_run": False}, FakeLambdaContext())

    assert result["status"] == "ok"
    assert result["vaults_gone"] == 1
    assert result["vaults_scanned"] == 1
    assert {record["vault"] for record in glacier.aborts()} >= {"steady"}


def test_little_time_left_stops_early_and_the_next_run_finishes(
    glacier: EmulatorHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_account(glacier, vaults=6, stale=40, fresh=0, protected=0)
    # A clock that loses 0.5 s of the remaining time each time it is read: 31 s left means a few calls only
    ticks = itertools.count()
    lock = threading.Lock()

    def remaining_ms() -> int:
        with lock:
            return 60_000 - 500 * next(ticks)

    first = lambda_handler({"dry_run": False}, FakeLambdaContext(remaining_ms=remaining_ms))

    assert first["complete"] is False
    assert first["uploads_aborted"] < 240
    blobs, logs = emitted(capsys.readouterr().out)
    assert metric_values(blobs)["RunIncomplete"] == 1
    assert any(line["message"].startswith("time budget reached") for line in logs)

    second = lambda_handler({"dry_run": False}, FakeLambdaContext())

    assert second["complete"] is True
    assert first["uploads_aborted"] + second["uploads_aborted"] + second["uploads_already_gone"] == 240
    assert len({record["upload_id"] for record in glacier.aborts()}) == 240


BAD_EVENTS = [
    {"dry_run": "yes"},
    {"dry_run": False, "older_than_hours": 0.5},
    {"dry_run": False, "older_than_hours": float("nan")},
    {"dry_run": False, "vaults": ["vault-00", "no spaces allowed"]},
    {"dry_run": False, "max_aborts": -1},
    {"dry_run": False, "surprise": 1},
    "not an object",
]
BAD_SETTINGS = [
    ("CLEANUP_OLDER_THAN_HOURS", "0.9"),
    ("CLEANUP_DRY_RUN", "nope"),
    ("CLEANUP_CONCURRENCY", "0"),
    ("CLEANUP_VAULTS", "ok,not ok"),
    ("CLEANUP_PROTECT_DESCRIPTION_REGEX", "[unclosed"),
    ("CLEANUP_ACCOUNT_ID", "42"),
    ("CLEANUP_RETRY_MODE", "legacy"),
]


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
@pytest.mark.parametrize("event", BAD_EVENTS)
def test_bad_event_makes_no_glacier_call(glacier: EmulatorHandle, event: Any) -> None:
    glacier.seed("vault-00", 3, creation_date=ago(OLD))

    with pytest.raises(ValueError, match="invalid"):
        lambda_handler(event, FakeLambdaContext())

    assert glacier.stats()["total"] == 0


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
@pytest.mark.parametrize(("variable", "value"), BAD_SETTINGS)
def test_bad_setting_makes_no_glacier_call(
    glacier: EmulatorHandle, monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    glacier.seed("vault-00", 3, creation_date=ago(OLD))
    monkeypatch.setenv("CLEANUP_DRY_RUN", "false")
    monkeypatch.setenv(variable, value)

    with pytest.raises(ValueError, match=variable):
        lambda_handler({"dry_run": False}, FakeLambdaContext())

    assert glacier.stats()["total"] == 0


def test_max_aborts_caps_the_run(glacier: EmulatorHandle, capsys: pytest.CaptureFixture[str]) -> None:
    seed_account(glacier, vaults=2, stale=30, fresh=0, protected=0)

    result = lambda_handler({"dry_run": False, "max_aborts": 7}, FakeLambdaContext())

    assert result["uploads_aborted"] == 7
    assert result["uploads_capped"] == 53
    assert count(glacier.stats(), "AbortMultipartUpload") == 7


@pytest.mark.parametrize(
    ("age", "aborted"),
    [
        (timedelta(hours=168) - timedelta(milliseconds=1), False),
        (timedelta(hours=168), True),
        (timedelta(hours=169), True),
    ],
    ids=["just-under", "at", "over"],
)
def test_threshold_boundaries_through_the_real_api(
    glacier: EmulatorHandle, age: timedelta, aborted: bool
) -> None:
    now = datetime(2025, 6, 1, 12, 0, 0, 500_000, tzinfo=UTC)
    glacier.seed("edge", 1, creation_date=ago(age, now))
    adapter = GlacierAdapter(glacier.client())
    plan = CleanupPlan(dry_run=False, older_than=timedelta(hours=168))

    summary = run_cleanup(adapter, plan, clock=lambda: now)

    assert summary.uploads_aborted == int(aborted)
    assert len(glacier.aborts()) == int(aborted)


def test_report_bytes_sums_the_uploaded_parts(
    glacier: EmulatorHandle, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    client = glacier.client()
    glacier.create_vault("parts")
    mib = 1024 * 1024
    upload_id = glacier.initiate("parts", creation_date=ago(OLD))
    for index in range(3):
        body = bytes([index]) * mib
        client.upload_multipart_part(
            vaultName="parts",
            uploadId=upload_id,
            range=f"bytes {index * mib}-{(index + 1) * mib - 1}/*",
            body=body,
            checksum=calculate_tree_hash(io.BytesIO(body)),
        )
    monkeypatch.setenv("CLEANUP_REPORT_BYTES", "true")

    result = lambda_handler({"dry_run": False}, FakeLambdaContext())

    assert result["bytes_released"] == 3 * mib
    assert result["uploads_aborted"] == 1


@pytest.mark.slow
def test_parallel_calls_stay_near_the_concurrency_bound(
    glacier_in_process: InProcessHandle, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # 20 vaults x 50 stale uploads, 80 ms per call: 1,022 calls, 82 s one after the other. The latency is long
    # beside a call's own CPU time (a few ms under the GIL): with 20 ms a slower machine's CPU, not the pool,
    # bounded how many calls overlapped (a mean of 7.1-7.6 on one machine, 8 and more on another).
    glacier = glacier_in_process
    seed_account(glacier, vaults=20, stale=50, fresh=0, protected=0)
    monkeypatch.setenv("CLEANUP_CONCURRENCY", "16")
    lock = threading.Lock()
    in_flight = [0]
    at_start: list[int] = []

    def latency(operation: str, vault: str | None, params: dict[str, Any]) -> None:
        # 80 ms per call, counting the calls in flight as each one starts (itself included)
        with lock:
            in_flight[0] += 1
            at_start.append(in_flight[0])
        time.sleep(0.08)
        with lock:
            in_flight[0] -= 1

    glacier.add_hook(latency)

    result = lambda_handler({"dry_run": False}, FakeLambdaContext())

    assert result["uploads_aborted"] == 1000
    assert len(at_start) == 1022
    assert max(at_start) <= 16 + 1  # the pool, plus the caller thread listing vaults
    # Ideal: 1,022 calls / 16 x 80 ms = 5.1 s, so most calls start beside many others (serial: a mean of
    # 1). Counted, not timed.
    assert statistics.mean(at_start) >= 8
