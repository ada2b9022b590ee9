"""Glacier clients nobody here wrote, run unmodified against the emulator server.

- glacier-upload (PyPI, built on boto3): its command line, as a user runs it, in a subprocess.
- capo-glacier (PyPI, generated from the Smithy model, with its own serializer, SigV4 signer, HTTP client
  (zapros) and error parser; no botocore): its documented API.

What they found (fixed in the emulator, each pinned by a test here): UploadMultipartPart refused
``Content-Range: bytes a-b/<complete length>`` (RFC 2616, which the API reference names, allows it; only
``/*`` was accepted); UploadArchive sent no ``Location`` header and a plain SHA-256 instead of the tree
hash; a new vault reported an inventory date and counts although none exists.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.utils import calculate_tree_hash
from capo_glacier import Credentials
from capo_glacier._services.glacier import GlacierClient as CapoGlacier
from capo_glacier.errors.invalid_parameter_value_exception import InvalidParameterValueException
from capo_glacier.errors.no_longer_supported_exception import NoLongerSupportedException
from capo_glacier.errors.resource_not_found_exception import ResourceNotFoundException
from glacier_cleanup.aws.glacier import GlacierAdapter
from glacier_cleanup.core.engine import run_cleanup
from glacier_cleanup.core.models import CleanupPlan
from support.handler_env import MemoryStore

from glacier_emulator.handles import ServerHandle

MIB = 1024 * 1024
# glacier-upload's console script ("glacier"), run by this interpreter.
GLACIER_UPLOAD = [sys.executable, "-c", "from glacier_upload.cli import glacier_cli; glacier_cli()"]
pytestmark = pytest.mark.server


@pytest.fixture
def cli_environment(glacier_server: ServerHandle) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    environment.update(
        AWS_ENDPOINT_URL_GLACIER=str(glacier_server.endpoint_url),
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
    )
    return environment


@pytest.fixture
def capo(glacier_server: ServerHandle) -> CapoGlacier:
    return CapoGlacier(
        region="us-east-1",
        endpoint=glacier_server.endpoint_url,
        credentials=Credentials(access_key="testing", secret_key="testing"),
        retry_max_attempts=1,
    )


def glacier_upload(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The glacier-upload command line (its console script ``glacier``), as installed."""
    command = [*GLACIER_UPLOAD, *args]
    return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=600, check=False)


def write_file(path: Path, size: int) -> bytes:
    data = os.urandom(size)
    path.write_bytes(data)
    return data


# ----- glacier-upload ---------------------------------------------------------------------------------
def test_glacier_upload_single_request(
    glacier_server: ServerHandle, cli_environment: dict[str, str], tmp_path: Path
) -> None:
    glacier_server.create_vault("photos")
    data = write_file(tmp_path / "small.bin", 3 * MIB + 17)
    result = glacier_upload(cli_environment, "upload", "-d", "holiday", "photos", str(tmp_path / "small.bin"))
    assert result.returncode == 0, result.stderr
    # It prints the tree hash and Location the service returned (it crashed on the missing Location).
    assert f"Glacier tree hash: {calculate_tree_hash(io.BytesIO(data))}" in result.stdout
    location = re.search(r"Location: (\S+)", result.stdout)
    archive_id = re.search(r"Archive ID: (\S+)", result.stdout)
    assert location is not None
    assert archive_id is not None
    assert location.group(1) == f"/123456789012/vaults/photos/archives/{archive_id.group(1)}"
    glacier_server.after_next_inventory()
    vault = glacier_server.client().describe_vault(vaultName="photos")
    assert (vault["NumberOfArchives"], vault["SizeInBytes"]) == (1, len(data))


