"""The terminal tool with the activity check (its default): its own looks in a local file (or the deployed
table), parts, size and time unchanged per upload, and a warning before judging by age alone."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from glacier_cleanup import cli
from glacier_cleanup.core.activity import Observation, Progress, UploadKey
from glacier_cleanup.terminal import run as terminal_run
from glacier_cleanup.terminal.state_file import LocalObservationFile, default_path
from support.cli_env import patched_cli_glacier, run_on_a_terminal
from support.fakes import FakeGlacier
from support.handler_env import MemoryStore

MIB = 1048576


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeGlacier:
    """The CLI tests' Glacier, with the activity check at its default: on."""
    glacier = patched_cli_glacier(monkeypatch)
    monkeypatch.delenv("CLEANUP_ACTIVITY_CHECK", raising=False)
    return glacier


def looked_at(upload_ids: list[str], *, days: float, vault: str = "backups") -> None:
    """Looks the tool took `days` ago (its local file), no parts then."""
    store = LocalObservationFile(default_path())
    then = datetime.now(UTC) - timedelta(days=days)
    for upload_id in upload_ids:
        key = UploadKey("123456789012", "eu-west-1", vault, upload_id)
        store.put(key, Observation(Progress(0, 0), then, then), expires_at=then + timedelta(days=30))
    store.save(datetime.now(UTC))


def old_uploads(fake: FakeGlacier) -> list[str]:
    return sorted(u for u, upload in fake.vaults["backups"].items() if upload.creation_date < "2026-12-01")


def test_the_first_run_records_every_old_upload_and_aborts_none(
    fake: FakeGlacier, capsys: pytest.CaptureFixture[str]
) -> None:
    status = cli.main(["--apply", "--yes", "--json"])

    document = json.loads(capsys.readouterr().out)
    assert status == 0
    assert fake.calls["AbortMultipartUpload"] == 0
    assert (document["uploads_first_seen"], document["uploads_stale"]) == (5, 0)
    assert {row["action"] for row in document["uploads"]} == {"kept: first seen"}
    assert all(
        (row["parts"], row["bytes"], row["unchanged_hours"]) == (0, 0, None) for row in document["uploads"]
    )
    saved = json.loads(default_path().read_text())
    assert len(saved["observations"]) == 6  # the young upload is looked at too: its wait starts now


def test_uploads_idle_since_an_earlier_look_are_aborted_and_a_changed_one_is_kept(
    fake: FakeGlacier, capsys: pytest.CaptureFixture[str]
) -> None:
    looked_at(old_uploads(fake), days=8)
    busy = old_uploads(fake)[0]
    fake.parts[busy] = ["0-1048575", "1048576-2097151"]

    status = cli.main(["--apply", "--yes"])

    out = capsys.readouterr().out
    assert status == 0
    assert fake.calls["AbortMultipartUpload"] == 2  # backups' other two old ones
    lines = {line.split()[2]: line for line in out.splitlines() if line.startswith("eu-west-1")}
    assert lines[busy].split()[5:9] == ["2", "2.0", "MiB", "0.0"]  # PARTS, SIZE, SAME (H): just changed
    assert "kept: receiving parts" in lines[busy]
    header = out.splitlines()[0].split("  ")
    assert [cell.strip() for cell in header if cell.strip()][5:8] == ["PARTS", "SIZE", "SAME (H)"]
    assert "and unchanged for 168 h" in out


def test_with_the_stacks_schedule_the_summary_names_what_its_next_run_aborts(
    fake: FakeGlacier, capsys: pytest.CaptureFixture[str]
) -> None:
    old = old_uploads(fake)
    looked_at(old[:2], days=6.5)  # 156 h unchanged: abortable in 12 h, before a daily run's window ends
    looked_at(old[2:], days=2)  # 120 h short of the idle time: not due

    status = cli.main(["--schedule", "rate(1 day)", "--schedule-window-minutes", "0"])

    out = capsys.readouterr().out
    assert status == 0
    [headline] = [line for line in out.splitlines() if "will be aborted at the next scheduled run" in line]
    assert headline.endswith("unless they change: 2 uploads, 0 B")
    named = [line.split()[2] for line in out.splitlines() if line.startswith("    eu-west-1 ")]
    assert sorted(named) == sorted(old[:2])
    # Without the schedule the tool cannot know the next run: it names nothing
    capsys.readouterr()
    cli.main([])
    assert "next scheduled run" not in capsys.readouterr().out


