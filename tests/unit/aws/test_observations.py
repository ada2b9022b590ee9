"""The observation store's adapters: the DynamoDB table (against moto, and botocore's Stubber for the exact
requests and errors) and the terminal tool's local file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import glacier_cleanup
import pytest
from botocore.stub import Stubber
from glacier_cleanup.aws.observations import DynamoObservationStore
from glacier_cleanup.core.activity import Observation, Progress, StoreError, UploadKey
from glacier_cleanup.terminal.state_file import LocalObservationFile, default_path
from moto import mock_aws

from glacier_emulator.client_helpers import create_observation_table

KEY = UploadKey("111111111111", "eu-west-1", "backups", "upload-1")
SEEN = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
LOOK = Observation(Progress(7, 7 * 1048576), SEEN, SEEN + timedelta(hours=25))
EXPIRES = SEEN + timedelta(days=30)


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.session.Session]:
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "t"),
        ("AWS_SECRET_ACCESS_KEY", "t"),
        ("AWS_DEFAULT_REGION", "eu-west-1"),
    ):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        session = boto3.session.Session(region_name="eu-west-1")
        create_observation_table(session.client("dynamodb"), "looks")
        yield session


def test_a_look_written_to_the_table_reads_back_the_same(session: boto3.session.Session) -> None:
    store = DynamoObservationStore(session, "looks")
    assert store.get(KEY) is None
    store.put(KEY, LOOK, expires_at=EXPIRES)
    assert store.get(KEY) == LOOK
    item = session.client("dynamodb").get_item(TableName="looks", Key={"upload": {"S": str(KEY)}})["Item"]
    assert item == {
        "upload": {"S": "111111111111/eu-west-1/backups/upload-1"},
        "account": {"S": "111111111111"},
        "region": {"S": "eu-west-1"},
        "vault": {"S": "backups"},
        "upload_id": {"S": "upload-1"},
        "parts": {"N": "7"},
        "bytes": {"N": str(7 * 1048576)},
        "unchanged_since": {"S": "2026-11-01T12:00:00.000+00:00"},
        "last_seen": {"S": "2026-11-02T13:00:00.000+00:00"},
        "expires_at": {"N": str(int(EXPIRES.timestamp()))},  # the table's TTL attribute, epoch seconds
    }


def test_a_missing_table_is_a_store_error(session: boto3.session.Session) -> None:
    store = DynamoObservationStore(session, "no-such-table")
    with pytest.raises(StoreError, match=r"^ResourceNotFoundException: "):
        store.get(KEY)
    with pytest.raises(StoreError, match=r"^ResourceNotFoundException: "):
        store.put(KEY, LOOK, expires_at=EXPIRES)


@pytest.mark.parametrize(
    "item",
    [
        {"upload": {"S": "k"}},  # written by something else
        {"upload": {"S": "k"}, "parts": {"S": "x"}, "bytes": {"N": "1"}, "unchanged_since": {"S": "a"}},
        {
            "upload": {"S": "k"},
            "parts": {"N": "1"},
            "bytes": {"N": "1"},
            "unchanged_since": {"S": "2026-11-01T12:00:00"},  # no zone: an instant cannot be trusted
            "last_seen": {"S": "2026-11-01T12:00:00+00:00"},
        },
    ],
)
def test_an_unreadable_item_is_a_store_error_never_a_guess(
    session: boto3.session.Session, item: dict[str, Any]
) -> None:
    session.client("dynamodb").put_item(TableName="looks", Item={**item, "upload": {"S": str(KEY)}})
    with pytest.raises(StoreError, match=r"^unreadable item "):
        DynamoObservationStore(session, "looks").get(KEY)


def test_the_read_is_strongly_consistent_and_a_throttle_is_a_store_error() -> None:
    store = DynamoObservationStore(
        boto3.session.Session(region_name="eu-west-1", aws_access_key_id="t", aws_secret_access_key="t"),
        "looks",
    )
    client = store._client  # the adapter's own client
    with Stubber(client) as stubber:
        stubber.add_response(
            "get_item", {}, {"TableName": "looks", "Key": {"upload": {"S": str(KEY)}}, "ConsistentRead": True}
        )
        stubber.add_client_error("get_item", "ProvisionedThroughputExceededException", "slow down")
        assert store.get(KEY) is None
        with pytest.raises(StoreError, match=r"^ProvisionedThroughputExceededException: slow down$"):
            store.get(KEY)
        stubber.assert_no_pending_responses()


def test_the_local_file_keeps_looks_between_runs(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "glacier-cleanup" / "observations.json"
    first = LocalObservationFile(path)
    assert first.get(KEY) is None
    first.put(KEY, LOOK, expires_at=EXPIRES)
    first.save(SEEN)
    assert LocalObservationFile(path).get(KEY) == LOOK
    assert [p.name for p in path.parent.iterdir()] == ["observations.json"]  # no temporary file left


def test_the_local_file_drops_expired_looks_and_writes_nothing_when_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "observations.json"
    store = LocalObservationFile(path)
    store.put(KEY, LOOK, expires_at=EXPIRES)
    store.put(UploadKey("-", "r", "v", "old"), LOOK, expires_at=SEEN - timedelta(seconds=1))
    store.save(SEEN)
    assert list(json.loads(path.read_text())["observations"]) == [str(KEY)]
    untouched = path.stat().st_mtime_ns
    LocalObservationFile(path).save(SEEN + timedelta(days=1))
    assert path.stat().st_mtime_ns == untouched


@pytest.mark.parametrize(
    "content", ["not json", '{"version": 99, "observations": {}}', '{"version": 1, "observations": []}']
)
def test_an_unreadable_local_file_is_a_store_error_naming_it(tmp_path: Path, content: str) -> None:
    path = tmp_path / "observations.json"
    path.write_text(content)
    with pytest.raises(StoreError, match=str(path)):
        LocalObservationFile(path)


def test_the_local_file_lives_in_the_users_cache_directory() -> None:
    assert default_path({"XDG_CACHE_HOME": "/x/cache"}) == Path("/x/cache/glacier-cleanup/observations.json")
    assert default_path({}) == Path.home() / ".cache" / "glacier-cleanup" / "observations.json"


def test_the_table_client_retries_and_pools_for_the_runs_threads(session: boto3.session.Session) -> None:
    config = DynamoObservationStore(session, "looks", concurrency=24)._client.meta.config
    assert config.retries == {"total_max_attempts": 5, "mode": "standard"}
    assert config.max_pool_connections == 25  # the workers and the dispatching thread
    assert config.user_agent_extra == f"glacier-multipart-cleanup/{glacier_cleanup.__version__}"
    assert (
        DynamoObservationStore(session, "looks", concurrency=2)._client.meta.config.max_pool_connections == 10
    )


def test_errors_without_a_code_or_from_the_connection_are_described() -> None:
    from botocore.exceptions import ClientError, EndpointConnectionError  # noqa: PLC0415
    from glacier_cleanup.aws import observations  # noqa: PLC0415

    assert observations._describe(ClientError({}, "GetItem")) == "Unknown: "
    assert observations._describe(ClientError({"Error": {"Code": "X", "Message": "m"}}, "GetItem")) == "X: m"
    assert (
        observations._describe(EndpointConnectionError(endpoint_url="https://dynamodb"))
        == 'EndpointConnectionError: Could not connect to the endpoint URL: "https://dynamodb"'
    )


def test_the_local_file_is_compact_json_versioned_and_replaced_atomically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "deep" / "er" / "observations.json"
    store = LocalObservationFile(path)
    store.put(KEY, LOOK, expires_at=EXPIRES)
    store.save(EXPIRES - timedelta(microseconds=1))  # expires exactly after "now": kept
    assert path.read_text().startswith(
        '{"version":1,"observations":{"111111111111/eu-west-1/backups/upload-1":'
    )
    assert json.loads(path.read_text())["observations"][str(KEY)] == {
        "parts": 7,
        "bytes": 7 * 1048576,
        "unchanged_since": "2026-11-01T12:00:00+00:00",
        "last_seen": "2026-11-02T13:00:00+00:00",
        "expires_at": EXPIRES.isoformat(),
    }
    again = LocalObservationFile(path)
    again.put(KEY, LOOK, expires_at=EXPIRES)
    again.save(EXPIRES)  # expired at that instant: dropped
    assert json.loads(path.read_text())["observations"] == {}

    def broken_dump(*_args: Any, **_kwargs: Any) -> None:
        raise OSError("disk full")

    third = LocalObservationFile(path)
    third.put(KEY, LOOK, expires_at=EXPIRES)
    monkeypatch.setattr(json, "dump", broken_dump)
    with pytest.raises(OSError, match="disk full"):
        third.save(SEEN)
    assert sorted(p.name for p in path.parent.iterdir()) == ["observations.json"]  # no temporary file left
    assert json.loads(path.read_text())["observations"] == {}  # the earlier file is intact


def test_an_unreadable_entry_in_the_local_file_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "observations.json"
    path.write_text(json.dumps({"version": 1, "observations": {str(KEY): {"parts": "many"}}}))
    # Found when the file is read, before the first call: not at the save after the run's aborts.
    with pytest.raises(
        StoreError, match="entry '111111111111/eu-west-1/backups/upload-1': parts must be a whole number"
    ):
        LocalObservationFile(path)


def test_instants_are_kept_in_utc_whatever_zone_they_come_in(session: boto3.session.Session) -> None:
    from glacier_cleanup.aws import observations  # noqa: PLC0415

    plus_two = timezone(timedelta(hours=2))
    assert observations._iso(datetime(2026, 1, 1, 14, 0, tzinfo=plus_two)) == "2026-01-01T12:00:00.000+00:00"
    assert observations._parse("2026-01-01T14:00:00+02:00") == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert observations._parse("2026-01-01T14:00:00+02:00").tzinfo is UTC
    with pytest.raises(ValueError, match=r"^'2026-01-01T14:00:00' has no time zone$"):
        observations._parse("2026-01-01T14:00:00")
    with pytest.raises(
        StoreError, match=r"^unreadable item 111111111111/eu-west-1/backups/upload-1: KeyError: 'parts'$"
    ):
        observations._observation({"upload": {"S": str(KEY)}})
    path_store = LocalObservationFile(Path("/nonexistent/dir/observations.json"))
    path_store.put(
        KEY, Observation(LOOK.progress, datetime(2026, 1, 1, 14, tzinfo=plus_two), SEEN), expires_at=EXPIRES
    )
    assert path_store.get(KEY).unchanged_since.tzinfo is UTC  # type: ignore[union-attr]


def test_the_temporary_file_sits_beside_the_file_it_replaces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile  # noqa: PLC0415

    made: list[dict[str, Any]] = []
    real = tempfile.mkstemp

    def recording(**kwargs: Any) -> tuple[int, str]:
        made.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", recording)
    path = tmp_path / "observations.json"
    store = LocalObservationFile(path)
    store.put(KEY, LOOK, expires_at=EXPIRES)
    store.save(SEEN)
    # Same directory: the rename is atomic (never across file systems); a hidden name while it is written.
    assert made == [{"dir": path.parent, "prefix": ".observations-", "suffix": ".json"}]


def test_an_entry_without_an_expiry_is_dropped_at_the_next_save(tmp_path: Path) -> None:
    path = tmp_path / "observations.json"
    legacy = {"parts": 1, "bytes": 1, "unchanged_since": SEEN.isoformat(), "last_seen": SEEN.isoformat()}
    path.write_text(json.dumps({"version": 1, "observations": {"old": legacy}}))
    store = LocalObservationFile(path)
    store.put(KEY, LOOK, expires_at=EXPIRES)
    store.save(SEEN)
    assert list(json.loads(path.read_text())["observations"]) == [str(KEY)]
    assert LocalObservationFile(path).get(KEY).last_seen.tzinfo is UTC  # type: ignore[union-attr]


def test_written_instants_say_utc_in_any_machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    import time  # noqa: PLC0415

    from glacier_cleanup.aws import observations  # noqa: PLC0415

    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    try:
        assert observations._iso(datetime(2026, 1, 1, 12, 0, tzinfo=UTC)) == "2026-01-01T12:00:00.000+00:00"
    finally:
        monkeypatch.undo()
        time.tzset()
