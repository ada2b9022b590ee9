"""A vault's inventory, deletion, access policy, lock and notifications, as Glacier documents them
(glacier_emulator/vault_state.py), driven by boto3 and by the AWS CLI (a client nobody here wrote)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from glacier_emulator.handles import EmulatorHandle, InProcessHandle

from .helpers import aws_cli, error_code

DENY_UPLOADS = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "no-new-writes",
                "Effect": "Deny",
                "Principal": "*",
                "Action": [
                    "glacier:InitiateMultipartUpload",
                    "glacier:UploadMultipartPart",
                    "glacier:UploadArchive",
                ],
                "Resource": "*",
            }
        ],
    }
)
TOPIC = "arn:aws:sns:us-east-1:123456789012:vault-events"


def refused(call: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call()
    return error_code(raised.value), raised.value.response["Error"]["Message"]


def test_counts_are_as_of_the_last_inventory_taken_a_day_after_a_write(
    glacier: EmulatorHandle, client: Any
) -> None:
    client.create_vault(vaultName="v")
    first = client.upload_archive(vaultName="v", body=b"abcd")["archiveId"]
    before = client.describe_vault(vaultName="v")
    assert (before.get("LastInventoryDate"), before["NumberOfArchives"], before["SizeInBytes"]) == (
        None,
        0,
        0,
    )

    glacier.after_next_inventory()
    taken = client.describe_vault(vaultName="v")
    assert (taken["NumberOfArchives"], taken["SizeInBytes"]) == (1, 4)
    assert taken["LastInventoryDate"] is not None
    [listed] = client.list_vaults()["VaultList"]
    assert listed["LastInventoryDate"] == taken["LastInventoryDate"]

    client.delete_archive(vaultName="v", archiveId=first)
    assert client.describe_vault(vaultName="v")["NumberOfArchives"] == 1  # still the last inventory's
    glacier.after_next_inventory()
    again = client.describe_vault(vaultName="v")
    assert (again["NumberOfArchives"], again["SizeInBytes"]) == (0, 0)
    assert again["LastInventoryDate"] > taken["LastInventoryDate"]


def test_delete_vault_needs_no_archives_as_of_the_inventory_and_no_write_since(
    glacier: EmulatorHandle, client: Any
) -> None:
    client.create_vault(vaultName="never-written")
    client.delete_vault(vaultName="never-written")
    assert client.list_vaults()["VaultList"] == []

    client.create_vault(vaultName="v")
    archive = client.upload_archive(vaultName="v", body=b"abcd")["archiveId"]
    not_empty = ("InvalidParameterValueException", "Vault not empty or recently written to")
    assert refused(lambda: client.delete_vault(vaultName="v")) == not_empty
    client.delete_archive(vaultName="v", archiveId=archive)
    assert refused(lambda: client.delete_vault(vaultName="v")) == not_empty  # written since
    glacier.after_next_inventory()
    client.delete_vault(vaultName="v")
    assert refused(lambda: client.describe_vault(vaultName="v"))[0] == "ResourceNotFoundException"


def test_a_part_uploaded_is_a_write_that_holds_the_vault_until_the_next_inventory(
    glacier: EmulatorHandle, client: Any
) -> None:
    client.create_vault(vaultName="v")
    upload_id = client.initiate_multipart_upload(vaultName="v", partSize=str(2**20))["uploadId"]
    client.delete_vault(vaultName="v")  # an upload without parts: no write (it goes with the vault)
    client.create_vault(vaultName="v")
    upload_id = client.initiate_multipart_upload(vaultName="v", partSize=str(2**20))["uploadId"]
    client.upload_multipart_part(vaultName="v", uploadId=upload_id, range="bytes 0-2/*", body=b"abc")
    assert refused(lambda: client.delete_vault(vaultName="v"))[0] == "InvalidParameterValueException"
    client.abort_multipart_upload(vaultName="v", uploadId=upload_id)
    glacier.after_next_inventory()
    client.delete_vault(vaultName="v")


def test_an_access_policy_that_denies_uploads_stops_new_writes_and_nothing_else(client: Any) -> None:
    client.create_vault(vaultName="v")
    assert refused(lambda: client.get_vault_access_policy(vaultName="v")) == (
        "ResourceNotFoundException",
        "No vault access policy is set for: arn:aws:glacier:us-east-1:123456789012:vaults/v",
    )
    started = client.initiate_multipart_upload(vaultName="v", partSize=str(2**20))["uploadId"]
    client.set_vault_access_policy(vaultName="v", policy={"Policy": DENY_UPLOADS})
    assert client.get_vault_access_policy(vaultName="v")["policy"]["Policy"] == DENY_UPLOADS

    assert refused(lambda: client.upload_archive(vaultName="v", body=b"x"))[0] == "AccessDeniedException"
    new = lambda: client.initiate_multipart_upload(vaultName="v", partSize=str(2**20))  # noqa: E731
    assert refused(new)[0] == "AccessDeniedException"
    # Reading and aborting still work: the policy denies only the writes it names.
    assert [u["MultipartUploadId"] for u in client.list_multipart_uploads(vaultName="v")["UploadsList"]] == [
        started
    ]
    client.abort_multipart_upload(vaultName="v", uploadId=started)

    client.delete_vault_access_policy(vaultName="v")
    client.upload_archive(vaultName="v", body=b"x")


@pytest.mark.parametrize(
    "policy",
    ["not json", json.dumps(["a list"]), json.dumps({"Version": "2012-10-17"})],
    ids=["not JSON", "not an object", "no Statement"],
)
def test_a_policy_that_is_not_a_policy_document_is_refused(client: Any, policy: str) -> None:
    client.create_vault(vaultName="v")
    code, _ = refused(lambda: client.set_vault_access_policy(vaultName="v", policy={"Policy": policy}))
    assert code == "InvalidParameterValueException"


def test_a_vault_lock_is_in_progress_until_completed_then_immutable(
    glacier: EmulatorHandle, client: Any
) -> None:
    client.create_vault(vaultName="v")
    assert refused(lambda: client.get_vault_lock(vaultName="v"))[0] == "ResourceNotFoundException"
    lock_id = client.initiate_vault_lock(vaultName="v", policy={"Policy": DENY_UPLOADS})["lockId"]
    in_progress = client.get_vault_lock(vaultName="v")
    assert (in_progress["State"], in_progress["Policy"]) == ("InProgress", DENY_UPLOADS)
    assert "ExpirationDate" in in_progress
    assert refused(lambda: client.complete_vault_lock(vaultName="v", lockId="wrong"))[0] == (
        "InvalidParameterValueException"
    )
    client.complete_vault_lock(vaultName="v", lockId=lock_id)
    locked = client.get_vault_lock(vaultName="v")
    assert (locked["State"], "ExpirationDate" in locked) == ("Locked", False)
    assert refused(lambda: client.abort_vault_lock(vaultName="v"))[0] == "InvalidParameterValueException"
    again = lambda: client.initiate_vault_lock(vaultName="v", policy={"Policy": DENY_UPLOADS})  # noqa: E731
    assert refused(again)[0] == "InvalidParameterValueException"


def test_a_lock_not_completed_within_a_day_expires(glacier: EmulatorHandle, client: Any) -> None:
    client.create_vault(vaultName="v")
    client.initiate_vault_lock(vaultName="v", policy={"Policy": DENY_UPLOADS})
    glacier.after_next_inventory()  # the clock a day on
    assert refused(lambda: client.get_vault_lock(vaultName="v"))[0] == "ResourceNotFoundException"
    client.initiate_vault_lock(vaultName="v", policy={"Policy": DENY_UPLOADS})
    client.abort_vault_lock(vaultName="v")
    assert refused(lambda: client.get_vault_lock(vaultName="v"))[0] == "ResourceNotFoundException"


def test_notifications_are_set_read_and_deleted(client: Any) -> None:
    client.create_vault(vaultName="v")
    assert refused(lambda: client.get_vault_notifications(vaultName="v"))[0] == "ResourceNotFoundException"
    config = {"SNSTopic": TOPIC, "Events": ["ArchiveRetrievalCompleted", "InventoryRetrievalCompleted"]}
    client.set_vault_notifications(vaultName="v", vaultNotificationConfig=config)
    assert client.get_vault_notifications(vaultName="v")["vaultNotificationConfig"] == config
    bad = {"SNSTopic": TOPIC, "Events": ["ArchiveDeleted"]}
    assert refused(lambda: client.set_vault_notifications(vaultName="v", vaultNotificationConfig=bad))[0] == (
        "InvalidParameterValueException"
    )
    client.delete_vault_notifications(vaultName="v")
    assert refused(lambda: client.get_vault_notifications(vaultName="v"))[0] == "ResourceNotFoundException"


def test_the_settings_of_a_missing_vault_are_not_found(client: Any) -> None:
    for call in (
        lambda: client.get_vault_access_policy(vaultName="missing"),
        lambda: client.get_vault_lock(vaultName="missing"),
        lambda: client.get_vault_notifications(vaultName="missing"),
        lambda: client.delete_vault(vaultName="missing"),
    ):
        assert refused(call)[0] == "ResourceNotFoundException"


def test_the_aws_cli_drives_every_new_call(
    glacier_in_process: InProcessHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI's own driver in-process (its parsing, serialization and output); the CLI as a process against
    the server is test_emulator_server_process.py's, at 1.5 s a call."""
    glacier = glacier_in_process

    def cli(*args: str) -> Any:
        code, out, err = aws_cli(glacier, capsys, *args)
        assert code == 0, err
        return out

    def cli_refused(*args: str) -> str:
        code, _, err = aws_cli(glacier, capsys, *args)
        assert code != 0
        return err

    cli("create-vault", "--vault-name", "cli")
    glacier.client().upload_archive(vaultName="cli", body=b"abc")
    assert "Vault not empty or recently written to" in cli_refused("delete-vault", "--vault-name", "cli")
    glacier.after_next_inventory()
    described = cli("describe-vault", "--vault-name", "cli")
    assert (described["NumberOfArchives"], described["SizeInBytes"]) == (1, 3)
    [listed] = cli("list-vaults")["VaultList"]
    assert listed["LastInventoryDate"] == described["LastInventoryDate"]

    cli("set-vault-access-policy", "--vault-name", "cli", "--policy", json.dumps({"Policy": DENY_UPLOADS}))
    assert cli("get-vault-access-policy", "--vault-name", "cli")["policy"]["Policy"] == DENY_UPLOADS
    cli("delete-vault-access-policy", "--vault-name", "cli")
    assert "ResourceNotFoundException" in cli_refused("get-vault-access-policy", "--vault-name", "cli")

    lock = cli("initiate-vault-lock", "--vault-name", "cli", "--policy", json.dumps({"Policy": DENY_UPLOADS}))
    assert cli("get-vault-lock", "--vault-name", "cli")["State"] == "InProgress"
    cli("abort-vault-lock", "--vault-name", "cli")
    assert "ResourceNotFoundException" in cli_refused("get-vault-lock", "--vault-name", "cli")
    lock = cli("initiate-vault-lock", "--vault-name", "cli", "--policy", json.dumps({"Policy": DENY_UPLOADS}))
    cli("complete-vault-lock", "--vault-name", "cli", f"--lock-id={lock['lockId']}")
    assert cli("get-vault-lock", "--vault-name", "cli")["State"] == "Locked"

    config = json.dumps({"SNSTopic": TOPIC, "Events": ["ArchiveRetrievalCompleted"]})
    cli("set-vault-notifications", "--vault-name", "cli", "--vault-notification-config", config)
    assert (
        cli("get-vault-notifications", "--vault-name", "cli")["vaultNotificationConfig"]["SNSTopic"] == TOPIC
    )
    cli("delete-vault-notifications", "--vault-name", "cli")
    assert "ResourceNotFoundException" in cli_refused("get-vault-notifications", "--vault-name", "cli")

    cli("create-vault", "--vault-name", "empty")
    cli("delete-vault", "--vault-name", "empty")
    assert [vault["VaultName"] for vault in cli("list-vaults")["VaultList"]] == ["cli"]
