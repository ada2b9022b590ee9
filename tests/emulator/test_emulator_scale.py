"""1,000 vaults x 1,000 uploads: paging and aborting still behave (timings: glacier_emulator.measure).

Server mode only: the store is the same code in both modes, and the server is what benchmarks drive.
"""

from __future__ import annotations

from typing import Any

import pytest

from glacier_emulator.handles import EmulatorHandle

from .helpers import OLD, list_all_uploads

VAULTS = 1000
UPLOADS_PER_VAULT = 1000


@pytest.mark.slow
def test_a_million_uploads(glacier_server: EmulatorHandle) -> None:
    glacier = glacier_server
    seeded: dict[str, list[str]] = {}
    for index in range(VAULTS):
        name = f"vault-{index:04d}"
        seeded[name] = glacier.seed(name, UPLOADS_PER_VAULT, creation_date=OLD)
    client: Any = glacier.client()

    first = client.list_vaults()
    assert [vault["VaultName"] for vault in first["VaultList"]] == [f"vault-{i:04d}" for i in range(10)]
    assert first["Marker"].endswith(":vaults/vault-0010")
    last = client.list_vaults(marker=first["Marker"].replace("vault-0010", "vault-0995"))
    assert [vault["VaultName"] for vault in last["VaultList"]] == [f"vault-{i:04d}" for i in range(995, 1000)]
    assert last.get("Marker") is None

    page = client.list_multipart_uploads(vaultName="vault-0500")
    assert len(page["UploadsList"]) == 50
    assert page["Marker"]
    victim = page["UploadsList"][7]["MultipartUploadId"]
    client.abort_multipart_upload(vaultName="vault-0500", uploadId=victim)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.abort_multipart_upload(vaultName="vault-0999", uploadId=victim)

    remaining = {item["MultipartUploadId"] for item in list_all_uploads(client, "vault-0500")}
    assert remaining == set(seeded["vault-0500"]) - {victim}
    assert len(client.list_multipart_uploads(vaultName="vault-0999")["UploadsList"]) == 50
    assert [record["upload_id"] for record in glacier.aborts()] == [victim]
    assert glacier.stats()["operations"]["ListMultipartUploads"] == {"total": 22, "ok": 22}
    glacier.reset()  # give the memory back now rather than at the next test
