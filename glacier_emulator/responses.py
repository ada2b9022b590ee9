"""moto's GlacierResponse, extended: the multipart-upload operations, Glacier's ListVaults paging and
errors, and one wrapper around every Glacier request for faults, hooks and stats."""

from __future__ import annotations

import bisect
import json
import logging
import random
import re
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from moto.core.common_types import TYPE_RESPONSE
from moto.glacier.models import GlacierBackend, Vault
from moto.glacier.responses import GlacierResponse

from .control import CONTROL
from .errors import (
    GlacierError,
    access_denied,
    invalid_parameter,
    missing_parameter,
    resource_not_found,
)
from .store import (
    PAGE_MAX,
    VaultUploads,
    decode_marker,
    encode_marker,
    format_timestamp,
    new_archive_id,
    parse_timestamp,
    tree_hash_hex,
    validate_part_size,
)

LOG = logging.getLogger(__name__)
CREATION_DATE_HEADER = "x-emulator-creation-date"
VAULTS_PAGE_MAX = 10
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_VAULT_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,255}$")
_JSON = {"content-type": "application/json"}
# What a vault access policy's Deny can stop here (vault_state.py `denies`): the writes.
_WRITES = frozenset(
    {
        "UploadArchive",
        "InitiateMultipartUpload",
        "UploadMultipartPart",
        "CompleteMultipartUpload",
        "DeleteArchive",
    }
)


def _parse_limit(raw: str | None, maximum: int) -> int:
    if raw is None:
        return maximum
    try:
        limit = int(raw)
    except ValueError:
        raise invalid_parameter(f"Invalid limit: {raw}") from None
    if not 1 <= limit <= maximum:
        raise invalid_parameter(f"limit must be between 1 and {maximum}, got {limit}")
    return limit


def _page_rng(start: int) -> random.Random:
    return random.Random(start)  # noqa: S311 - reproducible page order, not cryptography


def _outcome(status: int, body: Any) -> str:
    if status < 400:
        return "ok"
    try:
        parsed = json.loads(body)
        return str(parsed.get("code") or parsed.get("__type") or status)
    except (TypeError, ValueError, AttributeError):
        return str(status)


