"""The multipart-upload operations moto lacks, driven through boto3 in both modes."""

from __future__ import annotations

import io
import re
import time
import urllib.error
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.utils import calculate_tree_hash

from glacier_emulator.handles import EmulatorHandle

from .helpers import OLD, error_code, list_all_uploads

MIB = 1024 * 1024
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def vault(client: Any) -> str:
    client.create_vault(vaultName="photos")
    return "photos"


def test_initiate_returns_id_and_location(client: Any, vault: str) -> None:
    response = client.initiate_multipart_upload(vaultName=vault, partSize=str(MIB), archiveDescription="d")
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 201
    upload_id = response["uploadId"]
    assert response["location"] == f"/123456789012/vaults/{vault}/multipart-uploads/{upload_id}"


def test_listed_upload_has_glacier_fields(client: Any, vault: str) -> None:
    upload_id = client.initiate_multipart_upload(vaultName=vault, partSize=str(4 * MIB))["uploadId"]
    [item] = client.list_multipart_uploads(vaultName=vault)["UploadsList"]
    assert item["MultipartUploadId"] == upload_id
    assert item["PartSizeInBytes"] == 4 * MIB
    assert item["VaultARN"] == f"arn:aws:glacier:us-east-1:123456789012:vaults/{vault}"
    assert item.get("ArchiveDescription") is None
    assert ISO_MS.match(item["CreationDate"])


def test_creation_date_header_sets_creation_date(glacier: EmulatorHandle, client: Any, vault: str) -> None:
    upload_id = glacier.initiate(vault, creation_date="2020-01-02T03:04:05.678+00:00", description="old one")
    fresh_id = glacier.initiate(vault)
    uploads = {item["MultipartUploadId"]: item for item in list_all_uploads(client, vault)}
    assert uploads[upload_id]["CreationDate"] == OLD
    assert uploads[upload_id]["ArchiveDescription"] == "old one"
    assert uploads[fresh_id]["CreationDate"] > "2025-"


def test_upload_age_hours_dates_new_uploads_in_the_past(
    glacier: EmulatorHandle, client: Any, vault: str
) -> None:
    glacier.configure(upload_age_hours=400)
    try:
        before = datetime.now(UTC)
        backdated = client.initiate_multipart_upload(vaultName=vault, partSize=str(1048576))["uploadId"]
        header = glacier.initiate(vault, creation_date="2020-01-02T03:04:05.678+00:00")  # the header wins
    finally:
        glacier.configure(upload_age_hours=0)
    uploads = {item["MultipartUploadId"]: item["CreationDate"] for item in list_all_uploads(client, vault)}
    created = datetime.fromisoformat(uploads[backdated].replace("Z", "+00:00"))
    assert timedelta(hours=399.9) < before - created < timedelta(hours=400.1)
    assert uploads[header] == OLD
    with pytest.raises((ValueError, urllib.error.HTTPError)):
        glacier.configure(upload_age_hours=-1)


def test_invalid_creation_date_header_is_invalid_parameter(client: Any, vault: str) -> None:
    def add_header(request: Any, **_: Any) -> None:
        request.headers["x-emulator-creation-date"] = "yesterday"

    client.meta.events.register("before-sign.glacier.InitiateMultipartUpload", add_header)
    with pytest.raises(client.exceptions.InvalidParameterValueException):
        client.initiate_multipart_upload(vaultName=vault, partSize=str(MIB))


@pytest.mark.parametrize("part_size", ["0", "1000", str(3 * MIB), str(8 * 1024 * MIB), "abc"])
def test_initiate_rejects_part_sizes_that_are_not_1mib_times_power_of_two(
    client: Any, vault: str, part_size: str
) -> None:
    with pytest.raises(client.exceptions.InvalidParameterValueException):
        client.initiate_multipart_upload(vaultName=vault, partSize=part_size)


@pytest.mark.parametrize("part_size", [MIB, 2 * MIB, 64 * MIB, 4096 * MIB])
def test_initiate_accepts_valid_part_sizes(client: Any, vault: str, part_size: int) -> None:
    upload_id = client.initiate_multipart_upload(vaultName=vault, partSize=str(part_size))["uploadId"]
    [listed] = client.list_multipart_uploads(vaultName=vault)["UploadsList"]
    assert (listed["MultipartUploadId"], listed["PartSizeInBytes"]) == (upload_id, part_size)


