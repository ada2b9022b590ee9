"""The results bucket adapter (glacier_cleanup.aws.results_bucket) on an in-memory S3: the files it writes,
byte for byte, and every shape of map item Step Functions' ResultWriter records."""

from __future__ import annotations

import json
from typing import Any

import pytest
from glacier_cleanup.aws.results_bucket import RunStore
from glacier_cleanup.core.organization import Target, TargetResult


class MemoryS3:
    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str | None]] = {}

    def put_object(self, *, Bucket: str, Key: str, Body: bytes, ContentType: str | None = None) -> None:
        assert Bucket == "results"
        self.objects[Key] = (Body, ContentType)

    def get_object(self, *, Bucket: str, Key: str) -> dict[str, Any]:
        assert Bucket == "results"

        class Body:
            @staticmethod
            def read() -> bytes:
                return self.objects[Key][0]

        return {"Body": Body()}

    def put(self, key: str, document: Any) -> None:
        self.objects[key] = (json.dumps(document).encode(), None)


@pytest.fixture
def s3() -> MemoryS3:
    return MemoryS3()


@pytest.fixture
def store(s3: MemoryS3) -> RunStore:
    class Session:
        @staticmethod
        def client(name: str, config: Any = None) -> MemoryS3:
            assert name == "s3"
            return s3

    return RunStore(Session(), "results")  # type: ignore[arg-type]


def test_targets_and_summary_are_compact_json_under_the_runs_key(store: RunStore, s3: MemoryS3) -> None:
    key = store.write_targets(
        "run-1", [Target("111111111111", "eu-west-1"), Target("222222222222", "us-east-1")]
    )
    summary_key = store.write_summary("run-1", {"targets": 2})

    assert (key, summary_key) == ("runs/run-1/targets.json", "runs/run-1/summary.json")
    assert s3.objects[key] == (
        b'[{"account":"111111111111","region":"eu-west-1"},{"account":"222222222222","region":"us-east-1"}]',
        "application/json",
    )
    assert s3.objects[summary_key] == (b'{"targets":2}', "application/json")


def child(status: str = "SUCCEEDED", **fields: Any) -> dict[str, Any]:
    return {"Status": status, **fields}


def test_every_recorded_item_becomes_one_target_result(store: RunStore, s3: MemoryS3) -> None:
    target = {"account": "111111111111", "region": "eu-west-1", "round": 2}
    output = {**target, "result": {"status": "ok", "uploads_aborted": 4}}
    s3.put("r/SUCCEEDED_0.json", [child(Input=json.dumps(target), Output=json.dumps(output)), child()])
    s3.put(
        "r/FAILED_0.json",
        [
            child("FAILED", Input=json.dumps(target), Error="Lambda.Unknown", Cause="boom at X"),
            child("TIMED_OUT", Error="States.Timeout"),
            child("FAILED", Cause="only a cause"),
            child("FAILED"),
        ],
    )
    s3.put("r/FAILED_1.json", [child("SUCCEEDED", Input=json.dumps(target))])  # in a FAILED file: failed
    s3.put(
        "r/manifest.json",
        {
            "ResultFiles": {
                "FAILED": [{"Key": "r/FAILED_0.json"}, {"Key": "r/FAILED_1.json"}],
                "SUCCEEDED": [{"Key": "r/SUCCEEDED_0.json"}],
            }
        },
    )

    results = list(store.read_results("r/manifest.json"))

    def failed(item: dict[str, Any], error: str) -> TargetResult:
        return TargetResult.failed(item, error)

    assert results == [
        TargetResult.from_item_output(output),
        TargetResult.from_item_output({}),  # succeeded without output: a failed target, of unknown place
        failed(target, "Lambda.Unknown: boom at X"),  # only the joining ": " is trimmed
        failed({}, "States.Timeout"),
        failed({}, "Failed: only a cause"),
        failed({}, "Failed"),
        failed(target, "Failed"),
    ]
    assert results[0].status == "ok"
    assert results[1].status == "failed"


def test_a_manifest_without_result_files_means_no_results(store: RunStore, s3: MemoryS3) -> None:
    s3.put("r/manifest.json", {"DestinationBucket": "results"})
    s3.put("r/other.json", {"ResultFiles": {"SUCCEEDED": []}})

    assert list(store.read_results("r/manifest.json")) == []
    assert list(store.read_results("r/other.json")) == []
