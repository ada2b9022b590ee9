"""The real `glacier-cleanup` command in a subprocess against the emulator server: who and where, the
listing, every region, the question before deleting, Ctrl-C, exit codes."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from glacier_cleanup.core.descriptions import shown

from glacier_emulator.handles import ServerHandle

pytestmark = pytest.mark.server
COMMAND = [sys.executable, "-m", "glacier_cleanup"]


def ago(hours: float) -> str:
    return (
        (datetime.now(UTC) - timedelta(hours=hours)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


@pytest.fixture
def environment(glacier_server: ServerHandle) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CLEANUP_", "POWERTOOLS_"))}
    return {
        **clean,
        "AWS_ENDPOINT_URL": str(glacier_server.endpoint_url),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "CLEANUP_PROTECT_DESCRIPTION_REGEX": "^keep:",
        # The age rule, the question, Ctrl-C: the activity check has its own tests (test_activity_*).
        "CLEANUP_ACTIVITY_CHECK": "false",
    }


def run(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, *args], env=environment, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def account(glacier_server: ServerHandle) -> dict[str, list[str]]:
    ids = {
        "stale": glacier_server.seed("backups", 3, creation_date=ago(300), archive_description="nightly"),
        "fresh": glacier_server.seed("backups", 2, creation_date=ago(1)),
        "protected": glacier_server.seed(
            "media", 1, creation_date=ago(300), archive_description="keep: tape"
        ),
    }
    return ids


def test_names_account_and_region_then_lists_each_stale_upload(
    environment: dict[str, str], account: dict[str, list[str]], glacier_server: ServerHandle
) -> None:
    result = run(environment)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith(
        "account 123456789012 (arn:aws:sts::123456789012:user/moto)\nregions us-east-1\n"
    )
    listed = [line for line in result.stdout.splitlines() if line.startswith("us-east-1 ")]
    assert sorted(line.split()[2] for line in listed) == sorted(account["stale"])
    # Descriptions are hashed by default (core/descriptions.py): not "nightly", its short sha256.
    assert all("would abort" in line and shown("nightly", "hashed") in line for line in listed)
    assert "uploads stale                      3" in result.stdout
    assert glacier_server.aborts() == []


def test_json_and_csv_rows_and_show_all(environment: dict[str, str], account: dict[str, list[str]]) -> None:
    document = json.loads(run(environment, "--output", "json", "--show-all", "--descriptions", "full").stdout)
    actions = {row["upload_id"]: row["action"] for row in document["uploads"]}
    assert actions == {**dict.fromkeys(account["stale"], "would abort"), account["protected"][0]: "protected"}
    row = next(r for r in document["uploads"] if r["upload_id"] == account["stale"][0])
    assert (row["account"], row["region"], row["vault"], row["description"]) == (
        "123456789012",
        "us-east-1",
        "backups",
        "nightly",
    )
    assert 299 < row["age_hours"] < 301
    assert document["uploads_stale"] == 3
    assert document["regions"]["us-east-1"]["uploads_protected"] == 1

    result = run(environment, "--output", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["upload_id"] for r in rows] == sorted(account["stale"])
    assert set(rows[0]) == {
        "account",
        "region",
        "vault",
        "upload_id",
        "created",
        "age_hours",
        "description",
        "action",
        "parts",
        "bytes",
        "unchanged_hours",
        "uploader",
        "abortable_after",
    }
    assert "uploads stale" in result.stderr  # the summary stays off the CSV


def test_every_region_and_a_disabled_one_is_reported_not_fatal(
    environment: dict[str, str], glacier_server: ServerHandle
) -> None:
    eu = ServerHandle(str(glacier_server.endpoint_url), region="eu-west-1")
    eu.seed("eu-vault", 2, creation_date=ago(300))
    glacier_server.seed("us-vault", 1, creation_date=ago(300))
    glacier_server.configure(disabled_regions=["ap-south-1"])
    document = json.loads(run(environment, "--all-regions", "--apply", "--output", "json").stdout)
    regions = document["regions"]
    assert len(regions) >= 17
    assert regions["ap-south-1"]["status"] == "region_not_enabled"
    assert (regions["eu-west-1"]["uploads_aborted"], regions["us-east-1"]["uploads_aborted"]) == (2, 1)
    assert document["uploads_aborted"] == 3

    repeated = run(environment, "--region", "eu-west-1", "--region", "ap-south-1", "--output", "json")
    assert repeated.returncode == 0
    assert list(json.loads(repeated.stdout)["regions"]) == ["eu-west-1", "ap-south-1"]


def _on_a_terminal(environment: dict[str, str], answer: bytes, *args: str) -> tuple[int, str, str]:
    """Runs the command with stdin and stderr on a pseudo-terminal, answering the question."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [*COMMAND, *args], env=environment, stdin=follower, stderr=follower, stdout=subprocess.PIPE
    )
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 60
    while b"[y/N]" not in seen and time.monotonic() < deadline and process.poll() is None:
        try:
            seen += os.read(leader, 4096)
        except OSError:
            break
    if b"[y/N]" in seen:
        os.write(leader, answer)
    stdout = process.communicate(timeout=60)[0].decode()
    try:
        while chunk := os.read(leader, 4096):
            seen += chunk
    except OSError:
        pass
    os.close(leader)
    return process.returncode, stdout, seen.decode(errors="replace")