def test_list_uploads_pages_every_upload_exactly_once(glacier: EmulatorHandle, client: Any) -> None:
    seeded = set(glacier.seed("big", 137, creation_date=OLD))
    pages = list(client.get_paginator("list_multipart_uploads").paginate(vaultName="big"))
    assert [len(page["UploadsList"]) for page in pages] == [50, 50, 37]
    listed = [item["MultipartUploadId"] for page in pages for item in page["UploadsList"]]
    assert len(listed) == len(set(listed)) == 137
    assert set(listed) == seeded
    assert pages[-1].get("Marker") is None


def test_list_uploads_with_small_limit(glacier: EmulatorHandle, client: Any) -> None:
    seeded = glacier.seed("small", 7, creation_date=OLD)
    pages = list(
        client.get_paginator("list_multipart_uploads").paginate(
            vaultName="small", PaginationConfig={"PageSize": 3}
        )
    )
    assert [len(page["UploadsList"]) for page in pages] == [3, 3, 1]
    assert sorted(item["MultipartUploadId"] for page in pages for item in page["UploadsList"]) == sorted(
        seeded
    )


@pytest.mark.parametrize("limit", ["0", "51", "-3", "many"])
def test_list_uploads_limit_outside_1_to_50_is_invalid(client: Any, vault: str, limit: str) -> None:
    with pytest.raises(client.exceptions.InvalidParameterValueException):
        client.list_multipart_uploads(vaultName=vault, limit=limit)


def test_list_uploads_rejects_garbage_marker(client: Any, vault: str) -> None:
    with pytest.raises(client.exceptions.InvalidParameterValueException):
        client.list_multipart_uploads(vaultName=vault, marker="not-a-marker!")


def test_create_and_abort_during_listing_neither_skips_nor_repeats(
    glacier: EmulatorHandle, client: Any
) -> None:
    seeded = glacier.seed("busy", 137, creation_date=OLD)
    first = client.list_multipart_uploads(vaultName="busy")
    seen = [item["MultipartUploadId"] for item in first["UploadsList"]]
    # Between pages: abort some already listed and some not yet listed, and start new uploads.
    unseen = [upload_id for upload_id in seeded if upload_id not in seen]
    aborted = {seen[0], seen[1], unseen[0], unseen[40], unseen[-1]}
    for upload_id in aborted:
        client.abort_multipart_upload(vaultName="busy", uploadId=upload_id)
    created = {glacier.initiate("busy") for _ in range(5)}
    marker = first["Marker"]
    while marker:
        page = client.list_multipart_uploads(vaultName="busy", marker=marker)
        seen.extend(item["MultipartUploadId"] for item in page["UploadsList"])
        marker = page.get("Marker")

    assert len(seen) == len(set(seen)), "an upload was listed twice"
    survivors = set(seeded) - aborted
    assert survivors <= set(seen), "an upload that existed throughout was skipped"
    assert not (aborted - {seen[0], seen[1]}) & set(seen), "an upload aborted before its page was listed"
    assert set(seen) <= set(seeded) | created


def test_parts_roundtrip_and_complete_creates_an_archive(
    glacier: EmulatorHandle, client: Any, vault: str
) -> None:
    data = b"a" * MIB + b"b" * MIB + b"c" * 1000
    upload_id = client.initiate_multipart_upload(vaultName=vault, partSize=str(MIB), archiveDescription="x")[
        "uploadId"
    ]
    for start in range(0, len(data), MIB):
        chunk = data[start : start + MIB]
        response = client.upload_multipart_part(
            vaultName=vault, uploadId=upload_id, range=f"bytes {start}-{start + len(chunk) - 1}/*", body=chunk
        )
        assert response["checksum"] == calculate_tree_hash(io.BytesIO(chunk))
    parts = client.list_parts(vaultName=vault, uploadId=upload_id)
    assert [part["RangeInBytes"] for part in parts["Parts"]] == [
        "0-1048575",
        "1048576-2097151",
        "2097152-2098151",
    ]
    assert parts["MultipartUploadId"] == upload_id
    assert parts["ArchiveDescription"] == "x"
    assert parts.get("Marker") is None

    tree_hash = calculate_tree_hash(io.BytesIO(data))
    done = client.complete_multipart_upload(
        vaultName=vault, uploadId=upload_id, archiveSize=str(len(data)), checksum=tree_hash
    )
    assert done["checksum"] == tree_hash
    assert done["location"] == f"/123456789012/vaults/{vault}/archives/{done['archiveId']}"
    assert client.list_multipart_uploads(vaultName=vault)["UploadsList"] == []
    assert client.describe_vault(vaultName=vault)["NumberOfArchives"] == 0  # until the next inventory
    glacier.after_next_inventory()
    description = client.describe_vault(vaultName=vault)
    assert (description["NumberOfArchives"], description["SizeInBytes"]) == (1, len(data))


