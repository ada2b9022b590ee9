"""What the account and the runtime can do to a run: AccessDenied on one vault, Glacier gone for the whole
account, a nearly exhausted time budget, an endpoint that refuses connections, missing credentials.

Each run is checked against the invariants (harness.Drill.run); each fault ends with a converging run once
the fault is lifted, and a row in the faults table.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from glacier_cleanup.aws.deadline import FINISH_SECONDS
from support.handler_env import emitted, metric_values

from glacier_emulator.handles import ServerHandle

from .harness import Drill
from .support import FakeLambdaContext, FlakyProxy, closed_loopback_port, env_vars

DENIED = "vault-003"


def test_access_denied_on_one_vault_fails_that_vault_only(drill: Drill) -> None:
    # Given an account where IAM denies one vault
    population = drill.seed_account()
    denied_ids = {u.upload_id for u in drill.stored() if u.vault == DENIED}
    drill.handle.configure(deny_vaults=[DENIED])

    # When the schedule runs
    (run,) = drill.converge(
        "AccessDenied on one vault", "1 of 11 vaults", within=1, ignore_vaults=frozenset({DENIED})
    )

    # Then that vault is a failure, and every other vault was cleaned
    result = run.result
    assert result["status"] == "partial"
    assert result["vault_failures"] == 1
    assert result["vaults_scanned"] == 10
    assert [(f["vault"], f["upload_id"]) for f in result["failures"]] == [(DENIED, None)]
    assert "AccessDenied" in result["failures"][0]["error"]
    assert denied_ids <= {u.upload_id for u in drill.stored()}  # untouched
    assert {e["upload_id"] for e in run.aborts} == population.stale - denied_ids

    # And once the permission is fixed, the next run finishes the job
    drill.handle.configure(deny_vaults=[])
    (fixed,) = drill.converge("AccessDenied lifted", "0 of 11 vaults", within=1)
    assert fixed.result["status"] == "ok"
    assert {e["upload_id"] for e in fixed.aborts} == population.stale & denied_ids


def test_no_longer_supported_ends_cleanly_with_nothing_to_alarm_on(drill: Drill) -> None:
    # Given an account for which Glacier answers NoLongerSupportedException to every call
    population = drill.seed_account()
    drill.handle.configure(no_longer_supported=True)

    # When the schedule runs twice
    runs = [drill.run(), drill.run()]

    # Then each run ends as glacier_unavailable after one call, with no failure and no abort
    for run in runs:
        result = run.result
        assert result["status"] == "glacier_unavailable"
        assert result["failures"] == []
        assert result["abort_failures"] == result["vault_failures"] == 0
        assert run.count("ListVaults", "NoLongerSupportedException") == 1
        assert sum(counts["total"] for counts in run.stats_delta.values()) == 1
        assert run.aborts == []
    assert population.stale <= {u.upload_id for u in drill.stored()}
    drill.report.add("NoLongerSupportedException", "every call", drill.handle.mode, runs, converged=True)


@pytest.mark.parametrize("remaining_seconds", [0, 29.9, 29.999])
def test_time_budget_exhausted_before_the_run_starts(drill: Drill, remaining_seconds: float) -> None:
    # Given the default 30 s margin and an invocation that starts with no more than that left
    population = drill.seed_account()
    starved = FakeLambdaContext(remaining_ms=int(remaining_seconds * 1000))

    # When the schedule runs: it starts no Glacier call at all ...
    first = drill.run(context=starved)
    assert first.result["complete"] is False
    assert sum(counts["total"] for counts in first.stats_delta.values()) == 0
    assert first.aborts == []

    # ... and the next run, with a normal budget, does all the work
    second = drill.run()
    assert second.result["complete"] is True
    assert {e["upload_id"] for e in second.aborts} == population.stale
    drill.report.add(
        "time budget exhausted at start",
        f"{remaining_seconds} s left",
        drill.handle.mode,
        [first, second],
        converged=not drill.left_after(second),
    )


# ----- the endpoint refusing connections (server mode, through a loopback proxy) -------------------------


@pytest.fixture
def proxied(server_drill: Drill, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Drill, FlakyProxy]]:
    """The server drill with the function's endpoint behind a proxy that can refuse connections."""
    assert isinstance(server_drill.handle, ServerHandle)
    port = int(server_drill.handle.endpoint_url.rsplit(":", 1)[1])
    proxy = FlakyProxy(port)
    monkeypatch.setenv("AWS_ENDPOINT_URL_GLACIER", proxy.url)
    try:
        yield server_drill, proxy
    finally:
        proxy.close()


def test_endpoint_down_for_the_whole_run_is_a_clear_failure_and_the_next_run_finishes(
    proxied: tuple[Drill, FlakyProxy],
) -> None:
    drill, proxy = proxied
    population = drill.seed_account()
    proxy.down()

    # When the schedule runs against an endpoint that refuses connections
    down = drill.run()

    # Then the run fails clearly: nothing listed, nothing aborted, incomplete, the error says why
    result = down.result
    assert result["status"] == "partial"
    assert result["complete"] is False
    assert result["uploads_found"] == result["uploads_aborted"] == 0
    assert result["vault_failures"] == 1
    assert "Could not connect to the endpoint URL" in result["failures"][0]["error"]
    assert sum(counts["total"] for counts in down.stats_delta.values()) == 0

    # And with the endpoint back, the next run does everything
    proxy.up()
    drill.handle.configure()  # (the control channel never went through the proxy)
    (back,) = drill.converge("endpoint refusing connections, then back", "whole run", within=1)
    assert {e["upload_id"] for e in back.aborts} == population.stale


