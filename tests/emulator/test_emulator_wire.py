"""The emulator on the wire, as a client sees each answer before botocore parses it: status codes, headers,
bodies, and the exact error texts of archives, parts, completion, vaults and accounts (Glacier's own, per
the API reference). Also what moto's own operations read of the archives the emulator adds (an inventory).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.utils import calculate_tree_hash

from glacier_emulator import CONTROL
from glacier_emulator.handles import EmulatorHandle, InProcessHandle
from glacier_emulator.store import combine_tree_hashes, decode_marker, encode_marker, new_upload_id

MIB = 1048576


class Wire:
    """Every raw answer botocore receives: (operation, status, headers, body)."""

    def __init__(self, client: Any) -> None:
        self.answers: list[tuple[str, int, dict[str, str], bytes]] = []
        client.meta.events.register("before-parse.glacier.*", self._record)

    def _record(self, operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
        headers = {str(k).lower(): str(v) for k, v in response_dict["headers"].items()}
        self.answers.append(
            (operation_model.name, response_dict["status_code"], headers, response_dict["body"])
        )

    def last(self) -> tuple[int, dict[str, str], bytes]:
        _, status, headers, body = self.answers[-1]
        return status, headers, body


@pytest.fixture
def wired(glacier: EmulatorHandle) -> tuple[Any, Wire]:
    client = glacier.client(retries={"total_max_attempts": 1})
    return client, Wire(client)


def message_of(call: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call()
    error = raised.value.response["Error"]
    return error["Code"], error["Message"]


def with_headers(client: Any, operation: str, call: Any, **headers: str | None) -> Any:
    """`call()` with request headers replaced just before signing (None: removed): what a client nobody here
    wrote might send."""

    def adjust(request: Any, **_: Any) -> None:
        for name, value in headers.items():
            if name in request.headers:
                del request.headers[name]
            if value is not None:
                request.headers[name] = value

    event = f"before-sign.glacier.{operation}"
    client.meta.events.register_first(event, adjust)
    try:
        return call()
    finally:
        client.meta.events.unregister(event, adjust)


def test_create_vault_answers_201_with_its_location_and_no_body(wired: tuple[Any, Wire]) -> None:
    client, wire = wired
    client.create_vault(vaultName="v1")
    status, headers, body = wire.last()
    assert (status, headers["location"], body) == (201, "/123456789012/vaults/v1", b"")
    assert message_of(lambda: client.create_vault(vaultName="bad name!")) == (
        "InvalidParameterValueException",
        "Invalid vault name: bad name!",
    )


def test_create_vault_again_keeps_the_vaults_archives(
    glacier: EmulatorHandle, wired: tuple[Any, Wire]
) -> None:
    client, _ = wired
    client.create_vault(vaultName="v")
    client.upload_archive(vaultName="v", body=b"abc")
    client.create_vault(vaultName="v")
    glacier.after_next_inventory()
    assert client.describe_vault(vaultName="v")["NumberOfArchives"] == 1


def test_upload_archive_answers_201_with_location_id_and_tree_hash(wired: tuple[Any, Wire]) -> None:
    client, wire = wired
    client.create_vault(vaultName="v")
    data = b"x" * (MIB + 5)
    answer = client.upload_archive(vaultName="v", body=data, archiveDescription="photos 2026")
    status, headers, body = wire.last()
    tree_hash = calculate_tree_hash(io.BytesIO(data))
    assert (status, body) == (201, b"")
    assert headers["location"] == f"/123456789012/vaults/v/archives/{answer['archiveId']}"
    assert (headers["x-amz-archive-id"], headers["x-amz-sha256-tree-hash"]) == (
        answer["archiveId"],
        tree_hash,
    )
    assert len(answer["archiveId"]) == 138


def test_upload_archive_refuses_a_wrong_size_or_checksum_naming_both(wired: tuple[Any, Wire]) -> None:
    client, _ = wired
    client.create_vault(vaultName="v")
    computed = calculate_tree_hash(io.BytesIO(b"abc"))

    def upload(**headers: str) -> Any:
        return with_headers(
            client, "UploadArchive", lambda: client.upload_archive(vaultName="v", body=b"abc"), **headers
        )

    assert message_of(lambda: upload(**{"x-amz-archive-size": "4"})) == (
        "InvalidParameterValueException",
        "Invalid archive size: 4 does not match the body (3)",
    )
    assert message_of(lambda: upload(**{"x-amz-sha256-tree-hash": "00" * 32})) == (
        "InvalidParameterValueException",
        f"Checksum mismatch: expected {'00' * 32}, computed {computed}",
    )
    assert upload(**{"x-amz-archive-size": "3"})["checksum"] == computed


def test_delete_archive_answers_204_and_an_unknown_id_is_named(
    glacier: EmulatorHandle, wired: tuple[Any, Wire]
) -> None:
    client, wire = wired
    client.create_vault(vaultName="v")
    archive_id = client.upload_archive(vaultName="v", body=b"abc")["archiveId"]
    client.delete_archive(vaultName="v", archiveId=archive_id)
    assert wire.last() == (204, wire.last()[1], b"")
    assert message_of(lambda: client.delete_archive(vaultName="v", archiveId=archive_id)) == (
        "ResourceNotFoundException",
        f"Archive not found: {archive_id}",
    )
    glacier.after_next_inventory()
    assert client.describe_vault(vaultName="v")["NumberOfArchives"] == 0


def test_initiate_answers_201_with_location_and_id_and_a_bad_date_is_named(wired: tuple[Any, Wire]) -> None:
    client, wire = wired
    client.create_vault(vaultName="v")
    answer = client.initiate_multipart_upload(vaultName="v", partSize=str(MIB), archiveDescription="db dump")
    status, headers, body = wire.last()
    assert (status, body) == (201, b"")
    assert headers["location"] == f"/123456789012/vaults/v/multipart-uploads/{answer['uploadId']}"
    assert headers["x-amz-multipart-upload-id"] == answer["uploadId"]
    assert client.list_multipart_uploads(vaultName="v")["UploadsList"][0]["ArchiveDescription"] == "db dump"


def test_parts_answer_204_with_their_tree_hash_and_list_with_it(wired: tuple[Any, Wire]) -> None:
    client, wire = wired
    client.create_vault(vaultName="v")
    upload_id = client.initiate_multipart_upload(vaultName="v", partSize=str(MIB))["uploadId"]
    part = b"p" * MIB
    client.upload_multipart_part(vaultName="v", uploadId=upload_id, range=f"bytes 0-{MIB - 1}/*", body=part)
    status, headers, body = wire.last()
    digest = calculate_tree_hash(io.BytesIO(part))
    assert (status, headers["x-amz-sha256-tree-hash"], body) == (204, digest, b"")
    [listed] = client.list_parts(vaultName="v", uploadId=upload_id)["Parts"]
    assert listed == {"RangeInBytes": f"0-{MIB - 1}", "SHA256TreeHash": digest}


@pytest.mark.parametrize(
    ("content_range", "body", "message"),
    [
        (None, b"x", "Content-Range is required"),
        ("bytes=0-1", b"xx", "Invalid Content-Range: bytes=0-1"),
        ("bytes 0-1/1", b"xx", "Invalid Content-Range: bytes 0-1/1 ends beyond its complete length"),
        ("bytes 1-2/*", b"xx", "Content-Range bytes 1-2/* does not match the part size 1048576"),
        ("bytes 0-3/*", b"xx", "Content-Range bytes 0-3/* does not match the content length 2"),
    ],
)
def test_a_bad_part_is_refused_naming_what_is_wrong(
    wired: tuple[Any, Wire], content_range: str | None, body: bytes, message: str
) -> None:
    client, _ = wired
    client.create_vault(vaultName="v")
    upload_id = client.initiate_multipart_upload(vaultName="v", partSize=str(MIB))["uploadId"]

    def send() -> Any:
        return with_headers(
            client,
            "UploadMultipartPart",
            lambda: client.upload_multipart_part(
                vaultName="v", uploadId=upload_id, range="bytes 0-1/*", body=body
            ),
            **{"Content-Range": content_range},
        )

    assert message_of(send) == ("InvalidParameterValueException", message)


def test_a_part_whose_checksum_is_wrong_is_refused_naming_both(wired: tuple[Any, Wire]) -> None:
    client, _ = wired
    client.create_vault(vaultName="v")
    upload_id = client.initiate_multipart_upload(vaultName="v", partSize=str(MIB))["uploadId"]
    computed = calculate_tree_hash(io.BytesIO(b"ab"))
    assert message_of(
        lambda: client.upload_multipart_part(
            vaultName="v", uploadId=upload_id, range="bytes 0-1/*", body=b"ab", checksum="11" * 32
        )
    ) == ("InvalidParameterValueException", f"Checksum mismatch: expected {'11' * 32}, computed {computed}")


def test_complete_answers_201_and_the_archive_carries_size_hash_and_description(
    glacier: EmulatorHandle, wired: tuple[Any, Wire]
) -> None:
    client, wire = wired
    client.create_vault(vaultName="v")
    upload_id = client.initiate_multipart_upload(vaultName="v", partSize=str(MIB), archiveDescription="full")[
        "uploadId"
    ]
    parts = [b"a" * MIB, b"b" * 10]
    for index, part in enumerate(parts):
        start = index * MIB
        client.upload_multipart_part(
            vaultName="v", uploadId=upload_id, range=f"bytes {start}-{start + len(part) - 1}/*", body=part
        )
    tree_hash = calculate_tree_hash(io.BytesIO(b"".join(parts)))
    answer = client.complete_multipart_upload(
        vaultName="v", uploadId=upload_id, archiveSize=str(MIB + 10), checksum=tree_hash
    )
    status, headers, body = wire.last()
    assert (status, body) == (201, b"")
    assert headers["location"] == f"/123456789012/vaults/v/archives/{answer['archiveId']}"
    assert (headers["x-amz-archive-id"], headers["x-amz-sha256-tree-hash"]) == (
        answer["archiveId"],
        tree_hash,
    )
    assert client.list_multipart_uploads(vaultName="v")["UploadsList"] == []
    [archive] = inventory(glacier, "v")
    assert archive == {
        "ArchiveId": answer["archiveId"],
        "ArchiveDescription": "full",
        "CreationDate": archive["CreationDate"],
        "Size": MIB + 10,
        "SHA256TreeHash": tree_hash,
    }
    assert archive["CreationDate"].endswith("Z")


def inventory(glacier: EmulatorHandle, vault: str) -> list[dict[str, Any]]:
    """The vault's archives as moto's own Vault reads the emulator's records (its inventory jobs' output);
    the server's state is in another process: only the in-process emulator is read this way."""
    if not isinstance(glacier, InProcessHandle):
        pytest.skip("moto's Vault objects live in the server process")
    found = CONTROL.vault(CONTROL.backend("123456789012", "us-east-1"), vault)
    assert found.get_archive_body(next(iter(found.archives))) == b""  # bytes are not kept (README)
    archives: list[dict[str, Any]] = found.get_archive_list()
    return archives


