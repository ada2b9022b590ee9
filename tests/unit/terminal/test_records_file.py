"""terminal/records_file.py: `--record PATH` is checked before any call, and written whole or not at all."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from glacier_cleanup.aws.glacier import ClientSetupError
from glacier_cleanup.terminal.records_file import checked_path, write_records


def test_a_path_in_a_missing_directory_or_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ClientSetupError, match="--record: no directory"):
        checked_path(str(tmp_path / "missing" / "records.jsonl"))
    with pytest.raises(ClientSetupError, match=r"--record: .* is a directory"):
        checked_path(str(tmp_path))
    assert checked_path(str(tmp_path / "records.jsonl")) == tmp_path / "records.jsonl"


@pytest.mark.parametrize("name", ["records.jsonl", "records.jsonl.gz"])
def test_one_json_object_a_line_compressed_when_the_name_says_so(tmp_path: Path, name: str) -> None:
    records = [{"upload_id": "a", "bytes": 1}, {"upload_id": "é", "bytes": None}]
    path = tmp_path / name
    assert write_records(path, records) == 2
    data = path.read_bytes()
    text = gzip.decompress(data).decode("utf-8") if name.endswith(".gz") else data.decode("utf-8")
    assert [json.loads(line) for line in text.splitlines()] == records
    assert not list(tmp_path.glob(".*partial"))


def test_a_write_that_breaks_leaves_the_earlier_file_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    write_records(path, [{"run": 1}])

    def breaking() -> Iterator[dict[str, Any]]:
        yield {"run": 2}
        raise RuntimeError("the run broke while its records were written")

    with pytest.raises(RuntimeError):
        write_records(path, breaking())
    assert [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] == [{"run": 1}]
