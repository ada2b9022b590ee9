"""The function with the activity check (its default), end to end: the real handler, Glacier on the emulator
and its observation table on DynamoDB (moto), in both emulator modes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from glacier_cleanup.aws.observations import DynamoObservationStore
from glacier_cleanup.core.activity import Observation, Progress, UploadKey
from glacier_cleanup.handler import lambda_handler
from glacier_cleanup.inputs.events import InvalidEventError
from glacier_cleanup.inputs.settings import SettingsError
from support.handler_env import FakeLambdaContext, emitted

from glacier_emulator.client_helpers import create_observation_table
from glacier_emulator.handles import EmulatorHandle
from glacier_emulator.organization import LocalOrganization

from .test_target_events import REGION, ROLE, ago, create_member_role, target_event

TABLE = "glacier-cleanup-observations"
ACCOUNT = "123456789012"  # FakeLambdaContext's function ARN: the key's account


@pytest.fixture
def table(glacier: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> str:
    create_observation_table(glacier.aws_client("dynamodb"), TABLE)
    monkeypatch.setenv("CLEANUP_ACTIVITY_CHECK", "true")
    monkeypatch.setenv("CLEANUP_OBSERVATION_TABLE", TABLE)
    monkeypatch.setenv("CLEANUP_DRY_RUN", "false")
    endpoint = getattr(glacier, "endpoint_url", None)
    if endpoint:  # the server: the function finds the table where it finds Glacier
        monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", str(endpoint))
    return TABLE


def store(glacier: EmulatorHandle) -> DynamoObservationStore:
    class Session:
        def client(self, service: str, **_config: object) -> object:
            return glacier.aws_client(service)

    return DynamoObservationStore(Session(), TABLE)  # type: ignore[arg-type]


def looked_at_days_ago(
    glacier: EmulatorHandle,
    upload_ids: list[str],
    days: float,
    *,
    account: str = ACCOUNT,
    region: str = "us-east-1",
) -> None:
    then = datetime.now(UTC) - timedelta(days=days)
    for upload_id in upload_ids:
        store(glacier).put(
            UploadKey(account, region, "backups", upload_id),
            Observation(Progress(0, 0), then, then),
            expires_at=then + timedelta(days=30),
        )


def test_the_first_run_records_and_keeps_every_old_upload(
    glacier: EmulatorHandle, table: str, capsys: pytest.CaptureFixture[str]
) -> None:
    old = glacier.seed("backups", 3, creation_date=ago(400))
    glacier.seed("backups", 1, creation_date=ago(2))

    result = lambda_handler({"trigger": "schedule"}, FakeLambdaContext())

    assert glacier.aborts() == []
    assert (result["status"], result["uploads_first_seen"], result["uploads_stale"]) == ("ok", 3, 0)
    assert (result["activity_check"], result["idle_hours"], result["bytes_stale"]) == (True, 168.0, 0)
    assert {
        upload_id: store(glacier).get(UploadKey(ACCOUNT, "us-east-1", "backups", upload_id)) is not None
        for upload_id in old
    } == dict.fromkeys(old, True)
    blobs, _ = emitted(capsys.readouterr().out)
    units = {
        metric["Name"]: metric["Unit"]
        for blob in blobs
        for directive in blob["_aws"]["CloudWatchMetrics"]
        for metric in directive["Metrics"]
    }
    assert (units["UploadsFirstSeen"], units["BytesStale"], units["BytesReleased"]) == (
        "Count",
        "Bytes",
        "Bytes",
    )


def test_idle_uploads_are_aborted_and_a_changed_one_is_kept(glacier: EmulatorHandle, table: str) -> None:
    idle = glacier.seed("backups", 2, creation_date=ago(400))
    [busy] = glacier.seed("backups", 1, creation_date=ago(400))
    looked_at_days_ago(glacier, [*idle, busy], days=8)
    glacier.client().upload_multipart_part(
        vaultName="backups", uploadId=busy, range="bytes 0-1048575/*", body=b"x" * 1048576
    )

    result = lambda_handler({}, FakeLambdaContext())

    assert sorted(a["upload_id"] for a in glacier.aborts()) == sorted(idle)
    assert (result["uploads_aborted"], result["uploads_active"]) == (2, 1)


def test_on_demand_age_alone_is_an_explicit_choice(
    glacier: EmulatorHandle, table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLEANUP_EVENT_MAY_LOOSEN", "true")  # the deployment lets events switch the check off
    glacier.seed("backups", 2, creation_date=ago(400))
    result = lambda_handler({"activity_check": False}, FakeLambdaContext())
    assert (result["uploads_aborted"], result["activity_check"]) == (2, False)


def test_the_check_without_a_table_is_a_settings_error_naming_both_variables(
    glacier: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CLEANUP_ACTIVITY_CHECK")  # the default: on
    glacier.seed("backups", 2, creation_date=ago(400))
    with pytest.raises(
        SettingsError, match="CLEANUP_OBSERVATION_TABLE is required while CLEANUP_ACTIVITY_CHECK"
    ):
        lambda_handler({}, FakeLambdaContext())
    assert glacier.stats()["operations"].get("ListVaults") is None


def test_asking_for_the_check_where_there_is_no_table_calls_nothing(glacier: EmulatorHandle) -> None:
    glacier.seed("backups", 2, creation_date=ago(400))
    with pytest.raises(
        InvalidEventError, match="activity_check: this function has no CLEANUP_OBSERVATION_TABLE"
    ):
        lambda_handler({"activity_check": True}, FakeLambdaContext())
    assert glacier.stats()["total"] == 0


def test_a_target_event_keeps_its_looks_under_the_member_account_and_region(
    glacier: EmulatorHandle,
    local_organization: LocalOrganization,
    table: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CLEANUP_MEMBER_ROLE_NAME", ROLE)
    org = local_organization
    alpha = org.accounts["alpha"]
    create_member_role(glacier, org, alpha)
    there = glacier.in_region(REGION)
    there.client(org.credentials(glacier, alpha)).create_vault(vaultName="backups")
    [upload] = there.seed("backups", 1, creation_date=ago(400), account_id=alpha)

    first = lambda_handler(target_event(alpha), FakeLambdaContext())
    assert (first["status"], first["uploads_first_seen"]) == ("ok", 1)
    # The hub's own table, keyed by the member's account and the target's region.
    assert store(glacier).get(UploadKey(alpha, REGION, "backups", upload)) is not None

    looked_at_days_ago(glacier, [upload], days=8, account=alpha, region=REGION)
    second = lambda_handler(target_event(alpha), FakeLambdaContext())
    assert (second["uploads_aborted"], [a["account"] for a in glacier.aborts()]) == (1, [alpha])
