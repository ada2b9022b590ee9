"""`--record PATH`: the run's decision records (core/records.py) as JSON Lines, gzip-compressed when the path
ends in `.gz`, the shape the stacks write to S3 (docs/records.md)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from glacier_cleanup.aws.glacier import ClientSetupError
from glacier_cleanup.core.records import json_lines


def checked_path(value: str) -> Path:
    """The path `--record` names, refused before any call if it cannot be written."""
    path = Path(value).expanduser()
    if path.is_dir():
        raise ClientSetupError(f"--record: {value} is a directory; name a file (.jsonl or .jsonl.gz)")
    if not path.parent.is_dir():
        raise ClientSetupError(f"--record: no directory {path.parent} to write {path.name} in")
    if not os.access(path.parent, os.W_OK):
        raise ClientSetupError(f"--record: {path.parent} is not writable")
    return path


def write_records(path: Path, records: Iterable[dict[str, Any]]) -> int:
    """Writes every record, one JSON object a line, to a file beside `path` that then replaces it: a
    partial file never takes the place of a whole one. Returns how many were written."""
    listed = list(records)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(json_lines(listed, compress=path.suffix == ".gz"))
    partial.replace(path)
    return len(listed)