def test_complete_refuses_missing_or_malformed_headers_and_incomplete_parts(wired: tuple[Any, Wire]) -> None:
    client, _ = wired
    client.create_vault(vaultName="v")
    upload_id = client.initiate_multipart_upload(vaultName="v", partSize=str(MIB))["uploadId"]

    def complete(**headers: str | None) -> Any:
        return with_headers(
            client,
            "CompleteMultipartUpload",
            lambda: client.complete_multipart_upload(
                vaultName="v", uploadId=upload_id, archiveSize="1", checksum="00"
            ),
            **headers,
        )

    missing = (
        "MissingParameterValueException",
        "Required headers x-amz-archive-size and x-amz-sha256-tree-hash",
    )
    assert message_of(lambda: complete(**{"x-amz-archive-size": None})) == missing
    assert message_of(lambda: complete(**{"x-amz-sha256-tree-hash": None})) == missing
    assert message_of(lambda: complete(**{"x-amz-archive-size": "1k"})) == (
        "InvalidParameterValueException",
        "Invalid archive size: 1k",
    )
    assert message_of(complete) == ("InvalidParameterValueException", "The upload has no parts")
    client.upload_multipart_part(vaultName="v", uploadId=upload_id, range="bytes 0-1/*", body=b"ab")
    assert message_of(lambda: complete(**{"x-amz-archive-size": "3"})) == (
        "InvalidParameterValueException",
        "The archive size 3 does not match the uploaded parts (2 bytes)",
    )