class EmulatorGlacierResponse(GlacierResponse):
    """Every Glacier URL dispatches here (see ``install``); moto's own handlers are inherited."""

    # ----- the wrapper ---------------------------------------------------------------------------
    def call_action(self) -> TYPE_RESPONSE:
        operation = self._get_action() or "Unknown"
        vault_name: str | None = self.uri_match.get("vaultName")
        account, region = self.current_account, self.region
        try:
            CONTROL.apply_faults(operation, vault_name, account, region)
            CONTROL.run_hooks(operation, vault_name, self._hook_params())
            with CONTROL.state_lock:
                self._check_account()
                if vault_name is not None and operation != "CreateVault":
                    vault = CONTROL.vault(self.glacier_backend, vault_name)
                    if operation in _WRITES and CONTROL.vault_state(vault).denies(f"glacier:{operation}"):
                        raise access_denied(f"The vault access policy of {vault.arn} denies {operation}")
                status, headers, body = super().call_action()
        except GlacierError as error:
            status, headers, body = error.response()
        except Exception as error:
            # A bug here must reach the caller as a visible 500, not kill the server thread.
            LOG.exception("glacier emulator: %s failed", operation)
            status, headers, body = GlacierError("InternalFailure", repr(error), 500, "Server").response()
        CONTROL.record(operation, _outcome(status, body), account, region)
        # Glacier dates every answer (HTTP Date); the cleanup's activity check reads it as the look's time.
        return status, {**headers, "date": format_datetime(CONTROL.now(), usegmt=True)}, body

    def _hook_params(self) -> dict[str, Any]:
        params: dict[str, Any] = dict(self.uri_match)
        params.update(self.normalized_request.args.items())
        params["region"] = self.region
        params["account"] = self.current_account
        return params

    def _check_account(self) -> None:
        account_id = self.uri_match.get("accountId", "-")
        if account_id in {"-", self.current_account}:
            return
        if _ACCOUNT_ID.match(account_id):
            raise access_denied(f"Access denied to account {account_id}")
        raise invalid_parameter(
            f"Invalid account id: {account_id}. Use '-' or the 12-digit id of the signing account."
        )

    # ----- helpers -------------------------------------------------------------------------------
    @property
    def _vault_name(self) -> str:
        name: str = self.uri_match["vaultName"]
        return name

    def _vault(self) -> Vault:
        return CONTROL.vault(self.glacier_backend, self._vault_name)

    def _uploads(self) -> tuple[Vault, VaultUploads]:
        vault = self._vault()
        return vault, CONTROL.uploads_of(vault)

    def _arg(self, name: str) -> str | None:
        value: str | None = self.normalized_request.args.get(name)
        return value

    def _header(self, name: str) -> str | None:
        value: str | None = self.headers.get(name)
        return value

    @staticmethod
    def _json(data: dict[str, Any]) -> TYPE_RESPONSE:
        return 200, {**_JSON, "status": "200"}, json.dumps(data)

    # ----- vaults --------------------------------------------------------------------------------
    def create_vault(self) -> TYPE_RESPONSE:
        name = self._vault_name
        if not _VAULT_NAME.match(name):
            raise invalid_parameter(f"Invalid vault name: {name}")
        backend: GlacierBackend = self.glacier_backend
        # Glacier's CreateVault is idempotent; moto's would replace the vault and lose its contents.
        if name not in backend.vaults:
            backend.create_vault(name)
        location = f"/{self.current_account}/vaults/{name}"
        return 201, {"status": "201", "Location": location}, ""

    def list_vaults(self) -> TYPE_RESPONSE:
        limit = _parse_limit(self._arg("limit"), VAULTS_PAGE_MAX)
        marker = self._arg("marker")
        vaults = self.glacier_backend.vaults
        names = sorted(vaults)
        start = 0
        if marker:
            if ":vaults/" not in marker:
                raise invalid_parameter(f"Invalid marker: {marker}")
            start = bisect.bisect_left(names, marker.rpartition(":vaults/")[2])
        page = names[start : start + limit]
        following = names[start + limit] if start + limit < len(names) else None
        return self._json(
            {
                "Marker": vaults[following].arn if following else None,
                "VaultList": [_describe(vaults[name]) for name in page],
            }
        )

    def describe_vault(self) -> TYPE_RESPONSE:
        return self._json(_describe(self._vault()))

    def delete_vault(self) -> TYPE_RESPONSE:
        """Glacier's rule: no archives as of the last inventory and no write since. In-progress uploads do
        not block it here (Glacier does not document whether they do); they go with the vault."""
        vault = self._vault()
        CONTROL.vault_state(vault).check_deletable()
        self.glacier_backend.vaults.pop(vault.vault_name)
        return 204, {"status": "204"}, ""

    # ----- the vault's access policy, lock and notifications (vault_state.py) ---------------------
    def _body(self) -> dict[str, Any] | None:
        raw = self._raw_bytes()
        if not raw:
            return None
        try:
            parsed = json.loads(raw)
        except ValueError:
            raise invalid_parameter("The request body is not valid JSON") from None
        return parsed if isinstance(parsed, dict) else None

    def set_vault_access_policy(self) -> TYPE_RESPONSE:
        CONTROL.vault_state(self._vault()).set_access_policy(self._body())
        return 204, {"status": "204"}, ""

    def get_vault_access_policy(self) -> TYPE_RESPONSE:
        vault = self._vault()
        return self._json(CONTROL.vault_state(vault).get_access_policy(vault.arn))

    def delete_vault_access_policy(self) -> TYPE_RESPONSE:
        CONTROL.vault_state(self._vault()).access_policy = None
        return 204, {"status": "204"}, ""

    def initiate_vault_lock(self) -> TYPE_RESPONSE:
        lock_id = CONTROL.vault_state(self._vault()).initiate_lock(self._body(), CONTROL.now())
        return 201, {"status": "201", "x-amz-lock-id": lock_id}, ""

    def complete_vault_lock(self) -> TYPE_RESPONSE:
        CONTROL.vault_state(self._vault()).complete_lock(self.uri_match["lockId"], CONTROL.now())
        return 204, {"status": "204"}, ""

    def abort_vault_lock(self) -> TYPE_RESPONSE:
        CONTROL.vault_state(self._vault()).abort_lock(CONTROL.now())
        return 204, {"status": "204"}, ""

    def get_vault_lock(self) -> TYPE_RESPONSE:
        vault = self._vault()
        return self._json(CONTROL.vault_state(vault).get_lock(vault.arn, CONTROL.now()))

    def set_vault_notifications(self) -> TYPE_RESPONSE:
        CONTROL.vault_state(self._vault()).set_notifications(self._body())
        return 204, {"status": "204"}, ""

    def get_vault_notifications(self) -> TYPE_RESPONSE:
        vault = self._vault()
        return self._json(CONTROL.vault_state(vault).get_notifications(vault.arn))

    def delete_vault_notifications(self) -> TYPE_RESPONSE:
        CONTROL.vault_state(self._vault()).notifications = None
        return 204, {"status": "204"}, ""

    # ----- archives ------------------------------------------------------------------------------
    def upload_archive(self) -> TYPE_RESPONSE:
        body = self._raw_bytes()
        raw_size = self._header("x-amz-archive-size")
        if raw_size is not None and raw_size != str(len(body)):
            raise invalid_parameter(f"Invalid archive size: {raw_size} does not match the body ({len(body)})")
        computed = tree_hash_hex(body)
        expected = self._header("x-amz-sha256-tree-hash")
        if expected is not None and expected != computed:
            raise invalid_parameter(f"Checksum mismatch: expected {expected}, computed {computed}")
        vault = self._vault()
        archive_id = _add_archive(vault, len(body), computed, self._header("x-amz-archive-description"))
        # The reference documents Location, x-amz-archive-id and x-amz-sha256-tree-hash (moto sends no
        # Location, and a plain SHA-256 where Glacier sends the tree hash).
        return 201, self._archive_headers(archive_id, computed), ""

    def delete_archive(self) -> TYPE_RESPONSE:
        vault = self._vault()
        archive_id = self.uri_match["archiveId"]
        if archive_id not in vault.archives:
            raise resource_not_found(f"Archive not found: {archive_id}")
        CONTROL.wrote(vault)
        del vault.archives[archive_id]
        return 204, {"status": "204"}, ""

    def _archive_headers(self, archive_id: str, tree_hash: str) -> dict[str, str]:
        return {
            "status": "201",
            "Location": f"/{self.current_account}/vaults/{self._vault_name}/archives/{archive_id}",
            "x-amz-archive-id": archive_id,
            "x-amz-sha256-tree-hash": tree_hash,
        }

    def _raw_bytes(self) -> bytes:
        return self.raw_body if isinstance(self.raw_body, bytes) else str(self.raw_body or "").encode()

    # ----- multipart uploads ---------------------------------------------------------------------
    def initiate_multipart_upload(self) -> TYPE_RESPONSE:
        raw_size = self._header("x-amz-part-size")
        if not raw_size:
            raise missing_parameter("Required header x-amz-part-size is missing")
        try:
            part_size = int(raw_size)
        except ValueError:
            raise invalid_parameter(f"Invalid part size: {raw_size}") from None
        validate_part_size(part_size)
        description = self._header("x-amz-archive-description")
        if description is not None and (
            len(description) > 1024 or any(not " " <= char <= "~" for char in description)
        ):
            raise invalid_parameter("The archive description must be at most 1024 printable ASCII characters")
        raw_date = self._header(CREATION_DATE_HEADER)
        try:
            created = parse_timestamp(raw_date) if raw_date else None
        except ValueError:
            raise invalid_parameter(f"Invalid {CREATION_DATE_HEADER}: {raw_date}") from None
        _vault, uploads = self._uploads()
        dated = created or _now() - timedelta(hours=CONTROL.faults.upload_age_hours)
        upload = uploads.add(format_timestamp(dated), description, part_size)
        location = f"/{self.current_account}/vaults/{self._vault_name}/multipart-uploads/{upload.upload_id}"
        headers = {"status": "201", "Location": location, "x-amz-multipart-upload-id": upload.upload_id}
        return 201, headers, ""

    def list_multipart_uploads(self) -> TYPE_RESPONSE:
        limit = _parse_limit(self._arg("limit"), PAGE_MAX)
        marker = self._arg("marker")
        start = decode_marker("uploads", marker) if marker else 0
        vault, uploads = self._uploads()
        page, following = uploads.page(start, limit)
        # Glacier promises no order: shuffle each page (reproducibly) so clients cannot come to rely on one.
        _page_rng(start).shuffle(page)
        return self._json(
            {
                "Marker": None if following is None else encode_marker("uploads", following),
                "UploadsList": [
                    {
                        "ArchiveDescription": upload.description,
                        "CreationDate": upload.creation_date,
                        "MultipartUploadId": upload.upload_id,
                        "PartSizeInBytes": upload.part_size,
                        "VaultARN": vault.arn,
                    }
                    for upload in page
                ],
            }
        )

    def abort_multipart_upload(self) -> TYPE_RESPONSE:
        _vault, uploads = self._uploads()
        removed = uploads.abort(
            self.uri_match["uploadId"], time.monotonic(), CONTROL.faults.abort_grace_seconds
        )
        if removed is not None:
            CONTROL.log_abort(self.current_account, self.region, self._vault_name, removed)
        return 204, {"status": "204"}, ""

    def upload_multipart_part(self) -> TYPE_RESPONSE:
        vault, uploads = self._uploads()
        upload = uploads.get(self.uri_match["uploadId"])
        digest = upload.add_part(
            self._header("Content-Range"), self._raw_bytes(), self._header("x-amz-sha256-tree-hash")
        )
        CONTROL.wrote(vault)  # a part is a write to the vault, as far as its inventory can tell
        return 204, {"status": "204", "x-amz-sha256-tree-hash": digest}, ""

    def list_parts(self) -> TYPE_RESPONSE:
        limit = _parse_limit(self._arg("limit"), PAGE_MAX)
        marker = self._arg("marker")
        start = decode_marker("parts", marker) if marker else 0
        vault, uploads = self._uploads()
        upload = uploads.get(self.uri_match["uploadId"])
        page, following = upload.parts_page(start, limit)
        return self._json(
            {
                "ArchiveDescription": upload.description,
                "CreationDate": upload.creation_date,
                "Marker": None if following is None else encode_marker("parts", following),
                "MultipartUploadId": upload.upload_id,
                "PartSizeInBytes": upload.part_size,
                "Parts": [
                    {"RangeInBytes": f"{first}-{first + length - 1}", "SHA256TreeHash": digest}
                    for first, length, digest in page
                ],
                "VaultARN": vault.arn,
            }
        )

    def complete_multipart_upload(self) -> TYPE_RESPONSE:
        raw_size = self._header("x-amz-archive-size")
        tree_hash = self._header("x-amz-sha256-tree-hash")
        if not raw_size or not tree_hash:
            raise missing_parameter("Required headers x-amz-archive-size and x-amz-sha256-tree-hash")
        if not raw_size.isdigit():
            raise invalid_parameter(f"Invalid archive size: {raw_size}")
        vault, uploads = self._uploads()
        upload_id = self.uri_match["uploadId"]
        upload = uploads.get(upload_id)
        upload.check_complete(int(raw_size), tree_hash)
        uploads.remove(upload_id)
        archive_id = _add_archive(vault, int(raw_size), tree_hash, upload.description)
        return 201, self._archive_headers(archive_id, tree_hash), ""


def _add_archive(vault: Vault, size: int, tree_hash: str, description: str | None) -> str:
    """Adds an archive in the shape moto's Vault keeps (moto's ``create_archive`` keys archives by the
    MD5 of bytes that are not kept here) and returns its Glacier-style id."""
    archive_id = new_archive_id()
    CONTROL.wrote(vault)  # before the archive: an inventory due earlier sees the vault without it
    vault.archives[archive_id] = {
        "archive_id": archive_id,
        "body": b"",
        "size": size,
        "sha256": tree_hash,
        "creation_date": format_timestamp(_now()),
        "description": description or "",
    }
    return archive_id


def _describe(vault: Vault) -> dict[str, Any]:
    """DescribeVault / ListVaults item. Counts are as of the last inventory (vault_state.py); a vault
    without one has LastInventoryDate null, 0 archives, 0 bytes, as in Glacier."""
    return {
        # moto stamps a vault with the machine's naive local time: read as local time, not labelled UTC.
        "CreationDate": format_timestamp(vault.st.astimezone(UTC)),
        **CONTROL.vault_state(vault).describe(),
        "VaultARN": vault.arn,
        "VaultName": vault.vault_name,
    }


def _now() -> datetime:
    return CONTROL.now()
