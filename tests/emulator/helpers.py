"""Small helpers for the emulator's contract tests."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

OLD = "2020-01-02T03:04:05.678Z"


def error_code(error: ClientError) -> str:
    code: str = error.response["Error"]["Code"]
    return code


def list_all_uploads(client: Any, vault: str, **kwargs: Any) -> list[dict[str, Any]]:
    pages = client.get_paginator("list_multipart_uploads").paginate(vaultName=vault, **kwargs)
    return [upload for page in pages for upload in page["UploadsList"]]
