"""The terminal tool's promises on the destructive path: `--max-aborts` caps the whole invocation across its
regions; every `--region` is checked before the first call; CSV cells are never formulas."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from glacier_cleanup import cli
from glacier_cleanup.terminal import run as terminal_run
from glacier_cleanup.terminal.output import neutralized
from support.cli_env import patched_cli_glacier, run_on_a_terminal
from support.fakes import FakeGlacier


@pytest.fixture
def glacier(monkeypatch: pytest.MonkeyPatch) -> FakeGlacier:
    return patched_cli_glacier(monkeypatch)


def test_max_aborts_caps_the_invocation_across_its_regions(
    glacier: FakeGlacier, capsys: pytest.CaptureFixture[str]
) -> None:
    # One in-memory Glacier answers for both regions: five stale uploads in all.
    regions = ["--region", "eu-west-1", "--region", "us-east-1"]
    status = cli.main(["--apply", "--yes", "--json", "--max-aborts", "3", "--concurrency", "1", *regions])

    result = json.loads(capsys.readouterr().out)
    assert status == 0
    assert glacier.calls["AbortMultipartUpload"] == 3
    assert [result["regions"][region]["uploads_aborted"] for region in ("eu-west-1", "us-east-1")] == [3, 0]
    assert result["regions"]["us-east-1"]["uploads_capped"] == 2


@pytest.mark.parametrize("bad", ["eu-west-1 ", "EU-WEST-1", "eu_west_1", ""])
def test_a_bad_second_region_is_refused_before_any_call(
    glacier: FakeGlacier, bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--apply", "--yes", "--region", "eu-west-1", "--region", bad])
    assert exit_.value.code == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert f"--region: {bad!r} is not a region name" in err
    assert sum(glacier.calls.values()) == 0


@pytest.mark.parametrize(
    ("description", "cell"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1", "'+1"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("nightly backup", "nightly backup"),
    ],
)
def test_csv_cells_that_a_spreadsheet_would_evaluate_are_written_as_text(
    glacier: FakeGlacier, description: str, cell: str, capsys: pytest.CaptureFixture[str]
) -> None:
    glacier.add_uploads("media", 1, age_hours=400, description=description)
    cli.main(["--output", "csv", "--descriptions", "full"])
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    [row] = [row for row in rows if row["vault"] == "media"]
    assert row["description"] == cell


def test_identifiers_are_written_exactly_in_csv(
    glacier: FakeGlacier, capsys: pytest.CaptureFixture[str]
) -> None:
    """An upload id or a vault name may start with "-" (found by an id that did): a script reads it back."""
    [upload_id] = glacier.add_uploads("-minus", 1, age_hours=400, description="-cmd")
    assert upload_id.startswith("-")
    cli.main(["--output", "csv", "--descriptions", "full"])
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    [row] = [row for row in rows if row["upload_id"] == upload_id]
    assert (row["vault"], row["description"]) == ("-minus", "'-cmd")


def test_numbers_stay_numbers_in_csv() -> None:
    assert neutralized(-3) == -3
    assert neutralized(None) is None


def test_on_a_terminal_only_the_uploads_shown_and_confirmed_are_aborted(
    glacier: FakeGlacier, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upload that became stale while the question waited was never shown: it is left for the next run."""
    shown_then = sorted(glacier.remaining("backups") | glacier.remaining("prod-db"))
    late: list[str] = []

    def answer_yes_meanwhile(question: str, stdin: object, stream: object) -> bool:
        late.append(glacier.add_upload("backups", "2020-01-01T00:00:00.000Z", "stale since the listing"))
        return True

    monkeypatch.setattr(terminal_run, "confirm", answer_yes_meanwhile)
    status, out, _ = run_on_a_terminal(monkeypatch, "", "--apply", "--json")

    result = json.loads(out)
    assert status == 0
    aborted = {upload_id for _, upload_id in glacier.aborted}
    assert len(aborted) == 5
    assert aborted <= set(shown_then)
    assert late[0] in glacier.remaining("backups")
    assert (result["uploads_aborted"], result["uploads_left"]) == (5, 1)
    [row] = [row for row in result["uploads"] if row["upload_id"] == late[0]]
    assert row["action"] == "not aborted: stale since the listing, left for the next run"


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"parts": "3", "bytes": 0}, "parts must be a whole number"),
        (
            {"parts": 1, "bytes": 1, "unchanged_since": "yesterday"},
            "unchanged_since must be an ISO-8601 time",
        ),
        (
            {
                "parts": 1,
                "bytes": 1,
                "unchanged_since": "2026-01-01T00:00:00+00:00",
                "last_seen": "2026-01-01T00:00:00+00:00",
                "expires_at": "2026-02-01T00:00:00",
            },
            "expires_at must carry a time zone",
        ),
    ],
)
def test_a_bad_entry_in_the_state_file_is_bad_input_before_any_call(
    glacier: FakeGlacier,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    entry: dict[str, object],
    problem: str,
) -> None:
    monkeypatch.delenv("CLEANUP_ACTIVITY_CHECK")  # the default: on
    state = tmp_path / "looks.json"
    state.write_text(json.dumps({"version": 1, "observations": {"a/b/c/d": entry}}))
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--apply", "--yes", "--state-file", str(state)])
    assert exit_.value.code == cli.EXIT_BAD_INPUT
    assert f"entry 'a/b/c/d': {problem}" in capsys.readouterr().err
    assert sum(glacier.calls.values()) == 0


def test_a_region_that_fails_after_another_aborted_still_gets_the_report(
    glacier: FakeGlacier, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    built = terminal_run.create_client

    def breaks_in_the_second_region(**kwargs: Any) -> object:
        if kwargs["region"] == "us-east-1":
            raise terminal_run.ClientSetupError("the endpoint for us-east-1 cannot be built")
        return built(**kwargs)

    monkeypatch.setattr(terminal_run, "create_client", breaks_in_the_second_region)
    status = cli.main(["--apply", "--yes", "--json", "--region", "eu-west-1", "--region", "us-east-1"])

    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert status == 1
    assert result["regions"]["eu-west-1"]["uploads_aborted"] == 5
    assert result["regions"]["us-east-1"]["status"] == "partial"
    assert (
        "the endpoint for us-east-1 cannot be built" in result["regions"]["us-east-1"]["failures"][0]["error"]
    )
    assert "us-east-1: failed: ClientSetupError" in captured.err