def test_interactive_apply_shows_and_asks_first(
    environment: dict[str, str], account: dict[str, list[str]], glacier_server: ServerHandle
) -> None:
    status, stdout, terminal = _on_a_terminal(environment, b"n\n", "--apply")
    assert status == 0
    assert (
        "Abort 3 stale uploads in account 123456789012, us-east-1, judged by AGE ALONE (their activity was "
        "not checked)? [y/N]"
    ) in terminal
    assert all(upload_id in terminal for upload_id in account["stale"])  # the list before the question
    assert "Nothing aborted." in terminal
    assert glacier_server.aborts() == []

    status, stdout, terminal = _on_a_terminal(environment, b"y\n", "--apply")
    assert status == 0
    assert sorted(a["upload_id"] for a in glacier_server.aborts()) == sorted(account["stale"])
    assert "APPLIED" in stdout


def test_without_a_terminal_it_never_asks(environment: dict[str, str], account: dict[str, list[str]]) -> None:
    result = subprocess.run(
        [*COMMAND, "--apply"],
        check=False,
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert "[y/N]" not in result.stderr
    assert "uploads aborted                    3" in result.stdout


def test_bad_input_exits_two_before_any_call(
    environment: dict[str, str], glacier_server: ServerHandle
) -> None:
    result = run(environment, "--older-than-hours", "0.5")
    assert result.returncode == 2
    assert "older_than_hours" in result.stderr
    assert glacier_server.stats()["total"] == 0


def _start_slow_apply(environment: dict[str, str], glacier_server: ServerHandle) -> subprocess.Popen[str]:
    glacier_server.seed("big", 400, creation_date=ago(300))
    glacier_server.configure(latency_ms=200)
    return subprocess.Popen(
        [*COMMAND, "--apply", "--yes", "--concurrency", "4", "--output", "json"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _aborted(handle: ServerHandle) -> int:
    return int(handle.stats()["operations"].get("AbortMultipartUpload", {}).get("total", 0))


def _wait_for_aborts(handle: ServerHandle, count: int) -> int:
    deadline = time.monotonic() + 60
    while _aborted(handle) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return _aborted(handle)


def test_ctrl_c_stops_cleanly_with_a_summary(
    environment: dict[str, str], glacier_server: ServerHandle
) -> None:
    process = _start_slow_apply(environment, glacier_server)
    aborts_at_signal = _wait_for_aborts(glacier_server, 20)
    signalled = time.monotonic()
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    exit_delay = time.monotonic() - signalled
    glacier_server.configure(latency_ms=0)
    assert process.returncode == 130
    assert "Traceback" not in stderr
    assert "SIGINT: stopping" in stderr
    document: dict[str, Any] = json.loads(stdout)
    result = document["regions"]["us-east-1"]
    assert (result["complete"], result["stopped_by"]) == (False, "interrupted")
    after_signal = _aborted(glacier_server) - aborts_at_signal
    assert after_signal <= 4  # at most the calls in flight (concurrency 4)
    assert result["uploads_aborted"] == _aborted(glacier_server)  # the summary accounts for every abort
    # Finishing the ~375 uploads left would take about 19 s (200 ms a call, 4 at a time); the calls in
    # flight take 0.2 s. A wide bound, so a busy machine cannot fail it: the process did not finish the work.
    assert exit_delay < 10.0
    print(f"Ctrl-C to exit: {exit_delay * 1000:.0f} ms; aborts completed after the signal: {after_signal}")


def test_sigterm_too_and_a_second_signal_quits_at_once(
    environment: dict[str, str], glacier_server: ServerHandle
) -> None:
    process = _start_slow_apply(environment, glacier_server)
    _wait_for_aborts(glacier_server, 8)
    process.send_signal(signal.SIGTERM)
    time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    glacier_server.configure(latency_ms=0)
    assert process.returncode == 130
    assert "SIGTERM: stopping" in stderr
    assert "quitting now" in stderr
    assert stdout == ""  # no summary: the second signal does not wait