def test_complete_with_wrong_tree_hash_or_size_is_invalid(client: Any, vault: str) -> None:
    upload_id = client.initiate_multipart_upload(vaultName=vault, partSize=str(MIB))["uploadId"]
    client.upload_multipart_part(vaultName=vault, uploadId=upload_id, range="bytes 0-9/*", body=b"0123456789")
    good_hash = calculate_tree_hash(io.BytesIO(b"0123456789"))
    for size, checksum in [("10", "00" * 32), ("11", good_hash)]:
        with pytest.raises(client.exceptions.InvalidParameterValueException):
            client.complete_multipart_upload(
                vaultName=vault, uploadId=upload_id, archiveSize=size, checksum=checksum
            )
    # Still in progress after the failed attempts.
    assert len(client.list_multipart_uploads(vaultName=vault)["UploadsList"]) == 1


def test_list_parts_pages_by_50(client: Any, vault: str) -> None:
    upload_id = client.initiate_multipart_upload(vaultName=vault, partSize=str(MIB))["uploadId"]
    # 1-byte parts at each part boundary: ranges are checked against the part size, the bytes are not kept.
    for index in range(53):
        client.upload_multipart_part(
            vaultName=vault, uploadId=upload_id, range=f"bytes {index * MIB}-{index * MIB}/*", body=b"z"
        )
    pages = list(client.get_paginator("list_parts").paginate(vaultName=vault, uploadId=upload_id))
    assert [len(page["Parts"]) for page in pages] == [50, 3]
    starts = [int(part["RangeInBytes"].split("-")[0]) for page in pages for part in page["Parts"]]
    assert starts == [index * MIB for index in range(53)]
    with pytest.raises(client.exceptions.InvalidParameterValueException):
        client.list_parts(vaultName=vault, uploadId=upload_id, limit="51")


@pytest.mark.parametrize(
    ("content_range", "body"),
    [
        ("bytes 0-9/*", b"short"),  # length differs from the range
        ("bytes 10-19/*", b"0123456789"),  # not at a part boundary
        (f"bytes 0-{2 * MIB - 1}/*", b"x" * 2 * MIB),  # larger than the part size
        ("0-9", b"0123456789"),  # malformed
        ("bytes 0-9/9", b"0123456789"),  # ends beyond its complete length
        ("bytes 0-9/x", b"0123456789"),  # complete length neither a number nor *
    ],
)
def test_upload_part_validates_range(client: Any, vault: str, content_range: str, body: bytes) -> None:
    upload_id = client.initiate_multipart_upload(vaultName=vault, partSize=str(MIB))["uploadId"]
    with pytest.raises(client.exceptions.InvalidParameterValueException):
        client.upload_multipart_part(vaultName=vault, uploadId=upload_id, range=content_range, body=body)


def test_upload_part_rejects_a_wrong_checksum(client: Any, vault: str) -> None:
    upload_id = client.initiate_multipart_upload(vaultName=vault, partSize=str(MIB))["uploadId"]
    with pytest.raises(client.exceptions.InvalidParameterValueException):
        client.upload_multipart_part(
            vaultName=vault, uploadId=upload_id, range="bytes 0-2/*", body=b"abc", checksum="ab" * 32
        )


def test_abort_returns_204_and_logs(glacier: EmulatorHandle, client: Any, vault: str) -> None:
    upload_id = glacier.initiate(vault, creation_date=OLD, description="bye")
    response = client.abort_multipart_upload(vaultName=vault, uploadId=upload_id)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert client.list_multipart_uploads(vaultName=vault)["UploadsList"] == []
    [record] = glacier.aborts()
    assert record["vault"] == vault
    assert record["upload_id"] == upload_id
    assert record["creation_date"] == OLD
    assert record["archive_description"] == "bye"
    assert ISO_MS.match(record["aborted_at"])
    assert record["age_seconds"] > 5 * 365 * 86400


