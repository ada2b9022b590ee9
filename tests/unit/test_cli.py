"""The operator CLI on the same engine: safe default, flags, output, exit status."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import glacier_cleanup
import pytest
from glacier_cleanup import cli
from glacier_cleanup.core.models import GlacierError
from glacier_cleanup.terminal import run as terminal_run
from support.cli_env import patched_cli_glacier, run_on_a_terminal
from support.fakes import FakeGlacier
from support.handler_env import FakeTerminal

LAMBDA_SRC = Path(__file__).resolve().parents[2] / "lambda_src"


@pytest.fixture
def glacier(monkeypatch: pytest.MonkeyPatch) -> FakeGlacier:
    return patched_cli_glacier(monkeypatch)


def test_dry_run_by_default_even_if_the_environment_says_otherwise(
    glacier: FakeGlacier, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLEANUP_DRY_RUN", "false")

    status = cli.main(["--json"])

    assert status == 0
    assert glacier.calls["AbortMultipartUpload"] == 0
    result = json.loads(capsys.readouterr().out)
    assert result["dry_run"] is True
    assert result["uploads_stale"] == 5


@pytest.mark.parametrize("flag", ["--apply", "--no-dry-run"])
def test_apply_aborts_and_stdout_holds_only_the_result(
    glacier: FakeGlacier, capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    status = cli.main([flag, "--json"])

    captured = capsys.readouterr()
    assert status == 0
    assert json.loads(captured.out)["uploads_aborted"] == 5
    assert glacier.calls["AbortMultipartUpload"] == 5
    # Logs are structured JSON lines on stderr
    log_lines = [json.loads(line) for line in captured.err.splitlines() if line.startswith("{")]
    assert sum(line["message"] == "aborted stale upload" for line in log_lines) == 5
    assert any(line["message"] == "cleanup finished" for line in log_lines)


def test_vault_exclude_and_threshold_flags(glacier: FakeGlacier, capsys: pytest.CaptureFixture[str]) -> None:
    status = cli.main(
        [
            "--apply",
            "--vault",
            "backups",
            "--vault",
            "prod-db",
            "--exclude-vault",
            "prod-*",
            "--older-than-hours",
            "1",
            "--concurrency",
            "3",
            "--region",
            "eu-west-1",
            "--profile",
            "ops",
            "--json",
        ]
    )

    result = json.loads(capsys.readouterr().out)
    assert status == 0
    assert result["regions"]["eu-west-1"]["older_than_hours"] == 1
    assert result["uploads_aborted"] == 4  # all of backups (1 h threshold), nothing of the excluded prod-db
    assert glacier.remaining("prod-db") != set()
    session = glacier.client_kwargs.pop("session")  # type: ignore[attr-defined]
    assert glacier.sessions == [("eu-west-1", "ops", session)]  # type: ignore[attr-defined]
    assert glacier.client_kwargs == {  # type: ignore[attr-defined]
        "max_attempts": 10,
        "retry_mode": "standard",
        "concurrency": 3,
        "region": "eu-west-1",
        "pacing": True,  # the shipped default, as in Lambda
        "max_requests_per_second": None,  # no cap unless CLEANUP_MAX_REQUESTS_PER_SECOND sets one
    }


def test_max_aborts_flag(glacier: FakeGlacier, capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["--apply", "--max-aborts", "2", "--json"])

    assert glacier.calls["AbortMultipartUpload"] == 2


def test_table_output_for_people(glacier: FakeGlacier, capsys: pytest.CaptureFixture[str]) -> None:
    cli.main([])

    out = capsys.readouterr().out
    assert "DRY RUN" in out
    assert "uploads stale" in out
    assert not out.lstrip().startswith("{")


def test_failures_exit_one(glacier: FakeGlacier, capsys: pytest.CaptureFixture[str]) -> None:
    glacier.list_errors["prod-db"] = GlacierError("AccessDeniedException", "denied")

    status = cli.main(["--apply"])

    assert status == 1
    assert "AccessDeniedException" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--older-than-hours", "0.5"], "older_than_hours"),
        (["--older-than-hours", "nan"], "older_than_hours"),
        (["--vault", "bad name"], "vaults.0"),
        (["--max-aborts", "-1"], "max_aborts"),
        (["--concurrency", "0"], "--concurrency"),
        (["--concurrency", "many"], "--concurrency"),
        (["--dry-run", "--apply"], "not allowed with"),
        (["--unknown"], "unrecognized arguments"),
        (["--schedule", "rate(0 days)"], "--schedule"),
        (["--schedule", "cron(0 3 * * * *)"], "--schedule"),
        (["--schedule", "rate(1 day)", "--schedule-time-zone", "Mars/Olympus"], "--schedule-time-zone"),
        (["--schedule", "rate(1 day)", "--schedule-window-minutes", "1441"], "--schedule-window-minutes"),
    ],
)
def test_bad_input_exits_two_and_calls_nothing(
    glacier: FakeGlacier, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as raised:
        cli.main(argv)

    assert raised.value.code == 2
    assert message in capsys.readouterr().err
    assert sum(glacier.calls.values()) == 0


def test_bad_setting_exits_two(glacier: FakeGlacier, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("CLEANUP_RETRY_MODE", "legacy")

    with pytest.raises(SystemExit) as raised:
        cli.main([])

    assert raised.value.code == 2
    assert "CLEANUP_RETRY_MODE" in capsys.readouterr().err


def test_python_dash_m_entry_point() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "glacier_cleanup", "--help"],
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(LAMBDA_SRC), "PATH": ""},
        timeout=60,
    )

    assert completed.returncode == 0
    assert "--apply" in completed.stdout
    assert "Dry run unless --apply" in " ".join(completed.stdout.split())


def test_a_vault_that_does_not_exist_exits_one(
    glacier: FakeGlacier, capsys: pytest.CaptureFixture[str]
) -> None:
    status = cli.main(["--vault", "backups", "--vault", "bakcups", "--json"])
    result = json.loads(capsys.readouterr().out)
    assert status == 1
    assert result["status"] == "vault_not_found"
    assert result["regions"]["eu-west-1"]["status"] == "vault_not_found"


def test_an_incomplete_run_exits_one(glacier: FakeGlacier, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    original = glacier.iter_vault_pages

    def failing_after_one_page():  # type: ignore[no-untyped-def]
        pages = original()
        yield next(pages)
        raise GlacierError("ThrottlingException", "Rate exceeded")

    monkeypatch.setattr(glacier, "iter_vault_pages", failing_after_one_page)
    status = cli.main(["--json"])
    result = json.loads(capsys.readouterr().out)
    assert status == 1
    assert result["complete"] is False


HELP_TEXT = Path(__file__).resolve().parents[2] / "docs" / "cli-help.txt"


def test_help_text_is_the_documented_one(monkeypatch: pytest.MonkeyPatch) -> None:
    # docs/cli-help.txt is the operator's reference (linked from the README): every flag, metavar, default
    # and exit status it names must be what --help prints. After a deliberate change: UPDATE_SNAPSHOTS=1.
    monkeypatch.setenv("COLUMNS", "100")
    text = cli.build_parser().format_help()
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        HELP_TEXT.write_text(text, encoding="utf-8")
    # Compared word for word: argparse wraps the usage lines differently from one Python to the next (the
    # install-check runs this on 3.11 to 3.13), and a line break says nothing to the operator.
    documented = HELP_TEXT.read_text(encoding="utf-8")
    assert text.split() == documented.split(), "--help changed: review, then UPDATE_SNAPSHOTS=1"


def test_on_a_terminal_apply_shows_the_stale_uploads_then_asks(
    glacier: FakeGlacier, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLEANUP_PROTECT_DESCRIPTION_REGEX", "^keep")
    protected = glacier.add_upload("backups", "2020-01-01T00:00:00.000Z", "keep: tape")

    status, out, err = run_on_a_terminal(monkeypatch, "y\n", "--apply")

    preview, _, after = err.partition(
        "Abort 5 stale uploads in account 123456789012, eu-west-1, judged by AGE ALONE (their activity was "
        "not checked)? [y/N] "
    )
    assert status == 0
    assert preview.startswith(
        "account 123456789012 (arn:aws:iam::123456789012:user/op)\nregions eu-west-1\n"
        f"{terminal_run.AGE_ONLY_WARNING}\n"
        "Looking for stale uploads first (nothing is aborted yet)...\n"
    )
    assert "\r\033[Keu-west-1: vaults scanned " in preview  # the progress line, drawn at once
    assert preview.count("would abort") == 5
    assert protected not in preview  # the question lists the stale uploads only
    assert after, "the question was not asked"
    assert glacier.calls["AbortMultipartUpload"] == 5
    assert out.count("aborted") >= 5
    assert '"level":"INFO"' not in err  # on a terminal the listing says what INFO lines would


@pytest.mark.parametrize("answer", ["n\n", "", "yes please\n"])
def test_on_a_terminal_anything_but_yes_aborts_nothing(
    glacier: FakeGlacier, monkeypatch: pytest.MonkeyPatch, answer: str
) -> None:
    status, out, err = run_on_a_terminal(monkeypatch, answer, "--apply")

    assert status == 0
    assert err.endswith("? [y/N] Nothing aborted.\n")
    assert glacier.calls["AbortMultipartUpload"] == 0
    assert out == ""


def test_on_a_terminal_nothing_stale_means_no_question(
    glacier: FakeGlacier, monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, err = run_on_a_terminal(monkeypatch, "y\n", "--apply", "--older-than-hours", "87600")

    assert (status, out) == (0, "")
    assert err.endswith("Nothing to abort.\n")
    assert "[y/N]" not in err
    assert glacier.calls["AbortMultipartUpload"] == 0


def test_on_a_terminal_yes_skips_the_question_and_the_log_level_can_be_chosen(
    glacier: FakeGlacier, monkeypatch: pytest.MonkeyPatch
) -> None:
    status, _, err = run_on_a_terminal(monkeypatch, "", "--apply", "--yes", log_level="INFO")

    assert status == 0
    assert "[y/N]" not in err
    assert glacier.calls["AbortMultipartUpload"] == 5
    assert '"message":"aborted stale upload"' in err


@pytest.fixture
def press_ctrl_c(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Ctrl-C as the run's signal handler receives it, without a process-wide handler in the test run."""
    installed: list[terminal_run.Interrupts] = []

    class Recorded(terminal_run.Interrupts):
        def install(self) -> None:
            installed.append(self)

    monkeypatch.setattr(terminal_run, "Interrupts", Recorded)
    return lambda: installed[0]._handle(signal.SIGINT, None)


