"""Whose upload is it? Some uploaders document the archive description they write at InitiateMultipartUpload;
naming the uploader in the listing and the log line tells an operator whom to ask before aborting.

Only documented formats, matched strictly (a description that merely looks alike names nobody):
- mt-aws-glacier: `mt2 <base64url of a JSON object with filename and mtime>`;
- FastGlacier and CrushFTP: `<m><v>4</v><p>base64(path)</p><lm>...</lm></m>`;
- CloudBerry / MSP360: a JSON object with `Path` (and `UTCDateModified`, `Flags`).
"""

from __future__ import annotations

import base64
import binascii
import json
import re

MT_AWS_GLACIER = "mt-aws-glacier"
FAST_GLACIER = "FastGlacier/CrushFTP"
CLOUDBERRY = "CloudBerry/MSP360"

_FAST_GLACIER = re.compile(r"^<m><v>\d+</v><p>[A-Za-z0-9+/=]*</p>.*</m>$", re.DOTALL)


def uploader_of(description: str | None) -> str | None:
    """The uploader whose documented format `description` follows, or None."""
    if not description:
        return None
    text = description.strip()
    if text.startswith("mt2 ") and isinstance(_base64_json(text[4:]), dict):
        return MT_AWS_GLACIER
    if _FAST_GLACIER.match(text):
        return FAST_GLACIER
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except ValueError:
            return None
        if isinstance(value, dict) and "Path" in value:
            return CLOUDBERRY
    return None


def _base64_json(encoded: str) -> object:
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        return json.loads(raw)
    except (binascii.Error, ValueError):
        return None
