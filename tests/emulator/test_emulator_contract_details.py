"""Details of Glacier's answers the emulator must get right (found by mutation testing): the archive
description's limits, the error messages, every ListParts field, and a page that ends exactly at the limit."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.utils import calculate_tree_hash

MIB = 1024 * 1024


@pytest.fixture
def vault(client: Any) -> str:
    client.create_vault(vaultName="details")
    return "details"


def rejected(call: Any, **kwargs: Any) -> dict[str, str]:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    error: dict[str, str] = raised.value.response["Error"]
    return error


@pytest.mark.parametrize("description", ["x" * 1024, "~ printable ASCII: space to tilde ~", ""])
def test_descriptions_of_up_to_1024_printable_ascii_characters_are_kept(
    client: Any, vault: str, description: str
) -> None:
    upload_id = client.initiate_multipart_upload(
        vaultName=vault, partSize=str(MIB), archiveDescription=description
    )["uploadId"]

    listed = client.list_parts(vaultName=vault, uploadId=upload_id)
    assert listed.get("ArchiveDescription", "") == description


@pytest.mark.parametrize("description", ["x" * 1025, "tab\there", "delete\x7f"])
def test_longer_or_unprintable_descriptions_are_refused_naming_the_rule(
    client: Any, vault: str, description: str
) -> None:
    error = rejected(
        client.initiate_multipart_upload, vaultName=vault, partSize=str(MIB), archiveDescription=description
    )
    assert (error["Code"], error["Message"]) == (
        "InvalidParameterValueException",
        "The archive description must be at most 1024 printable ASCII characters",
    )


@pytest.mark.parametrize(
    ("part_size", "message"),
    [
        (
            "3000000",  # Glacier's own wording for a size that is not a power of two
            "Invalid part size: 3000000. Part size must not be null, must be a power of two and be between "
            "1048576 and 4294967296 bytes.",
        ),
        ("many", "Invalid part size: many"),
    ],
)
def test_a_bad_part_size_is_refused_naming_it(client: Any, vault: str, part_size: str, message: str) -> None:
    error = rejected(client.initiate_multipart_upload, vaultName=vault, partSize=part_size)
    assert (error["Code"], error["Message"]) == ("InvalidParameterValueException", message)


def test_an_invalid_vault_name_is_refused_naming_it(client: Any) -> None:
    error = rejected(client.create_vault, vaultName="no spaces allowed")
    assert (error["Code"], error["Message"]) == (
        "InvalidParameterValueException",
        "Invalid vault name: no spaces allowed",
    )


def test_list_parts_answers_every_field_and_a_page_ending_at_the_limit_has_no_marker(
    client: Any, vault: str
) -> None:
    upload_id = client.initiate_multipart_upload(vaultName=vault, partSize=str(MIB), archiveDescription="d")[
        "uploadId"
    ]
    body = b"a" * MIB
    for first in (0, MIB):
        client.upload_multipart_part(
            vaultName=vault,
            uploadId=upload_id,
            range=f"bytes {first}-{first + MIB - 1}/*",
            body=body,
            checksum=calculate_tree_hash(io.BytesIO(body)),
        )

    listed = client.list_parts(vaultName=vault, uploadId=upload_id, limit="2")

    assert listed.get("Marker") is None
    assert (listed["MultipartUploadId"], listed["PartSizeInBytes"], listed["ArchiveDescription"]) == (
        upload_id,
        MIB,
        "d",
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", listed["CreationDate"])
    assert listed["VaultARN"].endswith(f":vaults/{vault}")
    assert [part["RangeInBytes"] for part in listed["Parts"]] == [f"0-{MIB - 1}", f"{MIB}-{2 * MIB - 1}"]
