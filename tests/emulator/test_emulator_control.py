"""Stats, abort log, reset, seeding, race-drill hooks and concurrency."""

from __future__ import annotations

import json
import threading
import urllib.error
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError

from glacier_emulator import GlacierError
from glacier_emulator.handles import EmulatorHandle, InProcessHandle

from .helpers import OLD, error_code, list_all_uploads


def test_stats_count_every_request_by_operation_and_outcome(glacier: EmulatorHandle, client: Any) -> None:
    client.create_vault(vaultName="v")
    upload_id = glacier.initiate("v")
    client.list_vaults()
    client.list_multipart_uploads(vaultName="v")
    client.abort_multipart_upload(vaultName="v", uploadId=upload_id)
    for _ in range(2):
        with pytest.raises(ClientError):
            client.abort_multipart_upload(vaultName="v", uploadId="nope")
    with pytest.raises(ClientError):
        client.list_multipart_uploads(vaultName="missing")
    glacier.configure(throttle_rate=1.0)
    with pytest.raises(ClientError):
        client.list_vaults()

    operations = {
        "CreateVault": {"total": 1, "ok": 1},
        "InitiateMultipartUpload": {"total": 1, "ok": 1},
        "ListVaults": {"total": 2, "ok": 1, "ThrottlingException": 1},
        "ListMultipartUploads": {"total": 2, "ok": 1, "ResourceNotFoundException": 1},
        "AbortMultipartUpload": {"total": 3, "ok": 1, "ResourceNotFoundException": 2},
    }
    assert glacier.stats() == {
        "total": 9,
        "operations": operations,
        # The same counts, by the caller's account and the request's region.
        "by_account": {"123456789012": {"us-east-1": {"total": 9, "operations": operations}}},
    }


def test_reset_clears_state_stats_aborts_and_restores_faults(glacier: EmulatorHandle, client: Any) -> None:
    [upload_id] = glacier.seed("v", 1, creation_date=OLD)
    client.abort_multipart_upload(vaultName="v", uploadId=upload_id)
    glacier.configure(throttle_rate=1.0)
    glacier.reset()
    assert glacier.stats() == {"total": 0, "operations": {}, "by_account": {}}
    assert glacier.aborts() == []
    assert client.list_vaults()["VaultList"] == []  # no throttling any more


def test_seed_creates_the_vault_and_bypasses_stats(glacier: EmulatorHandle, client: Any) -> None:
    ids = glacier.seed("seeded", 5, creation_date=OLD, archive_description="bench", part_size=8 * 1024 * 1024)
    assert glacier.stats()["total"] == 0
    listed = list_all_uploads(client, "seeded")
    assert sorted(item["MultipartUploadId"] for item in listed) == sorted(ids)
    assert {
        (item["CreationDate"], item["ArchiveDescription"], item["PartSizeInBytes"]) for item in listed
    } == {(OLD, "bench", 8 * 1024 * 1024)}
    assert glacier.seed("seeded", 2, creation_date=OLD)  # an existing vault keeps its uploads
    assert len(list_all_uploads(client, "seeded")) == 7


def test_seed_rejects_an_invalid_part_size(glacier: EmulatorHandle) -> None:
    if glacier.mode == "server":
        with pytest.raises(urllib.error.HTTPError) as rejected:
            glacier.seed("v", 1, creation_date=OLD, part_size=12345)
        assert rejected.value.code == 400
        assert "Invalid part size: 12345" in json.loads(rejected.value.read())["error"]
    else:
        with pytest.raises(GlacierError) as invalid:
            glacier.seed("v", 1, creation_date=OLD, part_size=12345)
        assert (invalid.value.code, invalid.value.status) == ("InvalidParameterValueException", 400)
        assert "Invalid part size: 12345" in invalid.value.message
    assert glacier.stats()["total"] == 0


def test_concurrent_aborts_remove_each_upload_exactly_once(glacier: EmulatorHandle) -> None:
    ids = glacier.seed("v", 300, creation_date=OLD)
    client = glacier.client(max_pool_connections=32)
    outcomes: list[str] = []
    lock = threading.Lock()

    def abort(upload_id: str) -> None:
        try:
            client.abort_multipart_upload(vaultName="v", uploadId=upload_id)
            result = "ok"
        except ClientError as error:
            result = error_code(error)
        with lock:
            outcomes.append(result)

    # Every id twice: the second abort lands inside the grace window and succeeds without a log entry.
    with ThreadPoolExecutor(max_workers=32) as pool:
        list(pool.map(abort, ids + ids))
    assert outcomes.count("ok") == 600
    assert sorted(record["upload_id"] for record in glacier.aborts()) == sorted(ids)
    assert client.list_multipart_uploads(vaultName="v")["UploadsList"] == []
    assert glacier.stats()["operations"]["AbortMultipartUpload"] == {"total": 600, "ok": 600}