def test_abort_unknown_upload_is_404(client: Any, vault: str) -> None:
    with pytest.raises(client.exceptions.ResourceNotFoundException) as caught:
        client.abort_multipart_upload(vaultName=vault, uploadId="no-such-upload")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


@pytest.mark.parametrize(
    "call",
    [
        lambda c, v, u: c.list_parts(vaultName=v, uploadId=u),
        lambda c, v, u: c.upload_multipart_part(vaultName=v, uploadId=u, range="bytes 0-0/*", body=b"x"),
        lambda c, v, u: c.complete_multipart_upload(vaultName=v, uploadId=u, archiveSize="1", checksum="00"),
    ],
    ids=["ListParts", "UploadMultipartPart", "CompleteMultipartUpload"],
)
def test_operations_on_an_aborted_upload_are_404(client: Any, vault: str, call: Any) -> None:
    upload_id = client.initiate_multipart_upload(vaultName=vault, partSize=str(MIB))["uploadId"]
    client.abort_multipart_upload(vaultName=vault, uploadId=upload_id)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        call(client, vault, upload_id)


def test_repeat_abort_succeeds_within_grace_then_404(
    glacier: EmulatorHandle, client: Any, vault: str
) -> None:
    glacier.configure(abort_grace_seconds=0.3)
    upload_id = glacier.initiate(vault)
    client.abort_multipart_upload(vaultName=vault, uploadId=upload_id)
    client.abort_multipart_upload(vaultName=vault, uploadId=upload_id)  # inside the grace window
    time.sleep(0.4)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.abort_multipart_upload(vaultName=vault, uploadId=upload_id)
    assert len(glacier.aborts()) == 1, "repeat aborts are not logged"
    assert glacier.stats()["operations"]["AbortMultipartUpload"] == {
        "total": 3,
        "ok": 2,
        "ResourceNotFoundException": 1,
    }


def test_abort_of_a_completed_upload_is_404(client: Any, vault: str) -> None:
    upload_id = client.initiate_multipart_upload(vaultName=vault, partSize=str(MIB))["uploadId"]
    client.upload_multipart_part(vaultName=vault, uploadId=upload_id, range="bytes 0-2/*", body=b"abc")
    client.complete_multipart_upload(
        vaultName=vault, uploadId=upload_id, archiveSize="3", checksum=calculate_tree_hash(io.BytesIO(b"abc"))
    )
    with pytest.raises(ClientError) as caught:
        client.abort_multipart_upload(vaultName=vault, uploadId=upload_id)
    assert error_code(caught.value) == "ResourceNotFoundException"


def test_uploads_are_scoped_to_their_vault(glacier: EmulatorHandle, client: Any) -> None:
    [upload_id] = glacier.seed("one", 1, creation_date=OLD)
    client.create_vault(vaultName="two")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.abort_multipart_upload(vaultName="two", uploadId=upload_id)
    assert client.list_multipart_uploads(vaultName="two")["UploadsList"] == []


def test_deleting_a_vault_drops_its_uploads(glacier: EmulatorHandle, client: Any) -> None:
    glacier.seed("gone", 3, creation_date=OLD)
    client.delete_vault(vaultName="gone")
    client.create_vault(vaultName="gone")
    assert client.list_multipart_uploads(vaultName="gone")["UploadsList"] == []


def test_pages_promise_no_order_but_the_same_listing_repeats(glacier: EmulatorHandle, client: Any) -> None:
    seeded = glacier.seed("shuffled", 50, creation_date=OLD)
    first = [
        item["MultipartUploadId"]
        for item in client.list_multipart_uploads(vaultName="shuffled")["UploadsList"]
    ]
    again = [
        item["MultipartUploadId"]
        for item in client.list_multipart_uploads(vaultName="shuffled")["UploadsList"]
    ]
    assert first == again
    assert sorted(first) == sorted(seeded)
    assert first != seeded, "pages come back shuffled, as Glacier guarantees no order"


@pytest.mark.parametrize("complete_length", ["*", str(3 * MIB + 5)])
def test_upload_part_accepts_both_rfc_2616_range_forms(client: Any, vault: str, complete_length: str) -> None:
    # The reference: Content-Range "follows RFC 2616", which allows "/*" and "/<complete length>".
    upload_id = client.initiate_multipart_upload(vaultName=vault, partSize=str(MIB))["uploadId"]
    body = b"r" * MIB
    answer = client.upload_multipart_part(
        vaultName=vault, uploadId=upload_id, range=f"bytes {MIB}-{2 * MIB - 1}/{complete_length}", body=body
    )
    assert answer["checksum"] == calculate_tree_hash(io.BytesIO(body))
    [part] = client.list_parts(vaultName=vault, uploadId=upload_id)["Parts"]
    assert part["RangeInBytes"] == f"{MIB}-{2 * MIB - 1}"


