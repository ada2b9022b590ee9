"""Seed uploads with a chosen CreationDate through the normal Glacier API.

The emulator reads the ``x-emulator-creation-date`` header on InitiateMultipartUpload; boto3 sends it via
an event hook. The value travels in a thread-local, so one client can be shared by many threads.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from .store import format_timestamp, parse_timestamp

CREATION_DATE_HEADER = "x-emulator-creation-date"
_EVENT = "before-sign.glacier.InitiateMultipartUpload"
_HOOK_ID = "glacier-emulator-creation-date"
_pending = threading.local()


def _add_creation_date(request: Any, **_kwargs: Any) -> None:
    value = getattr(_pending, "creation_date", None)
    if value is not None:
        request.headers[CREATION_DATE_HEADER] = value


def enable_creation_date_header(client: Any) -> None:
    """Register the header hook on ``client`` (idempotent)."""
    client.meta.events.register(_EVENT, _add_creation_date, unique_id=_HOOK_ID)


def initiate_with_creation_date(
    client: Any,
    vault: str,
    creation_date: str | datetime | None = None,
    *,
    description: str | None = None,
    part_size: int = 1048576,
    account_id: str = "-",
) -> str:
    """InitiateMultipartUpload whose upload reports ``creation_date`` (None: now). Returns the upload id."""
    enable_creation_date_header(client)
    params: dict[str, Any] = {"accountId": account_id, "vaultName": vault, "partSize": str(part_size)}
    if description is not None:
        params["archiveDescription"] = description
    _pending.creation_date = (
        None if creation_date is None else format_timestamp(parse_timestamp(creation_date))
    )
    try:
        upload_id: str = client.initiate_multipart_upload(**params)["uploadId"]
    finally:
        _pending.creation_date = None
    return upload_id


def create_observation_table(dynamodb: Any, name: str) -> str:
    """A DynamoDB table shaped like the stack's observation table (infra/.../observations.py: key
    `upload`, on-demand), for local runs of the activity check; an existing one of that name is replaced
    (the server's DynamoDB outlives a Glacier reset). Returns the name."""
    if name in dynamodb.list_tables()["TableNames"]:
        dynamodb.delete_table(TableName=name)
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "upload", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "upload", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name
