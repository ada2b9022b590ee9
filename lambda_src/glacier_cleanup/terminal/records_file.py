"""`--record PATH`: the run's decision records (core/records.py) as JSON Lines, gzip-compressed when the path
ends in `.gz`, the shape the stacks write to S3 (docs/records.md)."""

from __future__ import annotations

import gzip
import io
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from glacier_cleanup.aws.glacier import ClientSetupError


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
    partial = path.with_name(f".{path.name}.partial")
    count = 0
    raw: io.BufferedWriter
    with open(partial, "wb") as raw:
        stream: Any = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) if path.suffix == ".gz" else raw
        with io.TextIOWrapper(stream, encoding="utf-8", newline="\n") as text:
            for record in records:
                text.write(json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n")
                count += 1
    partial.replace(path)
    return count
