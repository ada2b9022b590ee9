"""Uploader hints: only the documented description formats name an uploader, strictly."""

from __future__ import annotations

import base64
import json

import pytest
from glacier_cleanup.core.uploaders import CLOUDBERRY, FAST_GLACIER, MT_AWS_GLACIER, uploader_of


def mt2(payload: object) -> str:
    return "mt2 " + base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("description", "uploader"),
    [
        (mt2({"filename": "db/dump.tar", "mtime": "20261115T000000Z"}), MT_AWS_GLACIER),
        ("<m><v>4</v><p>L2hvbWUvYmFja3VwLnRhcg==</p><lm>20261115T000000Z</lm></m>", FAST_GLACIER),
        ('{"Path": "C:/backup/db.bak", "UTCDateModified": "20261115T000000Z", "Flags": 0}', CLOUDBERRY),
        ("  " + mt2({"filename": "x"}) + "  ", MT_AWS_GLACIER),  # surrounding spaces are not a format
        # Look-alikes name nobody: not base64 JSON, a JSON list, JSON without Path, a broken tag.
        ("mt2 not-base64-json!!", None),
        (mt2(["filename"]), None),
        ('{"path": "lower-case key"}', None),
        ("{not json", None),
        ("<m><v>x</v><p>abc</p></m>", None),
        ("nightly backup", None),
        ("", None),
        (None, None),
    ],
)
def test_documented_formats_name_their_uploader(description: str | None, uploader: str | None) -> None:
    assert uploader_of(description) == uploader