@pytest.mark.slow
def test_glacier_upload_multipart_over_100_mb_in_1_mib_parts(
    glacier_server: ServerHandle, cli_environment: dict[str, str], tmp_path: Path
) -> None:
    glacier_server.create_vault("big")
    size = 101 * MIB + 12345  # 102 parts, the last one short
    data = write_file(tmp_path / "big.bin", size)
    result = glacier_upload(cli_environment, "upload", "-p", "1", "-t", "4", "big", str(tmp_path / "big.bin"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Will upload in 102 parts." in result.stdout
    expected = calculate_tree_hash(io.BytesIO(data))
    assert f"Calculated total tree hash: {expected}" in result.stdout
    assert f"Glacier total tree hash: {expected}" in result.stdout
    parts = glacier_server.stats()["operations"]["UploadMultipartPart"]
    assert parts == {"total": 102, "ok": 102}  # its "bytes a-b/<total>" ranges are accepted
    assert glacier_server.client().list_multipart_uploads(vaultName="big")["UploadsList"] == []


# glacier-upload sends files under 100 MB in one request: an interrupted multipart upload needs more.
INTERRUPTED_SIZE = 100 * MIB + 1
INTERRUPTED_PART = 16 * MIB


@pytest.mark.slow
def test_glacier_upload_interrupted_is_resumed_with_list_parts_and_errors_parsed(
    glacier_server: ServerHandle, cli_environment: dict[str, str], tmp_path: Path
) -> None:
    # Interrupted: every part upload fails (500), the tool gives up and prints the id to resume with.
    path, data, upload_id = _interrupted_upload(glacier_server, cli_environment, tmp_path, "resume")
    [listed] = glacier_server.client().list_multipart_uploads(vaultName="resume")["UploadsList"]
    assert listed["MultipartUploadId"] == upload_id
    # Two parts arrive out of band (as if they had made it before the interruption).
    client = glacier_server.client()
    for start in (0, 2 * INTERRUPTED_PART):
        part = data[start : start + INTERRUPTED_PART]
        end = start + INTERRUPTED_PART - 1
        client.upload_multipart_part(
            vaultName="resume", uploadId=upload_id, range=f"bytes {start}-{end}/*", body=part
        )
    # Resumed: ListParts, verify the two parts' tree hashes, upload the other five, complete.
    result = glacier_upload(cli_environment, "upload", "-p", "16", "-u", upload_id, "resume", str(path))
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"Glacier total tree hash: {calculate_tree_hash(io.BytesIO(data))}" in result.stdout
    operations = glacier_server.stats()["operations"]
    assert operations["ListParts"]["ok"] == 1
    assert operations["UploadMultipartPart"]["ok"] == 2 + 5  # the two out-of-band parts were not sent again
    assert client.list_multipart_uploads(vaultName="resume")["UploadsList"] == []
    # Its error path: resuming an id that no longer exists prints Glacier's message (parsed by botocore).
    again = glacier_upload(cli_environment, "upload", "-p", "16", "-u", upload_id, "resume", str(path))
    assert again.returncode != 0
    assert f"The upload ID was not found: {upload_id}" in again.stderr


def _interrupted_upload(
    server: ServerHandle, environment: dict[str, str], tmp_path: Path, vault: str
) -> tuple[Path, bytes, str]:
    """A new vault and a file over 100 MB; glacier-upload initiates, then every part fails (500) ten times
    and it gives up with "Upload can still be resumed. Upload ID: ..." (botocore's own retries off to keep
    it quick). Returns the file, its bytes and the upload id."""
    server.create_vault(vault)
    path = tmp_path / "big.bin"
    data = write_file(path, INTERRUPTED_SIZE)
    process = subprocess.Popen(
        [*GLACIER_UPLOAD, "upload", "-p", "16", "-t", "1", vault, str(path)],
        env=dict(environment, AWS_MAX_ATTEMPTS="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("File size is"):  # the upload was initiated; now make every part fail
            server.configure(error_rate=1.0)
            break
    stdout, stderr = process.communicate(timeout=120)
    server.configure(error_rate=0.0)
    assert process.returncode != 0
    match = re.search(r"Upload can still be resumed\. Upload ID: (\S+)", stdout)
    assert match is not None, stdout + stderr
    return path, data, match.group(1)


@pytest.mark.slow
def test_an_interrupted_third_party_upload_is_what_the_cleanup_removes(
    glacier_server: ServerHandle, cli_environment: dict[str, str], tmp_path: Path
) -> None:
    _path, _data, upload_id = _interrupted_upload(glacier_server, cli_environment, tmp_path, "backups")
    plan = CleanupPlan(dry_run=False, older_than=timedelta(hours=168))
    adapter = GlacierAdapter(glacier_server.client())

    today = run_cleanup(adapter, plan)  # the upload is minutes old: kept
    assert (today.uploads_found, today.uploads_stale, today.uploads_aborted) == (1, 0, 0)
    eight_days_later = run_cleanup(adapter, plan, clock=lambda: datetime.now(UTC) + timedelta(days=8))
    assert eight_days_later.uploads_aborted == 1
    [abort] = glacier_server.aborts()
    assert (abort["vault"], abort["upload_id"]) == ("backups", upload_id)
    assert glacier_server.client().list_multipart_uploads(vaultName="backups")["UploadsList"] == []


# ----- capo-glacier -----------------------------------------------------------------------------------
def test_capo_single_upload_and_vault_values(glacier_server: ServerHandle, capo: CapoGlacier) -> None:
    capo.create_vault(vault_name="capo", account_id="-")
    fresh = capo.describe_vault(vault_name="capo", account_id="-")
    # A new vault has no inventory yet: null date, zero counts.
    assert (fresh.get("last_inventory_date"), fresh["number_of_archives"], fresh["size_in_bytes"]) == (
        None,
        0,
        0,
    )
    data = os.urandom(MIB + 5)
    tree_hash = calculate_tree_hash(io.BytesIO(data))
    created = capo.upload_archive(
        vault_name="capo", account_id="-", archive_description="capo", checksum=tree_hash, body=data
    )
    assert created["checksum"] == tree_hash
    assert created["location"] == f"/123456789012/vaults/capo/archives/{created['archive_id']}"
    with pytest.raises(InvalidParameterValueException):  # a wrong tree hash is refused
        capo.upload_archive(vault_name="capo", account_id="-", checksum="0" * 64, body=data)
    glacier_server.after_next_inventory()  # the counts are as of the vault's last inventory
    described = capo.describe_vault(vault_name="capo", account_id="-")
    assert (described["number_of_archives"], described["size_in_bytes"]) == (1, len(data))
    assert described["last_inventory_date"] is not None


@pytest.mark.slow
def test_capo_multipart_over_100_mb_resume_list_and_abort(
    glacier_server: ServerHandle, capo: CapoGlacier
) -> None:
    capo.create_vault(vault_name="capo-big", account_id="-")
    size = 100 * MIB + 3
    data = os.urandom(size)
    started = capo.initiate_multipart_upload(
        vault_name="capo-big", account_id="-", archive_description="nightly", part_size=str(MIB)
    )
    upload_id = started["upload_id"]
    hashes = {}
    first_half = range(0, size // 2, MIB)
    for start in first_half:
        hashes[start] = _capo_part(capo, upload_id, data, start, size)
    # Resume: ListParts (paged by 50) tells what is already there.
    listed = _capo_parts(capo, upload_id)
    assert [part["range_in_bytes"] for part in listed][:2] == [f"0-{MIB - 1}", f"{MIB}-{2 * MIB - 1}"]
    assert {int(p["range_in_bytes"].split("-")[0]): p["sha256_tree_hash"] for p in listed} == hashes
    for start in range(0, size, MIB):
        if start not in hashes:
            hashes[start] = _capo_part(capo, upload_id, data, start, size)
    tree_hash = calculate_tree_hash(io.BytesIO(data))
    done = capo.complete_multipart_upload(
        vault_name="capo-big", account_id="-", upload_id=upload_id, archive_size=str(size), checksum=tree_hash
    )
    assert done["checksum"] == tree_hash

    # Listing and aborting uploads, and the errors it parses.
    other = capo.initiate_multipart_upload(vault_name="capo-big", account_id="-", part_size=str(4 * MIB))
    uploads = capo.list_multipart_uploads(vault_name="capo-big", account_id="-")["uploads_list"]
    assert [u["multipart_upload_id"] for u in uploads] == [other["upload_id"]]
    capo.abort_multipart_upload(vault_name="capo-big", account_id="-", upload_id=other["upload_id"])
    assert capo.list_multipart_uploads(vault_name="capo-big", account_id="-")["uploads_list"] == []
    with pytest.raises(ResourceNotFoundException):
        capo.abort_multipart_upload(vault_name="capo-big", account_id="-", upload_id="no-such-upload")
    with pytest.raises(InvalidParameterValueException):
        capo.initiate_multipart_upload(vault_name="capo-big", account_id="-", part_size="12345")
    glacier_server.configure(no_longer_supported=True)
    with pytest.raises(NoLongerSupportedException):
        capo.list_vaults(account_id="-")


def _capo_part(capo: CapoGlacier, upload_id: str, data: bytes, start: int, size: int) -> str:
    chunk = data[start : start + MIB]
    end = start + len(chunk) - 1
    answer = capo.upload_multipart_part(
        vault_name="capo-big",
        account_id="-",
        upload_id=upload_id,
        checksum=calculate_tree_hash(io.BytesIO(chunk)),
        range=f"bytes {start}-{end}/*",
        body=chunk,
    )
    return str(answer["checksum"])


def _capo_parts(capo: CapoGlacier, upload_id: str) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    marker = None
    while True:
        extra = {"marker": marker} if marker else {}
        page = capo.list_parts(vault_name="capo-big", account_id="-", upload_id=upload_id, **extra)
        parts.extend(page["parts"])
        marker = page.get("marker")
        if not marker:
            return parts


# ----- a third-party upload still being written is never aborted ------------------------------------
@pytest.mark.slow
def test_a_slow_glacier_upload_survives_two_cleanups_and_completes(
    glacier_server: ServerHandle, cli_environment: dict[str, str], tmp_path: Path
) -> None:
    """glacier-upload writes a 101 MiB archive in 1 MiB parts, one at a time, 40 ms a call, into an upload
    the emulator dates 400 h back (far older than the threshold). The cleanup, with its activity check,
    looks at it twice while it is written, the second time two days later by the cleanup's clock: the
    parts changed, so it is kept both times, and glacier-upload completes its archive."""
    glacier_server.create_vault("slow")
    glacier_server.configure(upload_age_hours=400, latency_ms=40)
    data = write_file(tmp_path / "slow.bin", 101 * MIB + 7)
    uploader = subprocess.Popen(
        [*GLACIER_UPLOAD, "upload", "-p", "1", "-t", "1", "slow", str(tmp_path / "slow.bin")],
        env=cli_environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    client = glacier_server.client()
    store = MemoryStore()

    def parts_so_far() -> tuple[str | None, int]:
        uploads = client.list_multipart_uploads(vaultName="slow")["UploadsList"]
        if not uploads:
            return None, 0
        upload_id = uploads[0]["MultipartUploadId"]
        listed = client.get_paginator("list_parts").paginate(vaultName="slow", uploadId=upload_id)
        return upload_id, sum(len(page["Parts"]) for page in listed)

    def wait_for_parts(count: int) -> str:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and uploader.poll() is None:
            upload_id, parts = parts_so_far()
            if upload_id is not None and parts >= count:
                return upload_id
            time.sleep(0.05)
        raise AssertionError(f"glacier-upload did not reach {count} parts: {uploader.poll()}")

    def clean(at: datetime) -> Any:
        glacier_server.set_clock(at)  # the service's clock dates the looks
        return run_cleanup(
            GlacierAdapter(glacier_server.client()),
            CleanupPlan(
                dry_run=False, older_than=timedelta(hours=168), activity_check=True, idle=timedelta(hours=48)
            ),
            clock=lambda: at,
            observations=store,
        )

    try:
        now = datetime.now(UTC)
        wait_for_parts(5)
        first = clean(now)
        _, looked_at = parts_so_far()
        wait_for_parts(looked_at + 5)  # the uploader went on after the first look
        second = clean(now + timedelta(hours=49))
        stdout, stderr = uploader.communicate(timeout=600)
    finally:
        if uploader.poll() is None:
            uploader.kill()
        glacier_server.configure(upload_age_hours=0, latency_ms=0, clock_offset_seconds=0)

    assert (first.uploads_first_seen, first.uploads_aborted) == (1, 0)
    assert (second.uploads_active, second.uploads_aborted) == (1, 0)
    assert glacier_server.aborts() == []
    assert uploader.returncode == 0, stderr[-2000:]
    expected = calculate_tree_hash(io.BytesIO(data))
    assert f"Glacier total tree hash: {expected}" in stdout
    # The archive was completed on the cleanup's clock of two days later: the inventory a day after that.
    glacier_server.set_clock(now + timedelta(hours=49 + 25))
    vault = client.describe_vault(vaultName="slow")
    assert (vault["NumberOfArchives"], vault["SizeInBytes"]) == (1, len(data))
