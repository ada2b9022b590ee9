"""`glacier-cleanup decommission` against the local AWS: a retired vault's uploads aborted whatever their age,
new writes denied beside the policy's own statements, the vault deleted once Glacier's next inventory allows
it; a vault that does not exist or is locked refused before anything changes; the typed confirmation."""

from __future__ import annotations

import io
import json
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from glacier_cleanup import cli
from glacier_cleanup.core.decommission import DENY_WRITES_SID
from support.handler_env import FakeTerminal

from glacier_emulator.handles import EmulatorHandle

THEIRS = {
    "Sid": "ReadOnlyAuditors",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
}
THEIRS = {**THEIRS, "Action": "glacier:ListMultipartUploads", "Resource": "*"}


def ago(hours: float) -> str:
    return (
        (datetime.now(UTC) - timedelta(hours=hours)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


@pytest.fixture
def retiring(glacier: EmulatorHandle) -> EmulatorHandle:
    """A vault whose archives were copied out and deleted, with uploads of every age still in it."""
    client = glacier.client()
    client.create_vault(vaultName="retiring")
    archive = client.upload_archive(vaultName="retiring", body=b"copied to S3")["archiveId"]
    glacier.after_next_inventory()
    client.delete_archive(vaultName="retiring", archiveId=archive)
    glacier.after_next_inventory()
    glacier.seed("retiring", 2, creation_date=ago(900), parts=2)
    # A young upload that received a part since the last inventory (a write): aborted too, knowingly.
    young = client.initiate_multipart_upload(vaultName="retiring", partSize=str(2**20))["uploadId"]
    client.upload_multipart_part(vaultName="retiring", uploadId=young, range="bytes 0-2/*", body=b"abc")
    client.set_vault_access_policy(
        vaultName="retiring", policy={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [THEIRS]})}
    )
    client.create_vault(vaultName="keep")
    glacier.seed("keep", 1, creation_date=ago(900))
    return glacier


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    status = cli.main(["decommission", *argv, "--output", "json"])
    out = capsys.readouterr().out
    documents = [
        json.loads(chunk) for chunk in out.replace("}\n{", "}\n\x00{").split("\x00") if chunk.strip()
    ]
    return status, documents[-1]["vaults"]


def test_a_dry_run_changes_nothing(retiring: EmulatorHandle, capsys: pytest.CaptureFixture[str]) -> None:
    status, [report] = run(["retiring", "--deny-writes"], capsys)
    assert status == 0
    assert (report["outcome"], report["uploads_aborted"]) == ("would be deleted (dry run)", 3)
    assert retiring.aborts() == []
    policy = json.loads(retiring.client().get_vault_access_policy(vaultName="retiring")["policy"]["Policy"])
    assert policy["Statement"] == [THEIRS]


def test_a_vault_is_retired_end_to_end(retiring: EmulatorHandle, capsys: pytest.CaptureFixture[str]) -> None:
    client = retiring.client()
    status, [report] = run(["retiring", "--deny-writes", "--apply", "--yes"], capsys)

    assert status == 0
    assert report["uploads_aborted"] == 3
    assert {record["vault"] for record in retiring.aborts()} == {"retiring"}
    assert client.list_multipart_uploads(vaultName="keep")["UploadsList"]  # the other vault untouched
    statements = json.loads(client.get_vault_access_policy(vaultName="retiring")["policy"]["Policy"])[
        "Statement"
    ]
    assert [s.get("Sid") for s in statements] == ["ReadOnlyAuditors", DENY_WRITES_SID]
    with pytest.raises(client.exceptions.ClientError):
        client.upload_archive(vaultName="retiring", body=b"late writer")
    assert report["outcome"] == "waiting for Glacier's next inventory"  # the part was a write

    retiring.after_next_inventory()
    status, [report] = run(["retiring", "--deny-writes", "--apply", "--yes"], capsys)
    assert (status, report["outcome"]) == (0, "deleted")
    assert [v["VaultName"] for v in client.list_vaults()["VaultList"]] == ["keep"]


def test_a_vault_with_archives_waits_and_no_archive_is_deleted(
    glacier: EmulatorHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    client = glacier.client()
    client.create_vault(vaultName="full")
    client.upload_archive(vaultName="full", body=b"still here")
    glacier.after_next_inventory()
    status, [report] = run(["full", "--apply", "--yes"], capsys)
    assert (status, report["outcome"]) == (
        1,
        "holds archives: delete them first (this tool never deletes an archive)",
    )
    assert client.describe_vault(vaultName="full")["NumberOfArchives"] == 1
    assert glacier.stats()["operations"].get("DeleteArchive") is None


@pytest.mark.parametrize("which", ["missing", "locked"])
def test_a_missing_or_locked_vault_is_refused_before_anything_changes(
    retiring: EmulatorHandle, capsys: pytest.CaptureFixture[str], which: str
) -> None:
    client = retiring.client()
    if which == "locked":
        policy = json.dumps({"Statement": [THEIRS]})
        lock = client.initiate_vault_lock(vaultName="keep", policy={"Policy": policy})["lockId"]
        client.complete_vault_lock(vaultName="keep", lockId=lock)
        names = ["retiring", "keep"]
    else:
        names = ["retiring", "no-such-vault"]

    status = cli.main(["decommission", *names, "--apply", "--yes"])
    captured = capsys.readouterr()

    assert status == 2
    expected = "refused: a vault lock is in place" if which == "locked" else "refused: no such vault"
    assert expected in captured.err
    assert retiring.aborts() == []  # not even the other vault's uploads


def interactive(monkeypatch: pytest.MonkeyPatch, typed: str) -> FakeTerminal:
    stdin = FakeTerminal(typed)
    monkeypatch.setattr(sys, "stdin", stdin)
    monkeypatch.setattr(sys, "stderr", FakeTerminal())
    return stdin


def test_on_a_terminal_the_name_is_typed_even_with_yes(
    retiring: EmulatorHandle, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    interactive(monkeypatch, "retirin\n")
    assert cli.main(["decommission", "retiring", "--apply", "--yes"]) == 2
    said = sys.stderr.getvalue()  # type: ignore[attr-defined]
    assert "--yes does not skip the question on a terminal" in said
    assert "Not confirmed: nothing changed." in said
    assert retiring.aborts() == []

    interactive(monkeypatch, "retiring\n")
    assert cli.main(["decommission", "retiring", "--apply"]) == 0
    assert len(retiring.aborts()) == 3


def test_without_a_terminal_yes_is_needed(
    retiring: EmulatorHandle, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert cli.main(["decommission", "retiring", "--apply"]) == 2
    assert "pass --yes" in capsys.readouterr().err
    assert retiring.aborts() == []


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["bad name!"], "VAULT: 'bad name!'"),
        (["v", "--account", "12"], "--account"),
        (["v", "--region", "x"], "--region"),
    ],
)
def test_bad_input_is_named_before_any_call(
    glacier: EmulatorHandle, capsys: pytest.CaptureFixture[str], argv: list[str], named: str
) -> None:
    assert cli.main(["decommission", *argv]) == 2
    assert named in capsys.readouterr().err
    assert glacier.stats()["total"] == 0