def test_abort_answers_204_and_an_unknown_upload_is_named(wired: tuple[Any, Wire]) -> None:
    client, wire = wired
    client.create_vault(vaultName="v")
    upload_id = client.initiate_multipart_upload(vaultName="v", partSize=str(MIB))["uploadId"]
    client.abort_multipart_upload(vaultName="v", uploadId=upload_id)
    assert (wire.last()[0], wire.last()[2]) == (204, b"")
    code, message = message_of(lambda: client.list_parts(vaultName="v", uploadId="unknown-id"))
    assert code == "ResourceNotFoundException"
    assert "unknown-id" in message


def test_lists_answer_200_json(wired: tuple[Any, Wire]) -> None:
    client, wire = wired
    client.create_vault(vaultName="v")
    client.list_vaults()
    status, headers, body = wire.last()
    assert (status, headers["content-type"]) == (200, "application/json")
    assert json.loads(body)["VaultList"][0]["VaultName"] == "v"


def test_limits_and_markers_that_are_not_valid_are_named(wired: tuple[Any, Wire]) -> None:
    client, _ = wired
    client.create_vault(vaultName="v")
    assert message_of(lambda: client.list_vaults(limit="x")) == (
        "InvalidParameterValueException",
        "Invalid limit: x",
    )
    assert message_of(lambda: client.list_vaults(limit="11")) == (
        "InvalidParameterValueException",
        "limit must be between 1 and 10, got 11",
    )
    assert message_of(lambda: client.list_vaults(marker="nonsense")) == (
        "InvalidParameterValueException",
        "Invalid marker: nonsense",
    )
    assert message_of(lambda: client.list_multipart_uploads(vaultName="v", marker="bm90")) == (
        "InvalidParameterValueException",
        "Invalid marker: bm90",
    )


