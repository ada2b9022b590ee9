"""The upload store's building blocks, without HTTP."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone

import pytest
from botocore.utils import calculate_tree_hash

from glacier_emulator import GlacierError
from glacier_emulator.store import (
    MIB,
    Upload,
    VaultUploads,
    decode_marker,
    encode_marker,
    format_timestamp,
    parse_timestamp,
)


@pytest.mark.parametrize("part_size", [MIB, 2 * MIB, 4 * MIB])
@pytest.mark.parametrize("size", [1, MIB, 3 * MIB + 5, 7 * MIB, 9 * MIB - 1])
def test_archive_tree_hash_from_part_hashes_matches_botocore(part_size: int, size: int) -> None:
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    upload = Upload("id", 0, "2020-01-01T00:00:00.000Z", None, part_size)
    for start in range(0, size, part_size):
        chunk = data[start : start + part_size]
        upload.add_part(f"bytes {start}-{start + len(chunk) - 1}/*", chunk, None)
    expected = calculate_tree_hash(io.BytesIO(data))
    upload.check_complete(size, expected)  # raises on a mismatch
    wrong = ("0" if expected[0] != "0" else "1") + expected[1:]
    with pytest.raises(GlacierError, match="Checksum mismatch"):
        upload.check_complete(size, wrong)


def test_gap_between_parts_cannot_complete() -> None:
    upload = Upload("id", 0, "2020-01-01T00:00:00.000Z", None, MIB)
    upload.add_part(f"bytes {MIB}-{MIB}/*", b"x", None)
    with pytest.raises(GlacierError, match="contiguous"):
        upload.check_complete(1, "00")


def test_marker_roundtrip_and_kind_check() -> None:
    assert decode_marker("uploads", encode_marker("uploads", 1234)) == 1234
    with pytest.raises(GlacierError):
        decode_marker("parts", encode_marker("uploads", 1))


def test_timestamps_are_utc_with_milliseconds() -> None:
    moment = datetime(2012, 3, 19, 16, 20, 59, 130999, tzinfo=timezone(timedelta(hours=-7)))
    assert format_timestamp(moment) == "2012-03-19T23:20:59.130Z"
    assert parse_timestamp("2012-03-19T23:20:59.130Z") == datetime(
        2012, 3, 19, 23, 20, 59, 130000, tzinfo=UTC
    )
    assert parse_timestamp("2012-03-19T23:20:59") == datetime(2012, 3, 19, 23, 20, 59, tzinfo=UTC)


def test_page_walks_in_sequence_and_survives_removals() -> None:
    uploads = VaultUploads()
    ids = [uploads.add("2020-01-01T00:00:00.000Z", None, MIB).upload_id for _ in range(10)]
    page, following = uploads.page(0, 4)
    assert [u.upload_id for u in page] == ids[:4]
    assert following is not None
    uploads.remove(ids[4])  # the upload the marker points at disappears
    page, following = uploads.page(following, 4)
    assert [u.upload_id for u in page] == ids[5:9]
    page, following = uploads.page(following, 4) if following is not None else ([], None)
    assert [u.upload_id for u in page] == ids[9:]
    assert following is None


def test_grace_window_is_forgotten_after_it_ends() -> None:
    uploads = VaultUploads()
    first = uploads.add("2020-01-01T00:00:00.000Z", None, MIB).upload_id
    second = uploads.add("2020-01-01T00:00:00.000Z", None, MIB).upload_id
    assert uploads.abort(first, now=100.0, grace_seconds=10) is not None
    assert uploads.abort(first, now=105.0, grace_seconds=10) is None  # repeat inside the window
    assert uploads.abort(second, now=200.0, grace_seconds=10) is not None  # also forgets `first`
    with pytest.raises(GlacierError) as caught:
        uploads.abort(first, now=200.0, grace_seconds=1000)
    assert caught.value.status == 404


def test_the_abort_grace_window_keeps_an_abort_until_exactly_its_end_and_forgets_oldest_first() -> None:
    uploads = VaultUploads()
    first = uploads.add("2020-01-01T00:00:00.000Z", None, 1048576).upload_id
    second = uploads.add("2020-01-01T00:00:00.000Z", None, 1048576).upload_id
    assert uploads.abort(first, 0.0, 10.0) is not None
    assert uploads.abort(second, 5.0, 10.0) is not None
    # At 12 s the window (10 s) has passed for the first abort only: repeating it is an unknown upload,
    # repeating the second is still a success.
    assert uploads.abort(second, 12.0, 10.0) is None
    with pytest.raises(GlacierError) as raised:
        uploads.abort(first, 12.0, 10.0)
    assert first in str(raised.value.response())
    # At exactly the end of the second's window (5 + 10), it still counts as aborted.
    assert uploads.abort(second, 15.0, 10.0) is None


def test_timestamps_are_read_as_utc_instants() -> None:
    from glacier_emulator.store import parse_timestamp  # noqa: PLC0415

    plus_two = timezone(timedelta(hours=2))
    assert parse_timestamp(datetime(2026, 1, 1, 14, tzinfo=plus_two)) == datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert parse_timestamp(datetime(2026, 1, 1, 14, tzinfo=plus_two)).tzinfo is UTC
    assert parse_timestamp(" 2026-01-01T14:00:00 ") == datetime(2026, 1, 1, 14, tzinfo=UTC)  # naive: UTC
    assert parse_timestamp("2026-01-01T14:00:00+02:00").tzinfo is UTC