def test_an_interrupted_run_stops_aborting_and_exits_130(
    glacier: FakeGlacier, capsys: pytest.CaptureFixture[str], press_ctrl_c: Callable[[], None]
) -> None:
    glacier.before_abort = lambda vault, upload_id: press_ctrl_c()

    regions = ["--region", "eu-west-1", "--region", "us-east-1", "--region", "ap-south-1"]
    status = cli.main(["--apply", "--json", "--concurrency", "1", *regions])

    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert status == 130
    assert glacier.calls["AbortMultipartUpload"] == 1
    assert result["complete"] is False
    assert list(result["regions"]) == ["eu-west-1"]
    assert "us-east-1: not started (stopped)\nap-south-1: not started (stopped)\n" in captured.err


def test_only_both_ends_on_a_terminal_make_it_interactive(
    glacier: FakeGlacier, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", FakeTerminal("n\n"))  # stderr piped: never asks, never waits for input

    status = cli.main(["--apply", "--json"])

    assert status == 0
    assert glacier.calls["AbortMultipartUpload"] == 5


def test_csv_rows_on_stdout_and_the_summary_on_stderr(
    glacier: FakeGlacier, capsys: pytest.CaptureFixture[str]
) -> None:
    status = cli.main(["--output", "csv", "--apply"])

    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert status == 0
    assert lines[0] == (
        "account,region,vault,upload_id,created,age_hours,description,action,parts,bytes,unchanged_hours,uploader,"
        "abortable_after"
    )
    assert len(lines) == 6
    # Age alone decided (these tests' setting): nothing measured, so the last five columns are empty.
    assert all(
        line.startswith("123456789012,eu-west-1,") and line.endswith(",aborted,,,,,") for line in lines[1:]
    )
    assert "Glacier multipart cleanup: APPLIED\n  account 123456789012\n" in captured.err


def test_the_table_is_followed_by_a_blank_line_and_the_summary(
    glacier: FakeGlacier, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.main([])

    out = capsys.readouterr().out
    table, _, summary = out.partition("\n\n")
    assert table.startswith("REGION     VAULT    UPLOAD ID")
    assert len(table.splitlines()) == 6
    assert summary.startswith(
        "Glacier multipart cleanup: DRY RUN (nothing aborted)\n  account 123456789012\n"
    )


@pytest.mark.parametrize(
    ("value", "accepted"), [("1", True), ("64", True), ("0", False), ("65", False), ("x", False)]
)
def test_concurrency_is_an_integer_from_1_to_64(
    glacier: FakeGlacier, capsys: pytest.CaptureFixture[str], value: str, accepted: bool
) -> None:
    if accepted:
        assert cli.main(["--concurrency", value, "--json"]) == 0
        assert glacier.client_kwargs["concurrency"] == int(value)  # type: ignore[attr-defined]
        return
    with pytest.raises(SystemExit):
        cli.main(["--concurrency", value])
    got = repr(value) if value == "x" else value
    assert f"argument --concurrency: expected an integer 1-64, got {got}\n" in capsys.readouterr().err


def test_without_any_region_the_error_says_how_to_give_one(
    glacier: FakeGlacier, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        terminal_run, "create_session", lambda **_: type("Session", (), {"region_name": None})()
    )

    with pytest.raises(SystemExit) as raised:
        cli.main([])

    assert raised.value.code == 2
    assert capsys.readouterr().err.endswith(
        "glacier-cleanup: error: no region: pass --region or configure one (AWS_REGION, ~/.aws/config)\n"
    )
    assert sum(glacier.calls.values()) == 0


def test_all_regions_asks_the_sdk_with_the_session_and_runs_each_once(
    glacier: FakeGlacier, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asked: list[object] = []
    monkeypatch.setattr(
        terminal_run, "glacier_regions", lambda session: asked.append(session) or ["eu-west-1", "us-east-1"]
    )

    cli.main(["--all-regions", "--json"])

    result = json.loads(capsys.readouterr().out)
    assert asked == [glacier.sessions[0][2]]  # type: ignore[attr-defined]
    assert list(result["regions"]) == ["eu-west-1", "us-east-1"]


def test_account_assumes_the_role_with_a_named_session_in_the_same_region(
    glacier: FakeGlacier, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assumed: list[tuple[object, dict[str, object]]] = []

    def refreshing_session(session: Any, **kwargs: object) -> object:
        assumed.append((session.region_name, kwargs))
        return type("Session", (), {"region_name": session.region_name})()

    monkeypatch.setattr(terminal_run, "refreshing_session", refreshing_session)

    cli.main(["--account", "222222222222", "--region", "ap-south-1", "--json"])

    assert assumed == [
        (
            "ap-south-1",
            {
                "account_id": "222222222222",
                "role_name": "OrganizationAccountAccessRole",
                "session_name": f"glacier-cleanup-cli-{os.getpid()}",
            },
        )
    ]


def test_the_configured_account_id_reaches_the_adapter(
    glacier: FakeGlacier, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLEANUP_ACCOUNT_ID", "123456789012")

    cli.main(["--json"])

    assert glacier.adapter_accounts == ["123456789012"]  # type: ignore[attr-defined]


def test_the_question_names_every_region(glacier: FakeGlacier, monkeypatch: pytest.MonkeyPatch) -> None:
    status, _, err = run_on_a_terminal(
        monkeypatch, "n\n", "--apply", "--region", "eu-west-1", "--region", "us-east-1"
    )

    assert status == 0
    assert "regions eu-west-1, us-east-1\n" in err
    assert (
        "Abort 10 stale uploads in account 123456789012, eu-west-1, us-east-1, judged by AGE ALONE (their "
        "activity was not checked)? [y/N] "
    ) in err


def test_ctrl_c_at_the_question_exits_130_and_aborts_nothing(
    glacier: FakeGlacier, monkeypatch: pytest.MonkeyPatch, press_ctrl_c: Callable[[], None]
) -> None:
    def interrupted(question: str, stdin: object, stream: object) -> bool:
        press_ctrl_c()
        return False  # readline() returns at the signal with no answer

    monkeypatch.setattr(terminal_run, "confirm", interrupted)

    status, out, _ = run_on_a_terminal(monkeypatch, "", "--apply")

    assert (status, out) == (130, "")
    assert glacier.calls["AbortMultipartUpload"] == 0


def test_show_all_adds_the_protected_uploads(
    glacier: FakeGlacier, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLEANUP_PROTECT_DESCRIPTION_REGEX", "^keep")
    protected = glacier.add_upload("backups", "2020-01-01T00:00:00.000Z", "keep: tape")

    cli.main(["--json"])
    without = json.loads(capsys.readouterr().out)["uploads"]
    cli.main(["--json", "--show-all"])
    with_all = json.loads(capsys.readouterr().out)["uploads"]

    assert protected not in {row["upload_id"] for row in without}
    assert {row["upload_id"]: row["action"] for row in with_all}[protected] == "protected"
    assert len(with_all) == len(without) + 1


def test_version_names_the_program_and_the_package_version(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "__version__", "1.2.3")

    with pytest.raises(SystemExit) as raised:
        cli.main(["--version"])

    assert raised.value.code == 0
    assert capsys.readouterr().out == "glacier-cleanup 1.2.3\n"


def test_the_package_under_test_is_the_installed_wheel_when_the_package_check_says_so() -> None:
    # scripts/package_check.py runs these tests against the wheel installed for each Python it claims.
    expected = os.environ.get("GLACIER_CLEANUP_EXPECT_INSTALLED")
    if not expected:
        pytest.skip(
            "run from the repository (scripts/package_check.py sets GLACIER_CLEANUP_EXPECT_INSTALLED)"
        )
    assert Path(glacier_cleanup.__file__).resolve().is_relative_to(Path(expected).resolve())


def test_help_and_version_answer_without_loading_the_sdk_or_pydantic() -> None:
    # What keeps them fast (make bench times them): parsing imports none of the run's heavy modules.
    code = (
        "import sys\n"
        "from glacier_cleanup import cli\n"
        "for argv in (['--help'], ['--version'], ['--concurrency', '0']):\n"
        "    try:\n"
        "        cli.main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = ('boto3', 'botocore', 'pydantic', 'aws_lambda_powertools', 'glacier_cleanup.terminal.run')\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] in heavy or name in heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert "glacier-cleanup" in done.stdout  # the help text was printed
