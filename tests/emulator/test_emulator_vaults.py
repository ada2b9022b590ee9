"""ListVaults paging and vault errors, as Glacier answers them (moto differs; the emulator fixes it)."""

from __future__ import annotations

import string
from typing import Any

import pytest
from botocore.exceptions import ClientError

from glacier_emulator.handles import EmulatorHandle

from .helpers import error_code


def test_list_vaults_pages_by_ten_in_ascii_order_with_arn_markers(
    glacier: EmulatorHandle, client: Any
) -> None:
    names = [f"{letter}vault" for letter in (string.ascii_uppercase[:12] + string.ascii_lowercase[:11])]
    for name in reversed(names):
        client.create_vault(vaultName=name)

    pages = []
    marker = None
    while True:
        kwargs = {"marker": marker} if marker else {}
        page = client.list_vaults(**kwargs)
        pages.append(page)
        marker = page.get("Marker")
        if not marker:
            break
        # The marker is the ARN of the vault the next page starts with.
        assert marker == f"arn:aws:glacier:us-east-1:123456789012:vaults/{page_start(client, marker)}"

    listed = [vault["VaultName"] for page in pages for vault in page["VaultList"]]
    assert listed == sorted(names)  # ASCII: upper case before lower case
    assert [len(page["VaultList"]) for page in pages] == [10, 10, 3]
    assert pages[-1].get("Marker") is None


def page_start(client: Any, marker: str) -> str:
    first: str = client.list_vaults(marker=marker, limit="1")["VaultList"][0]["VaultName"]
    return first


def test_list_vaults_paginator_sees_every_vault_once(client: Any) -> None:
    names = [f"v-{index:03d}" for index in range(23)]
    for name in names:
        client.create_vault(vaultName=name)
    pages = list(client.get_paginator("list_vaults").paginate(PaginationConfig={"PageSize": 4}))
    listed = [vault["VaultName"] for page in pages for vault in page["VaultList"]]
    assert listed == names
    assert len(pages) == 6


def test_list_vaults_empty_account(client: Any) -> None:
    page = client.list_vaults()
    assert page["VaultList"] == []
    assert page.get("Marker") is None


@pytest.mark.parametrize("limit", ["0", "11", "-1", "ten"])
def test_list_vaults_limit_outside_1_to_10_is_invalid(client: Any, limit: str) -> None:
    with pytest.raises(client.exceptions.InvalidParameterValueException):
        client.list_vaults(limit=limit)


def test_list_vaults_continues_when_the_marker_vault_was_deleted(client: Any) -> None:
    for index in range(12):
        client.create_vault(vaultName=f"v{index:02d}")
    first = client.list_vaults()
    assert first["Marker"].endswith(":vaults/v10")
    client.delete_vault(vaultName="v10")
    second = client.list_vaults(marker=first["Marker"])
    assert [vault["VaultName"] for vault in second["VaultList"]] == ["v11"]


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.describe_vault(vaultName="missing"),
        lambda c: c.delete_vault(vaultName="missing"),
        lambda c: c.list_multipart_uploads(vaultName="missing"),
        lambda c: c.abort_multipart_upload(vaultName="missing", uploadId="x"),
        lambda c: c.initiate_multipart_upload(vaultName="missing", partSize="1048576"),
        lambda c: c.list_parts(vaultName="missing", uploadId="x"),
        lambda c: c.upload_multipart_part(vaultName="missing", uploadId="x", range="bytes 0-0/*", body=b"x"),
        lambda c: c.complete_multipart_upload(
            vaultName="missing", uploadId="x", archiveSize="1", checksum="00"
        ),
        lambda c: c.upload_archive(vaultName="missing", body=b"x"),
        lambda c: c.list_jobs(vaultName="missing"),
    ],
    ids=[
        "DescribeVault",
        "DeleteVault",
        "ListMultipartUploads",
        "AbortMultipartUpload",
        "InitiateMultipartUpload",
        "ListParts",
        "UploadMultipartPart",
        "CompleteMultipartUpload",
        "UploadArchive",
        "ListJobs",
    ],
)
def test_missing_vault_is_resource_not_found_404(client: Any, call: Any) -> None:
    with pytest.raises(client.exceptions.ResourceNotFoundException) as caught:
        call(client)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert "vaults/missing" in caught.value.response["Error"]["Message"]


def test_create_vault_is_idempotent_and_keeps_uploads(glacier: EmulatorHandle, client: Any) -> None:
    client.create_vault(vaultName="keep")
    upload_id = glacier.initiate("keep")
    client.create_vault(vaultName="keep")
    uploads = client.list_multipart_uploads(vaultName="keep")["UploadsList"]
    assert [upload["MultipartUploadId"] for upload in uploads] == [upload_id]


@pytest.mark.parametrize("name", ["sp ace", "x" * 256, "ümlaut", "star*"])
def test_create_vault_rejects_invalid_names(client: Any, name: str) -> None:
    with pytest.raises(ClientError) as caught:
        client.create_vault(vaultName=name)
    assert error_code(caught.value) == "InvalidParameterValueException"


def test_account_id_dash_and_own_twelve_digits_are_the_same_account(client: Any) -> None:
    client.create_vault(accountId="-", vaultName="mine")
    listed = client.list_vaults(accountId="123456789012")["VaultList"]
    assert [vault["VaultName"] for vault in listed] == ["mine"]


def test_account_id_of_another_account_is_access_denied(client: Any) -> None:
    with pytest.raises(ClientError) as caught:
        client.list_vaults(accountId="111122223333")
    assert error_code(caught.value) == "AccessDeniedException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


@pytest.mark.parametrize("account_id", ["12345", "abcdefghijkl", "1234567890123"])
def test_malformed_account_id_is_invalid(client: Any, account_id: str) -> None:
    with pytest.raises(client.exceptions.InvalidParameterValueException):
        client.list_vaults(accountId=account_id)


def test_moto_own_operations_still_work_through_the_extension(glacier: EmulatorHandle, client: Any) -> None:
    client.create_vault(vaultName="archive")
    archive_id = client.upload_archive(vaultName="archive", body=b"hello", archiveDescription="greeting")[
        "archiveId"
    ]
    glacier.after_next_inventory()
    assert client.describe_vault(vaultName="archive")["NumberOfArchives"] == 1
    job_id = client.initiate_job(vaultName="archive", jobParameters={"Type": "inventory-retrieval"})["jobId"]
    assert [job["JobId"] for job in client.list_jobs(vaultName="archive")["JobList"]] == [job_id]
    client.delete_archive(vaultName="archive", archiveId=archive_id)
    assert glacier.stats()["operations"]["UploadArchive"] == {"total": 1, "ok": 1}
    assert glacier.stats()["operations"]["InitiateJob"] == {"total": 1, "ok": 1}