def test_concurrent_listing_and_aborting(glacier: EmulatorHandle) -> None:
    vaults = [f"v{index}" for index in range(8)]
    for vault in vaults:
        glacier.seed(vault, 120, creation_date=OLD)
    client = glacier.client(max_pool_connections=16)

    def drain(vault: str) -> int:
        aborted = 0
        for item in list_all_uploads(client, vault):
            client.abort_multipart_upload(vaultName=vault, uploadId=item["MultipartUploadId"])
            aborted += 1
        return aborted

    with ThreadPoolExecutor(max_workers=16) as pool:
        assert sum(pool.map(drain, vaults)) == 960
    assert len(glacier.aborts()) == 960


# ----- in-process only: hooks and expiry -------------------------------------------------------------


def test_hook_sees_operation_vault_and_params(glacier_in_process: InProcessHandle) -> None:
    seen: list[tuple[str, str | None, dict[str, Any]]] = []
    glacier_in_process.add_hook(lambda op, vault, params: seen.append((op, vault, params)))
    client = glacier_in_process.client()
    client.create_vault(vaultName="v")
    client.list_multipart_uploads(vaultName="v", limit="5")
    client.list_vaults()
    assert [(op, vault) for op, vault, _ in seen] == [
        ("CreateVault", "v"),
        ("ListMultipartUploads", "v"),
        ("ListVaults", None),
    ]
    params = seen[1][2]
    assert (params["vaultName"], params["limit"], params["region"]) == ("v", "5", "us-east-1")


def test_hook_expiring_an_upload_between_list_and_abort_gives_404(
    glacier_in_process: InProcessHandle,
) -> None:
    handle = glacier_in_process
    [upload_id] = handle.seed("v", 1, creation_date=OLD)

    def expire_first(op: str, vault: str | None, params: dict[str, Any]) -> None:
        if op == "AbortMultipartUpload":
            assert vault is not None
            handle.expire_upload(vault, params["uploadId"])

    client = handle.client()
    [item] = client.list_multipart_uploads(vaultName="v")["UploadsList"]
    handle.add_hook(expire_first)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.abort_multipart_upload(vaultName="v", uploadId=item["MultipartUploadId"])
    assert item["MultipartUploadId"] == upload_id
    assert handle.aborts() == []


def test_hook_deleting_the_vault_gives_404(glacier_in_process: InProcessHandle) -> None:
    handle = glacier_in_process
    handle.seed("v", 1, creation_date=OLD)
    client = handle.client()
    [item] = client.list_multipart_uploads(vaultName="v")["UploadsList"]

    def delete_vault(op: str, vault: str | None, params: dict[str, Any]) -> None:
        # A request made from inside a hook does not run the hooks again.
        client.delete_vault(vaultName="v")

    handle.add_hook(delete_vault)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.abort_multipart_upload(vaultName="v", uploadId=item["MultipartUploadId"])
    handle.clear_hooks()
    assert client.list_vaults()["VaultList"] == []


def test_hook_can_fail_a_request(glacier_in_process: InProcessHandle) -> None:
    def fail(op: str, vault: str | None, params: dict[str, Any]) -> None:
        raise GlacierError("RequestTimeoutException", "slow", 408)

    glacier_in_process.add_hook(fail)
    client = glacier_in_process.client()
    with pytest.raises(client.exceptions.RequestTimeoutException):
        client.list_vaults()
    assert glacier_in_process.stats()["operations"]["ListVaults"]["RequestTimeoutException"] == 1


def test_expire_upload_leaves_no_grace_window(glacier_in_process: InProcessHandle) -> None:
    [upload_id] = glacier_in_process.seed("v", 1, creation_date=OLD)
    assert glacier_in_process.expire_upload("v", upload_id)
    assert not glacier_in_process.expire_upload("v", upload_id)
    client = glacier_in_process.client()
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.abort_multipart_upload(vaultName="v", uploadId=upload_id)


def test_server_handle_has_no_hooks(glacier_server: EmulatorHandle) -> None:
    with pytest.raises(NotImplementedError):
        glacier_server.add_hook(lambda op, vault, params: None)
    with pytest.raises(NotImplementedError):
        glacier_server.expire_upload("v", "u")