def test_endpoint_lost_mid_run_leaves_nothing_the_next_run_cannot_finish(
    proxied: tuple[Drill, FlakyProxy],
) -> None:
    drill, proxy = proxied
    population = drill.seed_account(vaults=12, big=150, stale=30)
    drill.handle.configure(latency_ms=2)
    cut = threading.Event()

    def cut_after_some_aborts() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if sum(call.operation == "AbortMultipartUpload" for call in drill.ledger.since(0)) >= 60:
                proxy.down()  # refuses new connections and cuts the open ones mid-request
                cut.set()
                return
            time.sleep(0.001)

    watcher = threading.Thread(target=cut_after_some_aborts, daemon=True)
    watcher.start()

    # When the connection is lost mid-run (responses may be lost: the run is "lossy")
    first = drill.run(lossy=True)
    watcher.join(5)
    assert cut.is_set()

    # Then the run reports failures and aborted some but not all stale uploads
    assert first.result["status"] == "partial"
    assert 0 < len(first.aborts) < len(population.stale)

    # And with the endpoint back, the next run finishes: every stale upload removed exactly once
    proxy.up()
    runs = [first, *drill.converge("endpoint lost mid-run, then back", "after 60 aborts", within=1)]
    removed = [e["upload_id"] for run in runs for e in run.aborts]
    assert sorted(removed) == sorted(population.stale)


@pytest.mark.slow
@pytest.mark.usefixtures("botocore_backoff")
def test_an_endpoint_that_accepts_and_never_answers_ends_the_run_before_its_deadline(
    proxied: tuple[Drill, FlakyProxy], capsys: pytest.CaptureFixture[str]
) -> None:
    """The connection is accepted, the request sent, no answer ever comes. botocore's own read timeout (60 s
    an attempt, several attempts) would outlast the invocation: Lambda would end it with no result and no
    metrics. With the shipped timeouts and retry cutoff (aws/deadline.py), the run ends in time and says
    why. Budget 50 s: one attempt fits (15 s read timeout), a retry would not."""
    drill, proxy = proxied
    population = drill.seed(["vault-000"], stale=3)
    proxy.down()
    proxy.up(silent=True)
    budget = 50.0
    deadline = time.monotonic() + budget
    capsys.readouterr()

    run = drill.run(context=FakeLambdaContext(lambda: int((deadline - time.monotonic()) * 1000)))

    assert run.duration_s < budget - FINISH_SECONDS
    assert run.result["status"] == "partial"
    assert run.result["complete"] is False
    assert "Read timeout" in run.result["failures"][0]["error"]
    assert population.stale <= {u.upload_id for u in drill.stored()}
    # The metrics went out with the result: the run is seen as incomplete, not missing.
    metrics, _ = emitted(capsys.readouterr().out)
    assert metric_values(metrics)["RunIncomplete"] == 1
    assert metric_values(metrics)["Runs"] == 1


def test_endpoint_that_never_answers_is_a_clear_failure(
    drill: Drill, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No emulator at all: a closed loopback port."""
    population = drill.seed(["vault-000"], stale=3)
    monkeypatch.setenv("AWS_ENDPOINT_URL_GLACIER", f"http://127.0.0.1:{closed_loopback_port()}")
    monkeypatch.setenv("CLEANUP_MAX_ATTEMPTS", "2")

    run = drill.run()

    assert run.result["status"] == "partial"
    assert run.result["complete"] is False
    assert "Could not connect to the endpoint URL" in run.result["failures"][0]["error"]
    assert population.stale <= {u.upload_id for u in drill.stored()}


# ----- credentials ------------------------------------------------------------------------------------------


def test_missing_credentials_are_a_clear_error_and_nothing_is_called(
    drill: Drill, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    population = drill.seed(["vault-000"], stale=3)
    missing = str(tmp_path / "missing")
    with env_vars(
        monkeypatch,
        AWS_ACCESS_KEY_ID=None,
        AWS_SECRET_ACCESS_KEY=None,
        AWS_SESSION_TOKEN=None,
        AWS_SECURITY_TOKEN=None,
        AWS_PROFILE=None,
        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=None,
        AWS_CONTAINER_CREDENTIALS_FULL_URI=None,
        AWS_WEB_IDENTITY_TOKEN_FILE=None,
        AWS_SHARED_CREDENTIALS_FILE=missing,
        AWS_CONFIG_FILE=missing,
        AWS_EC2_METADATA_DISABLED="true",
    ):
        run = drill.run()

    result = run.result
    assert result["status"] == "partial"
    assert result["complete"] is False
    assert result["failures"] == [
        {"vault": None, "upload_id": None, "error": "NoCredentialsError: Unable to locate credentials"}
    ]
    assert drill.handle.stats()["total"] == 0  # not one request left the process
    assert population.stale <= {u.upload_id for u in drill.stored()}


def test_no_connection_is_discarded_at_full_concurrency(
    server_drill: Drill, caplog: pytest.LogCaptureFixture
) -> None:
    """The workers and the thread paging through ListVaults all hold connections at once: a pool smaller
    than that makes urllib3 discard connections (new TCP handshakes on every call)."""
    server_drill.seed_account(vaults=25, big=40, stale=8)  # 232 stale: long enough at full concurrency
    server_drill.handle.configure(latency_ms=2)

    with caplog.at_level(logging.WARNING, logger="urllib3.connectionpool"):
        (run,) = server_drill.converge("none, 25 vaults at concurrency 16", "0%", within=1)

    assert run.result["status"] == "ok"
    assert [r.getMessage() for r in caplog.records if "pool is full" in r.getMessage()] == []
