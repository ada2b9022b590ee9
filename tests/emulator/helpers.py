"""Small helpers for the emulator's contract tests."""

from __future__ import annotations

import time
from typing import Any

from botocore.exceptions import ClientError

OLD = "2020-01-02T03:04:05.678Z"


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
