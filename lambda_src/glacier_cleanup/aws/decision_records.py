"""Adapter: a run's decision records (core/records.py) into the stack's records bucket, one gzip-compressed
JSON Lines object per round (docs/records.md has the layout)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from glacier_cleanup.aws.deadline import attempt_timeouts
from glacier_cleanup.core.records import json_lines

if TYPE_CHECKING:
    import boto3


class RecordsNotWrittenError(Exception):
    """The records could not be put in the bucket (the run's log lines still say what it did)."""


class RecordsBucket:
    def __init__(self, session: boto3.session.Session, bucket: str) -> None:
        self._s3 = session.client("s3", config=attempt_timeouts())
        self._bucket = bucket

    def put(self, key: str, records: Sequence[dict[str, Any]]) -> None:
        try:
            self._s3.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=json_lines(records, compress=True),
                ContentType="application/x-ndjson",
            )
        except (ClientError, BotoCoreError) as exc:
            raise RecordsNotWrittenError(f"s3://{self._bucket}/{key}: {exc}") from exc