def test_age_alone_is_said_before_anything_and_in_the_question(
    fake: FakeGlacier, monkeypatch: pytest.MonkeyPatch
) -> None:
    status, _, err = run_on_a_terminal(monkeypatch, "n\n", "--apply", "--no-activity-check")

    assert status == 0
    assert terminal_run.AGE_ONLY_WARNING in err
    assert "judged by AGE ALONE (their activity was not checked)? [y/N] " in err
    assert not default_path().exists()  # no looks taken


def test_the_deployed_table_holds_the_looks_with_the_operators_own_credentials(
    fake: FakeGlacier, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    opened: list[tuple[Any, str, int]] = []
    shared = MemoryStore()

    def table(session: Any, name: str, *, concurrency: int) -> MemoryStore:
        opened.append((session, name, concurrency))
        return shared

    monkeypatch.setattr(terminal_run, "DynamoObservationStore", table)

    status = cli.main(["--state-table", "GlacierCleanup-prod-observations", "--concurrency", "4"])

    assert status == 0
    [(session, name, concurrency)] = opened
    assert (name, concurrency) == ("GlacierCleanup-prod-observations", 4)
    assert session is fake.sessions[0][2]  # type: ignore[attr-defined]
    assert len(shared.items) == 6  # five old uploads and the young one
    assert not default_path().exists()


def test_a_state_file_elsewhere_and_an_unreadable_one_is_bad_input(
    fake: FakeGlacier, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "looks.json"
    assert cli.main(["--state-file", str(elsewhere)]) == 0
    assert len(json.loads(elsewhere.read_text())["observations"]) == 6

    elsewhere.write_text("{")
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--state-file", str(elsewhere)])
    assert exit_.value.code == cli.EXIT_BAD_INPUT
    assert f"--state-file: {elsewhere}: unreadable" in capsys.readouterr().err


@pytest.mark.parametrize("hours", ["23.9", "8761", "nan"])
def test_idle_hours_outside_its_range_is_bad_input(
    fake: FakeGlacier, hours: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--idle-hours", hours])
    assert exit_.value.code == cli.EXIT_BAD_INPUT
    assert "idle_hours" in capsys.readouterr().err
    assert fake.calls["ListVaults"] == 0


def test_the_uploader_is_named_in_its_own_column(
    fake: FakeGlacier, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC) - timedelta(hours=400)
    fake.add_upload(
        "media", now.isoformat(timespec="milliseconds").replace("+00:00", "Z"), '{"Path": "D:/v.mkv"}'
    )

    cli.main([])

    out = capsys.readouterr().out
    [line] = [line for line in out.splitlines() if line.startswith("eu-west-1  media")]
    assert "CloudBerry/MSP360" in line
    assert "UPLOADER" in out.splitlines()[0]
    assert os.path.exists(default_path())


def test_idle_hours_reach_the_run_as_a_number(fake: FakeGlacier, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--idle-hours", "72", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["regions"]["eu-west-1"]["idle_hours"] == 72.0


def test_looks_that_cannot_be_saved_are_said_and_the_run_still_reports(
    fake: FakeGlacier, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def full(self: LocalObservationFile, now: datetime) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr(LocalObservationFile, "save", full)
    assert cli.main(["--json"]) == 0
    captured = capsys.readouterr()
    assert (
        f"glacier-cleanup: could not save the looks to {default_path()}: No space left on device"
        in captured.err
    )
    assert json.loads(captured.out)["uploads_first_seen"] == 5