def test_upload_archive_answers_location_archive_id_and_tree_hash(client: Any, vault: str) -> None:
    body = bytes(range(256)) * (5 * MIB // 256 + 3)  # over 1 MiB: the tree hash is not a plain SHA-256
    answer = client.upload_archive(vaultName=vault, archiveDescription="one", body=body)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert answer["checksum"] == calculate_tree_hash(io.BytesIO(body))
    assert answer["location"] == f"/123456789012/vaults/{vault}/archives/{answer['archiveId']}"
    assert len(answer["archiveId"]) == 138
    with pytest.raises(client.exceptions.InvalidParameterValueException):
        client.upload_archive(vaultName=vault, body=body, checksum="0" * 64)


def test_a_new_vault_has_no_inventory_until_it_holds_an_archive(
    glacier: EmulatorHandle, client: Any, vault: str
) -> None:
    fresh = client.describe_vault(vaultName=vault)
    assert (fresh.get("LastInventoryDate"), fresh["NumberOfArchives"], fresh["SizeInBytes"]) == (None, 0, 0)
    assert ISO_MS.match(fresh["CreationDate"])
    [listed] = client.list_vaults()["VaultList"]
    assert listed == {key: value for key, value in fresh.items() if key != "ResponseMetadata"}
    archive = client.upload_archive(vaultName=vault, body=b"abc")
    glacier.after_next_inventory()
    after = client.describe_vault(vaultName=vault)
    assert (after["NumberOfArchives"], after["SizeInBytes"]) == (1, 3)
    assert ISO_MS.match(after["LastInventoryDate"])
    client.delete_archive(vaultName=vault, archiveId=archive["archiveId"])
    assert client.describe_vault(vaultName=vault)["NumberOfArchives"] == 1  # as of the last inventory
    glacier.after_next_inventory()
    assert client.describe_vault(vaultName=vault)["NumberOfArchives"] == 0
    with pytest.raises(ClientError) as gone:
        client.delete_archive(vaultName=vault, archiveId=archive["archiveId"])
    assert error_code(gone.value) == "ResourceNotFoundException"


def test_seeded_parts_are_listed_page_by_page_like_uploaded_ones(
    glacier: EmulatorHandle, client: Any
) -> None:
    glacier.create_vault("seeded")
    [upload_id] = glacier.seed("seeded", 1, creation_date=OLD, parts=120)
    pages = list(client.get_paginator("list_parts").paginate(vaultName="seeded", uploadId=upload_id))
    ranges = [part["RangeInBytes"] for page in pages for part in page["Parts"]]
    assert [len(page["Parts"]) for page in pages] == [50, 50, 20]
    assert ranges == [f"{i * 1048576}-{(i + 1) * 1048576 - 1}" for i in range(120)]
    zero_part = calculate_tree_hash(io.BytesIO(bytes(1048576)))
    assert {part["SHA256TreeHash"] for page in pages for part in page["Parts"]} == {zero_part}
    # A part uploaded afterwards joins the seeded ones: the upload now holds 121.
    client.upload_multipart_part(
        vaultName="seeded",
        uploadId=upload_id,
        range=f"bytes {120 * 1048576}-{121 * 1048576 - 1}/*",
        body=b"z" * 1048576,
    )
    listed = client.get_paginator("list_parts").paginate(vaultName="seeded", uploadId=upload_id)
    parts = [part for page in listed for part in page["Parts"]]
    assert len(parts) == 121
    assert parts[0]["SHA256TreeHash"] == zero_part  # the seeded ones keep their hash once parts are added
    assert parts[120]["SHA256TreeHash"] == calculate_tree_hash(io.BytesIO(b"z" * 1048576))


@pytest.mark.parametrize("parts", [-1, 10_001])
def test_seeding_more_parts_than_glacier_allows_is_refused(glacier: EmulatorHandle, parts: int) -> None:
    with pytest.raises(Exception, match=r"parts must be 0-10000|BAD REQUEST"):
        glacier.seed("v", 1, creation_date=OLD, parts=parts)
