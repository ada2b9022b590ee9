"""The function retiring the vaults its config names (`decommission_vaults`), in the shipped configuration
(the activity check on, its table, a real run): after the run, every upload of a retired vault aborted
whatever its age, new writes denied, the vault deleted once Glacier's next inventory allows it; the other
vaults judged as always; a locked vault a failure of the run that a person must act on."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from glacier_cleanup.core.decommission import DENY_WRITES_SID
from glacier_cleanup.handler import lambda_handler
from support.handler_env import FakeLambdaContext

from glacier_emulator.client_helpers import create_observation_table
from glacier_emulator.handles import EmulatorHandle

SCHEDULE = {"trigger": "schedule", "scheduled_time": "2026-12-07T06:00:00Z", "round": 1}


def ago(hours: float) -> str:
    return (
        (datetime.now(UTC) - timedelta(hours=hours)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


@pytest.fixture
def shipped(glacier: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> EmulatorHandle:
    table = create_observation_table(glacier.aws_client("dynamodb"), "decommission-observations")
    monkeypatch.setenv("CLEANUP_OBSERVATION_TABLE", table)
    monkeypatch.setenv("CLEANUP_ACTIVITY_CHECK", "true")
    monkeypatch.setenv("CLEANUP_DRY_RUN", "false")
    monkeypatch.setenv("CLEANUP_DECOMMISSION_VAULTS", "retiring")
    monkeypatch.setenv("CLEANUP_DECOMMISSION_DENY_WRITES", "true")
    client = glacier.client()
    client.create_vault(vaultName="retiring")
    young = client.initiate_multipart_upload(vaultName="retiring", partSize=str(2**20))["uploadId"]
    client.upload_multipart_part(vaultName="retiring", uploadId=young, range="bytes 0-2/*", body=b"abc")
    glacier.seed("retiring", 2, creation_date=ago(400))
    glacier.seed("backups", 2, creation_date=ago(400))
    glacier.seed("backups", 1, creation_date=ago(1))
    return glacier


def run() -> dict[str, Any]:
    return lambda_handler(dict(SCHEDULE), FakeLambdaContext())


def test_a_retired_vault_is_emptied_then_deleted_and_the_others_judged_as_always(
    shipped: EmulatorHandle,
) -> None:
    client = shipped.client()
    first = run()

    [report] = first["decommission"]
    assert (report["vault"], report["outcome"], report["uploads_aborted"]) == (
        "retiring",
        "waiting for Glacier's next inventory",
        3,
    )
    assert {record["vault"] for record in shipped.aborts()} == {"retiring"}  # backups: first looks, kept
    assert first["status"] == "ok"
    assert first["message"]["send"] is True  # the retired vault's aborts are news
    told = "- retiring: waiting for Glacier's next inventory (3 upload(s) aborted)"
    assert told in first["message"]["text"]
    policy = json.loads(client.get_vault_access_policy(vaultName="retiring")["policy"]["Policy"])
    assert [statement["Sid"] for statement in policy["Statement"]] == [DENY_WRITES_SID]

    shipped.after_next_inventory()
    second = run()
    assert second["decommission"][0]["outcome"] == "deleted"
    assert [vault["VaultName"] for vault in client.list_vaults()["VaultList"]] == ["backups"]

    third = run()  # the name stays in the config: said, not a failure
    assert (third["decommission"][0]["outcome"], third["status"]) == (
        "refused: no such vault (or deleted by an earlier run)",
        "ok",
    )


def test_a_dry_run_retires_nothing(shipped: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEANUP_DRY_RUN", "true")
    result = run()
    assert result["decommission"][0]["outcome"] == "would be deleted (dry run)"
    assert shipped.aborts() == []
    assert [v["VaultName"] for v in shipped.client().list_vaults()["VaultList"]] == ["backups", "retiring"]


def test_a_locked_vault_is_a_failure_a_person_must_act_on(shipped: EmulatorHandle) -> None:
    client = shipped.client()
    policy = json.dumps(
        {
            "Statement": [
                {"Effect": "Deny", "Principal": "*", "Action": "glacier:DeleteArchive", "Resource": "*"}
            ]
        }
    )
    lock = client.initiate_vault_lock(vaultName="retiring", policy={"Policy": policy})["lockId"]
    client.complete_vault_lock(vaultName="retiring", lockId=lock)

    result = run()

    assert result["decommission"][0]["outcome"] == "refused: a vault lock is in place"
    assert result["status"] == "partial"
    assert {
        "vault": "retiring",
        "upload_id": None,
        "error": "decommission: refused: a vault lock is in place",
    } in (result["failures"])
    assert not [record for record in shipped.aborts() if record["vault"] == "retiring"]
