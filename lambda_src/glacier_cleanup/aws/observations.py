"""Adapter: the observation store (core/activity.py) on a DynamoDB table.

One item per upload, keyed by `upload` = "<account>/<region>/<vault>/<upload id>"; `expires_at` (epoch
seconds) is the table's TTL attribute, so the rows of uploads that finished or vanished expire on their
own. Two item actions only: GetItem (a strongly consistent read: a continued round seconds later must see
what the round before wrote) and PutItem. Any failure becomes `StoreError`: the engine keeps the upload.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from glacier_cleanup.aws.deadline import attempt_timeouts, stop_retries_near_deadline
from glacier_cleanup.aws.glacier import USER_AGENT
from glacier_cleanup.core.activity import Observation, Progress, StoreError, UploadKey
from glacier_cleanup.inputs.limits import DEFAULT_CONCURRENCY

if TYPE_CHECKING:
    import boto3

KEY = "upload"
TTL_ATTRIBUTE = "expires_at"


class DynamoObservationStore:
    """The engine's ObservationStore on one table (boto3 clients are safe to share by threads)."""

    def __init__(
        self,
        session: boto3.session.Session,
        table: str,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        seconds_remaining: Callable[[], float] | None = None,
    ) -> None:
        self._table = table
        self._client = session.client(
            "dynamodb",
            config=Config(
                retries={"total_max_attempts": 5, "mode": "standard"},
                max_pool_connections=max(concurrency + 1, 10),
                user_agent_extra=USER_AGENT,
            ).merge(attempt_timeouts()),
        )
        if seconds_remaining is not None:
            stop_retries_near_deadline(self._client.meta.events, "dynamodb", seconds_remaining)

    def get(self, key: UploadKey) -> Observation | None:
        try:
            answer = self._client.get_item(
                TableName=self._table, Key={KEY: {"S": str(key)}}, ConsistentRead=True
            )
        except (ClientError, BotoCoreError) as exc:
            raise StoreError(_describe(exc)) from exc
        item = answer.get("Item")
        return None if item is None else _observation(item)

    def put(self, key: UploadKey, observation: Observation, *, expires_at: datetime) -> None:
        item = {
            KEY: {"S": str(key)},
            "account": {"S": key.account},
            "region": {"S": key.region},
            "vault": {"S": key.vault},
            "upload_id": {"S": key.upload_id},
            "parts": {"N": str(observation.progress.parts)},
            "bytes": {"N": str(observation.progress.bytes)},
            "unchanged_since": {"S": _iso(observation.unchanged_since)},
            "last_seen": {"S": _iso(observation.last_seen)},
            TTL_ATTRIBUTE: {"N": str(int(expires_at.timestamp()))},
        }
        try:
            self._client.put_item(TableName=self._table, Item=item)
        except (ClientError, BotoCoreError) as exc:
            raise StoreError(_describe(exc)) from exc


def _observation(item: dict[str, Any]) -> Observation:
    """An item as the store wrote it; anything else is a store fault (the upload is kept)."""
    try:
        return Observation(
            progress=Progress(parts=int(item["parts"]["N"]), bytes=int(item["bytes"]["N"])),
            unchanged_since=_parse(item["unchanged_since"]["S"]),
            last_seen=_parse(item["last_seen"]["S"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        key = (item.get(KEY) or {}).get("S")
        raise StoreError(f"unreadable item {key}: {type(exc).__name__}: {exc}") from exc


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _parse(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return moment.astimezone(UTC)


def _describe(exc: ClientError | BotoCoreError) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'Unknown')}: {error.get('Message', '')}"
    return f"{type(exc).__name__}: {exc}"
