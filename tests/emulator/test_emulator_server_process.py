"""The emulator as a process: ready line, CLI options, clean exit, plain boto3 and the AWS CLI."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.error

import boto3
import pytest

from glacier_emulator.handles import EmulatorHandle, ServerHandle, ServerProcess

from .helpers import OLD, aws_cli

pytestmark = pytest.mark.server
READY = re.compile(r"^glacier emulator listening on http://127\.0\.0\.1:(\d+)\n$")


def test_ready_line_then_clean_exit_on_sigterm() -> None:
    server = ServerProcess()
    match = READY.match(server.ready_line)
    assert match
    assert server.url == f"http://127.0.0.1:{match.group(1)}"
    assert server.handle().stats() == {"total": 0, "operations": {}, "by_account": {}}
    assert server.stop() == 0


def test_clean_exit_on_sigint() -> None:
    server = ServerProcess()
    server.process.send_signal(signal.SIGINT)
    assert server.process.wait(10) == 0
    server.stop()


def test_command_line_faults_are_the_reset_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    server = ServerProcess(
        "--deny-vault",
        "a",
        "--deny-vault",
        "b",
        "--abort-grace-seconds",
        "0",
        "--no-longer-supported",
        "--seed",
        "5",
        "--throttle-rate",
        "0.1",
        "--error-rate",
        "0.2",
        "--latency-ms",
        "1",
        "--rate-limit",
        "25",
        "--rate-burst",
        "5",
        "--inventory-hours",
        "2",
    )
    try:
        handle = server.handle()
        settings = handle.configure()
        assert settings == {
            "latency_ms": 1.0,
            "throttle_rate": 0.1,
            "error_rate": 0.2,
            "seed": 5,
            "deny_vaults": ["a", "b"],
            "no_longer_supported": True,
            "abort_grace_seconds": 0.0,
            "deny_accounts": [],
            "no_longer_supported_accounts": [],
            "disabled_regions": [],
            "rate_limit": 25.0,
            "rate_burst": 5.0,
            "upload_age_hours": 0.0,
            "clock_offset_seconds": 0.0,
            "inventory_hours": 2.0,
        }
        client = handle.client()
        with pytest.raises(client.exceptions.NoLongerSupportedException):
            client.list_vaults()
        handle.configure(no_longer_supported=False, throttle_rate=0, error_rate=0)
        client.list_vaults()
        handle.configure(rate_limit=0)
        handle.reset()
        restored = handle.configure()
        assert (restored["no_longer_supported"], restored["rate_limit"], restored["rate_burst"]) == (
            True,
            25,
            5,
        )
    finally:
        assert server.stop() == 0


def test_invalid_option_exits_nonzero() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "glacier_emulator", "--port", "0", "--throttle-rate", "2"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    # A validation error, not a crash: argparse-style exit 1 with the setting named, and no ready line.
    assert result.returncode == 1
    assert result.stdout == ""
    assert "throttle_rate" in result.stderr
    assert "Traceback" not in result.stderr


def test_plain_boto3_reaches_it_through_the_environment(glacier_server: ServerHandle) -> None:
    assert os.environ["AWS_ENDPOINT_URL_GLACIER"] == glacier_server.endpoint_url
    client = boto3.client("glacier")  # endpoint, credentials and region from the environment only
    client.create_vault(vaultName="env")
    assert [vault["VaultName"] for vault in client.list_vaults()["VaultList"]] == ["env"]


def test_region_comes_from_the_credential_scope(glacier_server: ServerHandle) -> None:
    west = boto3.client("glacier", region_name="eu-west-1")
    west.create_vault(vaultName="w")
    assert west.list_vaults()["VaultList"][0]["VaultARN"].startswith("arn:aws:glacier:eu-west-1:")
    assert glacier_server.client().list_vaults()["VaultList"] == []  # us-east-1 is separate


def test_unknown_control_endpoint_is_404_json(glacier_server: ServerHandle) -> None:
    with pytest.raises(urllib.error.HTTPError) as caught:
        glacier_server._call("GET", "nothing")
    assert caught.value.code == 404
    assert "no such endpoint" in json.loads(caught.value.read())["error"]


# ----- the AWS CLI: a second, independent client --------------------------------------------------


def test_aws_cli_lists_and_aborts(glacier: EmulatorHandle, capsys: pytest.CaptureFixture[str]) -> None:
    ids = glacier.seed("cli-vault", 3, creation_date=OLD, archive_description="from the cli")
    code, vaults, _ = aws_cli(glacier, capsys, "list-vaults")
    assert code == 0
    assert [vault["VaultName"] for vault in vaults["VaultList"]] == ["cli-vault"]

    code, uploads, _ = aws_cli(glacier, capsys, "list-multipart-uploads", "--vault-name", "cli-vault")
    assert code == 0
    assert sorted(item["MultipartUploadId"] for item in uploads["UploadsList"]) == sorted(ids)
    assert {item["CreationDate"] for item in uploads["UploadsList"]} == {OLD}

    # "--upload-id=<id>": Glacier ids may start with "-", which the CLI would read as an option otherwise.
    code, _, _ = aws_cli(
        glacier, capsys, "abort-multipart-upload", "--vault-name", "cli-vault", f"--upload-id={ids[0]}"
    )
    assert code == 0
    code, _, err = aws_cli(
        glacier, capsys, "abort-multipart-upload", "--vault-name", "nope", f"--upload-id={ids[1]}"
    )
    assert code != 0
    assert "ResourceNotFoundException" in err
    assert [record["upload_id"] for record in glacier.aborts()] == [ids[0]]


def test_aws_cli_takes_an_upload_id_that_starts_with_a_dash(
    glacier: EmulatorHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    glacier.seed("cli-vault", 1, creation_date=OLD)
    code, _, err = aws_cli(
        glacier,
        capsys,
        "abort-multipart-upload",
        "--vault-name",
        "cli-vault",
        "--upload-id=-starts-with-a-dash",
    )
    assert code != 0
    assert "ResourceNotFoundException" in err  # Glacier's answer, not the CLI's "expected one argument"
