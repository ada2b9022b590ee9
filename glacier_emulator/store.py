"""Multipart-upload state of one vault.

Cost per request must not grow with the number of uploads: lookups by id are dict lookups and listing
walks a seq-sorted index from the marker, so a page costs O(log n + page).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import re
import secrets
from collections import OrderedDict
from datetime import UTC, datetime

from sortedcontainers import SortedDict  # type: ignore[import-untyped]

from .errors import invalid_parameter, upload_not_found

MIB = 1024 * 1024
# 1 MiB x 2^n up to 4 GiB.
VALID_PART_SIZES = frozenset(MIB << n for n in range(13))
PAGE_MAX = 50
# Glacier's limit on the parts of one upload.
MAX_PARTS = 10_000
# RFC 2616 (which the API reference names): "bytes first-last/*" or "bytes first-last/complete-length".
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\*|\d+)$")


def format_timestamp(moment: datetime) -> str:
    """Glacier's form: ``2012-03-19T23:20:59.130Z`` (UTC, milliseconds)."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_timestamp(value: str | datetime) -> datetime:
    """ISO-8601 in UTC; a naive value is taken as UTC."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value.strip())
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def validate_part_size(part_size: int) -> None:
    if part_size not in VALID_PART_SIZES:
        raise invalid_parameter(
            f"Invalid part size: {part_size}. Part size must not be null, must be a power of two "
            "and be between 1048576 and 4294967296 bytes."
        )


def encode_marker(kind: str, position: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{position}".encode()).decode().rstrip("=")


def decode_marker(kind: str, marker: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(marker + "=" * (-len(marker) % 4)).decode()
        found_kind, _, position = raw.partition(":")
        if found_kind == kind and position.isdigit():
            return int(position)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise invalid_parameter(f"Invalid marker: {marker}")


def combine_tree_hashes(hashes: list[bytes]) -> bytes:
    """Tree hash of an archive from its parts' tree hashes.

    Parts are 2^n MiB and aligned, so each part's tree hash is a subtree of the archive's tree.
    """
    if not hashes:
        return hashlib.sha256(b"").digest()
    level = hashes
    while len(level) > 1:
        level = [
            hashlib.sha256(level[i] + level[i + 1]).digest() if i + 1 < len(level) else level[i]
            for i in range(0, len(level), 2)
        ]
    return level[0]


def new_upload_id() -> str:
    # Same length and alphabet as Glacier's ids (92 url-safe characters).
    return secrets.token_urlsafe(69)


def new_archive_id() -> str:
    # Glacier's archive ids are 138 url-safe characters.
    return secrets.token_urlsafe(103)


class Upload:
    """One in-progress upload. Parts keep only range and tree hash, never the bytes."""

    __slots__ = ("creation_date", "description", "part_size", "parts", "seq", "synthetic_parts", "upload_id")

    def __init__(
        self, upload_id: str, seq: int, creation_date: str, description: str | None, part_size: int
    ) -> None:
        self.upload_id = upload_id
        self.seq = seq
        self.creation_date = creation_date
        self.description = description
        self.part_size = part_size
        # start offset -> (length, tree hash hex); created on the first part to keep idle uploads small.
        self.parts: dict[int, tuple[int, str]] | None = None
        # Seeded parts (bench and tests: thousands of uploads of up to 10,000 parts): the first n full parts,
        # listed without being stored, each with the tree hash of part_size zero bytes.
        self.synthetic_parts = 0

    def add_part(self, content_range: str | None, body: bytes, tree_hash: str | None) -> str:
        if not content_range:
            raise invalid_parameter("Content-Range is required")
        match = _CONTENT_RANGE.match(content_range.strip())
        if not match:
            raise invalid_parameter(f"Invalid Content-Range: {content_range}")
        start, end = int(match.group(1)), int(match.group(2))
        length = end - start + 1
        total = match.group(3)
        if total != "*" and int(total) <= end:
            raise invalid_parameter(f"Invalid Content-Range: {content_range} ends beyond its complete length")
        if start % self.part_size or length <= 0 or length > self.part_size:
            raise invalid_parameter(
                f"Content-Range {content_range} does not match the part size {self.part_size}"
            )
        if len(body) != length:
            raise invalid_parameter(
                f"Content-Range {content_range} does not match the content length {len(body)}"
            )
        computed = tree_hash_hex(body)
        if tree_hash is not None and tree_hash != computed:
            raise invalid_parameter(f"Checksum mismatch: expected {tree_hash}, computed {computed}")
        self._materialize()
        assert self.parts is not None
        self.parts[start] = (length, computed)
        return computed

    def _materialize(self) -> None:
        if self.parts is None:
            self.parts = {}
        if self.synthetic_parts:
            digest = _zero_part_hash(self.part_size)
            self.parts.update(
                (index * self.part_size, (self.part_size, digest)) for index in range(self.synthetic_parts)
            )
            self.synthetic_parts = 0

    def sorted_parts(self) -> list[tuple[int, int, str]]:
        self._materialize()
        return [(start, length, digest) for start, (length, digest) in sorted((self.parts or {}).items())]

    def parts_page(self, start: int, limit: int) -> tuple[list[tuple[int, int, str]], int | None]:
        """Up to `limit` parts from byte offset `start` on, and the offset to continue at (None when done).
        Seeded parts are computed, not stored: a page costs O(limit), whatever the upload holds."""
        if self.synthetic_parts and not self.parts:
            first = -(-start // self.part_size)
            last = min(first + limit, self.synthetic_parts)
            digest = _zero_part_hash(self.part_size)
            page = [(index * self.part_size, self.part_size, digest) for index in range(first, last)]
            return page, (last * self.part_size if last < self.synthetic_parts else None)
        parts = [part for part in self.sorted_parts() if part[0] >= start]
        return parts[:limit], (parts[limit][0] if len(parts) > limit else None)

    def check_complete(self, archive_size: int, tree_hash: str) -> None:
        parts = self.sorted_parts()
        if not parts:
            raise invalid_parameter("The upload has no parts")
        offset = 0
        for index, (start, length, _digest) in enumerate(parts):
            is_last = index == len(parts) - 1
            if start != offset or (not is_last and length != self.part_size):
                raise invalid_parameter(f"The uploaded parts are not contiguous at byte {offset}")
            offset += length
        if offset != archive_size:
            raise invalid_parameter(
                f"The archive size {archive_size} does not match the uploaded parts ({offset} bytes)"
            )
        computed = combine_tree_hashes([bytes.fromhex(digest) for _s, _l, digest in parts]).hex()
        if computed != tree_hash:
            raise invalid_parameter(f"Checksum mismatch: expected {tree_hash}, computed {computed}")


@functools.cache
def _zero_part_hash(part_size: int) -> str:
    return tree_hash_hex(bytes(part_size))


def tree_hash_hex(body: bytes) -> str:
    """SHA-256 tree hash (1 MiB leaves) of a whole body, hex."""
    chunks = [hashlib.sha256(body[i : i + MIB]).digest() for i in range(0, len(body), MIB)]
    return combine_tree_hashes(chunks).hex()


class VaultUploads:
    """The uploads of one vault.

    Every upload gets the next value of a per-vault sequence; listing walks the sequence from the
    marker, so uploads created or aborted during a listing never make it skip or repeat the others.
    """

    def __init__(self) -> None:
        self._next_seq = 0
        self._by_id: dict[str, Upload] = {}
        self._by_seq: SortedDict = SortedDict()
        # Aborted ids in abort order with their monotonic abort time, for the grace window.
        self._aborted: OrderedDict[str, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._by_id)

    def add(self, creation_date: str, description: str | None, part_size: int) -> Upload:
        upload = Upload(new_upload_id(), self._next_seq, creation_date, description, part_size)
        self._next_seq += 1
        self._by_id[upload.upload_id] = upload
        self._by_seq[upload.seq] = upload
        return upload

    def add_many(
        self, count: int, creation_date: str, description: str | None, part_size: int, parts: int = 0
    ) -> list[str]:
        """Bulk ``add`` for seeding: one sorted-index update instead of ``count`` insertions; each upload
        holding `parts` full parts already (computed, not stored)."""
        first = self._next_seq
        uploads = [
            Upload(new_upload_id(), first + offset, creation_date, description, part_size)
            for offset in range(count)
        ]
        for upload in uploads:
            upload.synthetic_parts = parts
        self._next_seq += count
        self._by_id.update((upload.upload_id, upload) for upload in uploads)
        self._by_seq.update((upload.seq, upload) for upload in uploads)
        return [upload.upload_id for upload in uploads]

    def get(self, upload_id: str) -> Upload:
        upload = self._by_id.get(upload_id)
        if upload is None:
            raise upload_not_found(upload_id)
        return upload

    def remove(self, upload_id: str) -> Upload | None:
        """Drop an upload without a grace window (expiry, completion)."""
        upload = self._by_id.pop(upload_id, None)
        if upload is not None:
            del self._by_seq[upload.seq]
        return upload

    def abort(self, upload_id: str, now: float, grace_seconds: float) -> Upload | None:
        """Returns the removed upload, or None for a repeat abort inside the grace window."""
        self._forget_aborted_before(now - grace_seconds)
        upload = self.remove(upload_id)
        if upload is not None:
            self._aborted[upload_id] = now
            return upload
        if upload_id in self._aborted:
            return None
        # Unknown, expired and completed ids alike: Glacier answers 404 for an id no longer in progress.
        raise upload_not_found(upload_id)

    def _forget_aborted_before(self, cutoff: float) -> None:
        # Abort times are in insertion order, so this is amortised O(1) per abort.
        while self._aborted:
            _oldest, aborted_at = next(iter(self._aborted.items()))
            if aborted_at >= cutoff:
                return
            self._aborted.popitem(last=False)

    def page(self, start_seq: int, limit: int) -> tuple[list[Upload], int | None]:
        """Up to ``limit`` uploads from ``start_seq`` on, and the seq to continue at (None when done)."""
        keys = self._by_seq.irange(minimum=start_seq)
        uploads: list[Upload] = []
        for seq in keys:
            if len(uploads) == limit:
                return uploads, seq
            uploads.append(self._by_seq[seq])
        return uploads, None
