"""Tests that kill the mutants issue 15's seeded bugs showed surviving: values, not only names."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from glacier_cleanup import cli, handler
from glacier_cleanup.core.activity import Progress
from glacier_cleanup.core.engine import run_cleanup
from glacier_cleanup.core.models import CleanupPlan, GlacierUnavailableError, ResourceGoneError
from glacier_cleanup.core.stopping import Stop
from glacier_cleanup.handler import Runtime, lambda_handler
from glacier_cleanup.inputs.settings import Settings
from glacier_cleanup.terminal import run as terminal_run
from glacier_cleanup.terminal.output import render_summary_table
from support.fakes import NOW, FakeGlacier, cleanup_plan
from support.handler_env import FakeLambdaContext, emitted, fake_runtime, metric_values

SCHEDULE = {"trigger": "schedule", "schedule_arn": "arn", "scheduled_time": "2026-11-26T00:00:00Z"}


def plan(**overrides: object) -> CleanupPlan:
    return cleanup_plan(**overrides)


def test_every_published_metric_value_equals_the_result(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    glacier = FakeGlacier()
    now = datetime.now(UTC)  # the handler judges ages against the real clock
    glacier.add_uploads("a", 6, age_hours=300, now=now)
    glacier.add_uploads("b", 3, age_hours=300, now=now)
    glacier.add_uploads("b", 2, age_hours=1, now=now)
    gone = glacier.add_uploads("c", 2, age_hours=300, now=now)
    glacier.abort_errors[gone[0]] = ResourceGoneError("ResourceNotFoundException", "gone")  # already gone

    def runtime() -> Runtime:
        return fake_runtime(
            Settings.from_environ({"CLEANUP_DRY_RUN": "false", "CLEANUP_ACTIVITY_CHECK": "false"}), glacier
        )

    monkeypatch.setattr(handler, "get_runtime", runtime)
    result = lambda_handler(SCHEDULE, FakeLambdaContext())
    values = metric_values(emitted(capsys.readouterr().out)[0])
    expected = {
        "VaultsScanned": result["vaults_scanned"],
        "UploadsFound": result["uploads_found"],
        "UploadsStale": result["uploads_stale"],
        "UploadsAborted": result["uploads_aborted"],
        "UploadsAlreadyGone": result["uploads_already_gone"],
        "AbortFailures": result["abort_failures"],
        "VaultFailures": result["vault_failures"],
    }
    assert {name: values[name] for name in expected} == expected
    # Distinct values, so a metric that publishes another's count cannot pass.
    assert (result["vaults_scanned"], result["uploads_found"], result["uploads_stale"]) == (3, 13, 11)
    assert (result["uploads_aborted"], result["uploads_already_gone"]) == (10, 1)


def test_the_terminal_table_shows_each_count_in_its_row() -> None:
    result = {
        "status": "ok",
        "dry_run": False,
        "complete": True,
        "duration_ms": 5,
        "cutoff": "2026-11-19T00:00:00.000Z",
        "older_than_hours": 168,
        "failures": [],
    }
    names = [
        "vaults_scanned", "uploads_found", "uploads_stale", "uploads_aborted", "uploads_already_gone",
        "uploads_protected", "uploads_skipped", "uploads_capped", "uploads_left", "uploads_not_reached",
        "vaults_gone", "vaults_not_reached", "abort_failures", "vault_failures",
    ]  # fmt: skip
    result.update({name: 101 + index for index, name in enumerate(names)})
    table = render_summary_table("123456789012", {"eu-west-1": result})
    labels = {
        "vaults scanned": "vaults_scanned",
        "uploads found": "uploads_found",
        "uploads stale": "uploads_stale",
        "uploads aborted": "uploads_aborted",
        "uploads already gone": "uploads_already_gone",
        "uploads protected": "uploads_protected",
        "uploads skipped (bad date)": "uploads_skipped",
        "uploads over max_aborts": "uploads_capped",
        "uploads left (next run)": "uploads_left",
        "uploads not reached": "uploads_not_reached",
        "vaults not found": "vaults_gone",
        "vaults not reached": "vaults_not_reached",
        "abort failures": "abort_failures",
        "vault failures": "vault_failures",
    }
    rows = {line.strip().rsplit(None, 1)[0].strip(): int(line.split()[-1]) for line in table.splitlines()[4:]}
    assert rows == {label: result[key] for label, key in labels.items()}


def test_vaults_left_after_the_time_budget_are_counted_not_reached() -> None:
    glacier = FakeGlacier()
    for number in range(25):  # three ListVaults pages
        glacier.add_uploads(f"v{number:02d}", 1, age_hours=300)
    left = iter([100.0] * 3 + [0.0] * 10_000)  # the budget runs out after the first calls
    summary = run_cleanup(
        glacier, plan(concurrency=1), clock=lambda: NOW, seconds_remaining=lambda: next(left)
    )
    result = summary.to_result()
    assert result["complete"] is False
    assert result["vaults_scanned"] + result["vaults_not_reached"] == 10  # the first ListVaults page
    assert result["vaults_not_reached"] >= 1
    assert result["status"] == "incomplete"


def test_dispatch_stops_at_no_longer_supported() -> None:
    glacier = FakeGlacier()
    for number in range(12):
        glacier.add_uploads(f"v{number:02d}", 1, age_hours=300)
    glacier.list_errors["v00"] = GlacierUnavailableError("NoLongerSupportedException", "gone")
    summary = run_cleanup(glacier, plan(concurrency=1), clock=lambda: NOW)
    assert summary.status == "glacier_unavailable"
    # With one worker, v00 fails first; nothing after it is listed or aborted.
    assert glacier.calls["ListMultipartUploads"] <= 2
    assert glacier.aborted == []


@pytest.mark.parametrize(("remaining", "stops"), [(30.0, False), (29.999, True)])
def test_the_time_margin_is_inclusive(remaining: float, stops: bool) -> None:
    glacier = FakeGlacier()
    glacier.add_uploads("v", 2, age_hours=300)
    stop = Stop()
    run_cleanup(
        glacier,
        plan(time_margin=timedelta(seconds=30)),
        clock=lambda: NOW,
        seconds_remaining=lambda: remaining,
        stop=stop,
    )
    assert (stop.reason == "time_budget") is stops
    assert len(glacier.aborted) == (0 if stops else 2)


def test_list_parts_404_means_already_gone_and_no_abort_is_sent() -> None:
    glacier = FakeGlacier()
    [upload_id] = glacier.add_uploads("v", 1, age_hours=300)
    original = glacier.upload_progress

    def gone(vault: str, upload: str) -> Progress:
        if upload == upload_id:
            raise ResourceGoneError("ResourceNotFoundException", "The upload ID was not found")
        return original(vault, upload)

    glacier.upload_progress = gone  # type: ignore[method-assign]
    summary = run_cleanup(glacier, plan(report_bytes=True), clock=lambda: NOW)
    assert (summary.uploads_already_gone, summary.uploads_aborted) == (1, 0)
    assert glacier.calls["AbortMultipartUpload"] == 0
    assert summary.status == "ok"


def test_cli_json_document_shape(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    glacier = FakeGlacier()
    glacier.add_uploads("a", 2, age_hours=300)
    monkeypatch.setattr(
        terminal_run, "create_session", lambda **_: type("S", (), {"region_name": "eu-west-1"})()
    )
    monkeypatch.setattr(terminal_run, "create_client", lambda **_: object())
    monkeypatch.setattr(terminal_run, "GlacierAdapter", lambda client, account_id: glacier)
    monkeypatch.setattr(
        terminal_run, "caller_identity", lambda session: ("111111111111", "arn:aws:iam::111111111111:user/o")
    )
    status = cli.main(
        ["--output", "json", "--region", "eu-west-1", "--region", "us-east-1", "--no-activity-check"]
    )
    document = json.loads(capsys.readouterr().out)
    assert status == 0
    assert (document["account"], document["caller_arn"]) == (
        "111111111111",
        "arn:aws:iam::111111111111:user/o",
    )
    assert list(document["regions"]) == ["eu-west-1", "us-east-1"]
    # The fake answers in both regions: the totals add them up.
    assert document["uploads_stale"] == 4
    assert [row["region"] for row in document["uploads"]] == [
        "eu-west-1",
        "eu-west-1",
        "us-east-1",
        "us-east-1",
    ]