def test_a_vault_marker_continues_at_that_vault_even_in_a_name_with_the_separator(
    wired: tuple[Any, Wire],
) -> None:
    client, _ = wired
    for name in ("a", "b", "c"):
        client.create_vault(vaultName=name)
    marker = "arn:aws:glacier:us-east-1:123456789012:vaults/x:vaults/b"  # rpartition: the name after the last
    assert [v["VaultName"] for v in client.list_vaults(marker=marker)["VaultList"]] == ["b", "c"]
    page = client.list_vaults(limit="3")
    assert page.get("Marker") is None  # exactly one full page: nothing follows


def test_another_accounts_vaults_are_denied_and_a_malformed_account_is_named(wired: tuple[Any, Wire]) -> None:
    client, _ = wired
    assert message_of(lambda: client.list_vaults(accountId="999999999999")) == (
        "AccessDeniedException",
        "Access denied to account 999999999999",
    )
    assert message_of(lambda: client.list_vaults(accountId="12-34")) == (
        "InvalidParameterValueException",
        "Invalid account id: 12-34. Use '-' or the 12-digit id of the signing account.",
    )
    client.list_vaults(accountId="123456789012")  # its own id, like "-"


def test_hooks_see_the_operation_vault_region_and_account(glacier_in_process: InProcessHandle) -> None:
    glacier = glacier_in_process
    seen: list[tuple[str, str | None, str, str]] = []
    glacier.add_hook(
        lambda operation, vault, params: seen.append((operation, vault, params["region"], params["account"]))
    )
    glacier.client().create_vault(vaultName="v")
    assert seen == [("CreateVault", "v", "us-east-1", "123456789012")]


def test_a_bug_in_a_request_is_a_logged_500_internal_failure_and_the_next_one_is_answered(
    glacier_in_process: InProcessHandle, caplog: pytest.LogCaptureFixture
) -> None:
    glacier = glacier_in_process

    def broken(operation: str, vault: str | None, params: dict[str, Any]) -> None:
        raise RuntimeError("boom")

    glacier.add_hook(broken)
    client = glacier.client(retries={"total_max_attempts": 1})
    with caplog.at_level(logging.ERROR, logger="glacier_emulator"), pytest.raises(ClientError) as raised:
        client.list_vaults()
    glacier.clear_hooks()
    error = raised.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert (error["Error"]["Code"], error["Error"]["Message"]) == ("InternalFailure", "RuntimeError('boom')")
    assert glacier.stats()["operations"]["ListVaults"] == {"total": 1, "ok": 0, "InternalFailure": 1}
    assert caplog.records[-1].getMessage() == "glacier emulator: ListVaults failed"
    assert caplog.records[-1].exc_info is not None
    assert client.list_vaults()["VaultList"] == []  # and the next request is served


