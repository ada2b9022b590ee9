"""Small helpers for the emulator's contract tests."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from awscli.clidriver import create_clidriver
from botocore.exceptions import ClientError

from glacier_emulator.handles import EmulatorHandle

OLD = "2020-01-02T03:04:05.678Z"
AWS_CLI = str(Path(sys.executable).with_name("aws"))


def error_code(error: ClientError) -> str:
    code: str = error.response["Error"]["Code"]
    return code


def list_all_uploads(client: Any, vault: str, **kwargs: Any) -> list[dict[str, Any]]:
    pages = client.get_paginator("list_multipart_uploads").paginate(vaultName=vault, **kwargs)
    return [upload for page in pages for upload in page["UploadsList"]]


def finished_execution(states: Any, execution_arn: str, *, seconds: float = 10.0) -> dict[str, Any]:
    """DescribeExecution once the (background) interpreter has finished the execution, or after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        described: dict[str, Any] = states.describe_execution(executionArn=execution_arn)
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            return described
        time.sleep(0.02)


def aws_cli(glacier: EmulatorHandle, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    """Run ``aws glacier ...``: a subprocess against the server, the CLI driver in-process under moto."""
    argv = ["glacier", *args, "--account-id", "-", "--output", "json"]
    if glacier.mode == "server":
        result = subprocess.run([AWS_CLI, *argv], capture_output=True, text=True, timeout=60, check=False)
        code, out, err = result.returncode, result.stdout, result.stderr
    else:
        capsys.readouterr()
        code = create_clidriver().main(argv)
        out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else None, err
