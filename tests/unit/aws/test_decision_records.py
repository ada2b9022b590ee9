"""The records bucket adapter (glacier_cleanup.aws.decision_records) on a real S3 client with botocore's
Stubber (no request leaves the process): the object it puts, and an S3 refusal as RecordsNotWrittenError
naming the object."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from glacier_cleanup.aws.decision_records import RecordsBucket, RecordsNotWrittenError

KEY = "records/year=2026/month=12/day=07/060000-run-round1.jsonl.gz"


class StubbedSession:
    def __init__(self) -> None:
        self.client_made = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="eu-west-1"
        ).client("s3")
        self.stubber = Stubber(self.client_made)

    def client(self, name: str, config: Any = None) -> Any:
        assert name == "s3"
        return self.client_made


@pytest.fixture
def session() -> Iterator[StubbedSession]:
    stubbed = StubbedSession()
    with stubbed.stubber:
        yield stubbed
    stubbed.stubber.assert_no_pending_responses()


def test_the_records_go_in_one_gzip_json_lines_object(session: StubbedSession) -> None:
    records = [{"upload_id": "a", "bytes": 1}, {"upload_id": "b", "bytes": None}]
    sent: dict[str, Any] = {}

    def keep(params: dict[str, Any], **_: Any) -> None:
        sent.update(params)

    session.client_made.meta.events.register("provide-client-params.s3.PutObject", keep)
    expected = {"Bucket": "recs", "Key": KEY, "Body": ANY, "ContentType": "application/x-ndjson"}
    session.stubber.add_response("put_object", {}, expected)

    RecordsBucket(session, "recs").put(KEY, records)  # type: ignore[arg-type]

    lines = gzip.decompress(sent["Body"]).decode("utf-8").splitlines()
    assert [json.loads(line) for line in lines] == records


def test_a_refused_put_says_which_object_and_why(session: StubbedSession) -> None:
    session.stubber.add_client_error("put_object", "AccessDenied", "no kms:GenerateDataKey", 403)

    with pytest.raises(RecordsNotWrittenError) as raised:
        RecordsBucket(session, "recs").put(KEY, [{"upload_id": "a"}])  # type: ignore[arg-type]

    assert str(raised.value).startswith(f"s3://recs/{KEY}: ")
    assert "AccessDenied" in str(raised.value)