def test_markers_and_ids_are_glaciers_shapes() -> None:
    marker = encode_marker("uploads", 7)
    assert "=" not in marker
    assert decode_marker("uploads", marker) == 7
    assert decode_marker("parts", encode_marker("parts", 10_485_760)) == 10_485_760
    with pytest.raises(Exception, match="Invalid marker: "):
        decode_marker("parts", marker)  # another listing's marker
    assert len(new_upload_id()) == 92
    assert combine_tree_hashes([]) == hashlib.sha256(b"").digest()


def test_the_emulator_records_every_outcome_with_its_error_code() -> None:
    CONTROL.record("ListVaults", "ThrottlingException", "111111111111", "eu-west-1")
    stats = CONTROL.stats("111111111111", "eu-west-1")
    assert stats["operations"]["ListVaults"] == {"total": 1, "ok": 0, "ThrottlingException": 1}


def test_an_archive_without_a_description_has_an_empty_one(
    glacier: EmulatorHandle, wired: tuple[Any, Wire]
) -> None:
    client, _ = wired
    client.create_vault(vaultName="v")
    described = client.upload_archive(vaultName="v", body=b"abc", archiveDescription="holiday")["archiveId"]
    bare = client.upload_archive(vaultName="v", body=b"def")["archiveId"]
    by_id = {archive["ArchiveId"]: archive for archive in inventory(glacier, "v")}
    assert {archive_id: a["ArchiveDescription"] for archive_id, a in by_id.items()} == {
        described: "holiday",
        bare: "",
    }
    assert by_id[bare]["SHA256TreeHash"] == calculate_tree_hash(io.BytesIO(b"def"))


def test_a_part_of_no_bytes_is_refused(wired: tuple[Any, Wire]) -> None:
    client, _ = wired
    client.create_vault(vaultName="v")
    upload_id = client.initiate_multipart_upload(vaultName="v", partSize=str(MIB))["uploadId"]

    def empty_range(request: Any, **_: Any) -> None:
        del request.headers["Content-Range"]
        request.headers["Content-Range"] = f"bytes {MIB}-{MIB - 1}/*"  # aligned, but ends before it starts

    client.meta.events.register_first("before-sign.glacier.UploadMultipartPart", empty_range)
    assert message_of(
        lambda: client.upload_multipart_part(vaultName="v", uploadId=upload_id, range="bytes 0-0/*", body=b"")
    ) == (
        "InvalidParameterValueException",
        f"Content-Range bytes {MIB}-{MIB - 1}/* does not match the part size {MIB}",
    )


def test_markers_carry_no_base64_padding() -> None:
    for position in range(3000):  # encodings of 9 to 12 bytes: every padding length, every last character
        assert "=" not in encode_marker("uploads", position)
        assert decode_marker("uploads", encode_marker("uploads", position)) == position


def test_a_vaults_creation_date_is_utc_in_any_machine_zone(
    glacier_in_process: InProcessHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Asia/Kolkata")  # UTC+05:30
    time.tzset()
    try:
        before = datetime.now(UTC)
        glacier_in_process.client().create_vault(vaultName="v")
        created = glacier_in_process.client().describe_vault(vaultName="v")["CreationDate"]
    finally:
        monkeypatch.undo()
        time.tzset()
    moment = datetime.fromisoformat(created.replace("Z", "+00:00"))
    assert abs(moment - before) < timedelta(minutes=5)


def test_initiate_names_a_missing_part_size_and_a_bad_creation_date(wired: tuple[Any, Wire]) -> None:
    client, _ = wired
    client.create_vault(vaultName="v")

    def initiate(**headers: str | None) -> Any:
        return with_headers(
            client,
            "InitiateMultipartUpload",
            lambda: client.initiate_multipart_upload(vaultName="v", partSize=str(MIB)),
            **headers,
        )

    assert message_of(lambda: initiate(**{"x-amz-part-size": None})) == (
        "MissingParameterValueException",
        "Required header x-amz-part-size is missing",
    )
    assert message_of(lambda: initiate(**{"x-emulator-creation-date": "yesterday"})) == (
        "InvalidParameterValueException",
        "Invalid x-emulator-creation-date: yesterday",
    )


def test_aborting_an_unknown_upload_names_it(wired: tuple[Any, Wire]) -> None:
    client, _ = wired
    client.create_vault(vaultName="v")
    code, message = message_of(
        lambda: client.abort_multipart_upload(vaultName="v", uploadId="no-such-upload")
    )
    assert code == "ResourceNotFoundException"
    assert "no-such-upload" in message
