"""Adapter: a run's files in the results bucket (S3): the targets the map reads, the results Step Functions'
ResultWriter wrote, and the run's summary.

Layout (docs/organization.md): runs/<run_id>/targets.json, results/<map run id>/manifest.json and its
SUCCEEDED_n.json / FAILED_n.json files, runs/<run_id>/summary.json.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from glacier_cleanup.aws.deadline import attempt_timeouts
from glacier_cleanup.core.organization import Target, TargetResult

if TYPE_CHECKING:
    import boto3

# Reading many result files in parallel: each is one GET.
_READERS = 16


class PlannedTargetsError(Exception):
    """The planner's list of a run's targets could not be read."""


class RunStore:
    def __init__(self, session: boto3.session.Session, bucket: str) -> None:
        self._s3 = session.client("s3", config=attempt_timeouts())
        self._bucket = bucket

    def write_targets(self, run_id: str, targets: Sequence[Target]) -> str:
        """The map's items, one JSON array (the ItemReader's JSON format); returns the key."""
        key = f"runs/{run_id}/targets.json"
        self._put_json(key, [target.as_item() for target in targets])
        return key

    def planned_targets(self, run_id: str) -> frozenset[tuple[str, str]]:
        """(account, region) of every target the planner chose for the run (its runs/<run_id>/targets.json).
        Raises PlannedTargetsError when the file cannot be read: no run of that name, or no access."""
        try:
            items = self._get_json(f"runs/{run_id}/targets.json")
            return frozenset((str(item["account"]), str(item["region"])) for item in items)
        except (ClientError, BotoCoreError, ValueError, KeyError, TypeError) as exc:
            raise PlannedTargetsError(f"runs/{run_id}/targets.json in {self._bucket}: {exc}") from exc

    def write_summary(self, run_id: str, document: dict[str, Any]) -> str:
        key = f"runs/{run_id}/summary.json"
        self._put_json(key, document)
        return key

    def read_results(self, manifest_key: str) -> Iterator[TargetResult]:
        """Every map item's outcome from the ResultWriter's manifest and result files."""
        manifest = self._get_json(manifest_key)
        files = manifest.get("ResultFiles", {})
        keys = [(entry["Key"], kind) for kind in ("SUCCEEDED", "FAILED") for entry in files.get(kind, [])]
        with ThreadPoolExecutor(max_workers=_READERS) as pool:
            for (_, kind), entries in zip(
                keys, pool.map(self._get_json, [key for key, _ in keys]), strict=True
            ):
                for entry in entries:
                    yield _target_result(entry, failed=kind == "FAILED")

    def _put_json(self, key: str, document: Any) -> None:
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=json.dumps(document, separators=(",", ":")).encode(),
            ContentType="application/json",
        )

    def _get_json(self, key: str) -> Any:
        return json.loads(self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read())


def _target_result(entry: dict[str, Any], *, failed: bool) -> TargetResult:
    """One child execution as ResultWriter records it: Input and Output are JSON strings."""
    item_input = json.loads(entry.get("Input") or "{}")
    if failed or entry.get("Status") != "SUCCEEDED":
        reason = f"{entry.get('Error', 'Failed')}: {entry.get('Cause', '')}".strip(": ")
        return TargetResult.failed(item_input, reason)
    return TargetResult.from_item_output(json.loads(entry.get("Output") or "{}"))
