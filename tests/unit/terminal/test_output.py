"""What the terminal tool prints, character for character: the upload table, the summary, CSV and JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
from glacier_cleanup import cli
from glacier_cleanup.core.activity import Progress
from glacier_cleanup.core.models import Upload
from glacier_cleanup.core.outcomes import Action, Measured, UploadOutcome
from glacier_cleanup.terminal import run as terminal_run
from glacier_cleanup.terminal.output import (
    Row,
    human_bytes,
    render_csv,
    render_json,
    render_rows_table,
    render_summary_table,
    shown,
    totals,
)
from support.fakes import FakeGlacier
from support.handler_env import outcome

ACCOUNT = "123456789012"


def row(region: str, vault: str, upload_id: str, age: float | None, action: str, **upload: Any) -> Row:
    created = upload.pop("created", "2026-11-01T00:00:00.000Z")
    return Row(ACCOUNT, region, outcome(Upload(vault, upload_id, created, **upload), age, action))


ROWS = [
    row("eu-west-1", "backups", "id-1", 400.0, "aborted", archive_description="nightly 2026-10-30"),
    row("eu-west-1", "media-archive", "id-22", 900.04, "protected", archive_description="keep: tape"),
    row("us-east-1", "b", "id-3", None, "skipped: unusable CreationDate", created=None),
]


def region_result(**overrides: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "status": "ok",
        "dry_run": False,
        "complete": True,
        "duration_ms": 52,
        "cutoff": "2026-11-19T14:03:37.718Z",
        "older_than_hours": 168.0,
        "failures": [],
        **dict.fromkeys(("vaults_scanned", "uploads_found", "uploads_stale", "uploads_aborted"), 0),
    }
    result.update(overrides)
    return result


def test_the_upload_table_aligns_columns_and_leaves_the_description_unpadded() -> None:
    assert render_rows_table(ROWS) == (
        "REGION     VAULT          UPLOAD ID  CREATED                "
        "   AGE (H)  ACTION                          "
        "DESCRIPTION\n"
        "eu-west-1  backups        id-1       2026-11-01T00:00:00.000"
        "Z  400.0    aborted                         "
        "nightly 2026-10-30\n"
        "eu-west-1  media-archive  id-22      2026-11-01T00:00:00.000"
        "Z  900.0    protected                       "
        "keep: tape\n"
        "us-east-1  b              id-3       -                      "
        "   -        skipped: unusable CreationDate\n"
    )
    assert render_rows_table([]) == "No stale uploads.\n"


def test_csv_and_json_carry_every_field_of_each_row() -> None:
    assert render_csv(ROWS[:1] + ROWS[2:]) == (
        "account,region,vault,upload_id,created,age_hours,description,action,parts,bytes,unchanged_hours,"
        "uploader,abortable_after\n"
        "123456789012,eu-west-1,backups,id-1,2026-11-01T00:00:00.000Z,400.0,nightly 2026-10-30,aborted,,,,,\n"
        "123456789012,us-east-1,b,id-3,,,,skipped: unusable CreationDate,,,,,\n"
    )
    results = {"eu-west-1": region_result(uploads_aborted=1)}
    document = json.loads(render_json(ACCOUNT, "arn:aws:iam::123456789012:user/op", results, ROWS[:1]))
    assert document["uploads"] == [
        {
            "account": ACCOUNT,
            "region": "eu-west-1",
            "vault": "backups",
            "upload_id": "id-1",
            "created": "2026-11-01T00:00:00.000Z",
            "age_hours": 400.0,
            "description": "nightly 2026-10-30",
            "action": "aborted",
            "parts": None,
            "bytes": None,
            "unchanged_hours": None,
            "uploader": None,
            "abortable_after": None,
        }
    ]
    assert (document["account"], document["caller_arn"], document["regions"]) == (
        ACCOUNT,
        "arn:aws:iam::123456789012:user/op",
        results,
    )
    assert (document["status"], document["uploads_aborted"]) == ("ok", 1)


def test_stale_uploads_are_always_shown_the_others_only_when_asked_sorted_by_place() -> None:
    stale = [row("eu-west-1", "z", f"id-{action}", 200.0, action) for action in STALE_ACTIONS]
    kept = [
        row("eu-west-1", "a", "id-p", 200.0, "protected"),
        row("eu-west-1", "a", "id-s", None, "skipped: unusable CreationDate"),
    ]

    assert {r.outcome.label for r in shown(stale + kept, show_all=False)} == set(STALE_ACTIONS)
    assert [r.outcome.upload.upload_id for r in shown(list(reversed(stale + kept)), show_all=True)] == [
        "id-p",
        "id-s",
        *sorted(f"id-{action}" for action in STALE_ACTIONS),
    ]


STALE_ACTIONS = [
    "would abort",
    "aborted",
    "already gone",
    "abort failed: AccessDeniedException",
    "not reached: run stopped",
    "not aborted: max_aborts reached",
]


def test_totals_sum_the_regions_and_keep_the_worst_status() -> None:
    results = {
        "eu-west-1": region_result(status="partial", uploads_found=3, failures=[{"vault": "v"}]),
        "us-east-1": region_result(status="incomplete", complete=False, uploads_found=4, dry_run=True),
        "ap-east-1": region_result(status="region_not_enabled", uploads_found=0),
    }

    combined = totals(results)

    assert (combined["status"], combined["complete"], combined["dry_run"]) == ("partial", False, False)
    assert (combined["uploads_found"], combined["failures"]) == (7, [{"vault": "v"}])
    assert (
        totals({"a": region_result(status="vault_not_found"), "b": region_result(status="incomplete")})[
            "status"
        ]
        == "incomplete"
    )
    assert totals({"a": region_result(status="glacier_unavailable")})["status"] == "ok"


def test_the_summary_names_the_mode_each_region_the_cutoff_every_count_and_the_failures() -> None:
    results = {
        "eu-west-1": region_result(
            vaults_scanned=2,
            uploads_found=5,
            uploads_stale=3,
            uploads_aborted=2,
            uploads_already_gone=1,
            uploads_protected=4,
            uploads_skipped=6,
            uploads_capped=7,
            uploads_not_reached=8,
            vaults_gone=9,
            vaults_not_reached=10,
            abort_failures=11,
            vault_failures=12,
            failures=[{"vault": "backups", "upload_id": "id-9", "error": "AccessDeniedException: no"}],
        ),
        "us-east-1": region_result(
            status="incomplete",
            complete=False,
            duration_ms=2905,
            stopped_by="interrupted",
            failures=[{"vault": None, "upload_id": None, "error": "ThrottlingException: slow down"}],
        ),
    }

    assert render_summary_table(ACCOUNT, results) == (
        "Glacier multipart cleanup: APPLIED\n"
        "  account 123456789012\n"
        "  eu-west-1: status ok, complete true, 52 ms\n"
        "  us-east-1: status incomplete, complete false, 2905 ms, stopped: interrupted\n"
        "  stale means created before 2026-11-19T14:03:37.718Z (168 h old)\n"
        "  vaults scanned                     2\n"
        "  uploads found                      5\n"
        "  uploads stale                      3\n"
        "  uploads aborted                    2\n"
        "  uploads already gone               1\n"
        "  uploads protected                  4\n"
        "  uploads skipped (bad date)         6\n"
        "  uploads over max_aborts            7\n"
        "  uploads left (next run)            0\n"
        "  uploads not reached                8\n"
        "  vaults not found                   9\n"
        "  vaults not reached                10\n"
        "  abort failures                    11\n"
        "  vault failures                    12\n"
        "  failures (first ones):\n"
        "    backups id-9: AccessDeniedException: no\n"
        "    - -: ThrottlingException: slow down\n"
    )
    dry = render_summary_table(ACCOUNT, {"eu-west-1": region_result(dry_run=True, older_than_hours=1.5)})
    assert dry.startswith("Glacier multipart cleanup: DRY RUN (nothing aborted)\n")
    assert "(1.5 h old)\n" in dry
    assert "failures (first ones)" not in dry


def test_json_is_indented_by_two_and_ends_with_a_newline() -> None:
    text = render_json(ACCOUNT, "arn", {"eu-west-1": region_result()}, [])

    assert text.startswith('{\n  "status": "ok",\n  "dry_run": false,\n')
    assert text.endswith("\n}\n")


def test_a_summary_of_no_region_at_all_has_no_cutoff_line() -> None:
    # Every region "not started (stopped)": Ctrl-C before the first one began.
    text = render_summary_table(ACCOUNT, {})

    assert text.splitlines()[1:3] == ["  account 123456789012", "  vaults scanned                     0"]
    assert "stale means" not in text


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (1536, "1.5 KiB"),
        (1048575, "1024.0 KiB"),
        (1048576, "1.0 MiB"),
        (5 * 2**30 + 2**29, "5.5 GiB"),
        (2**40, "1.0 TiB"),
        (3 * 2**50, "3072.0 TiB"),  # no unit past TiB
    ],
)
def test_sizes_are_shown_in_binary_units_with_one_decimal(count: int, text: str) -> None:
    assert human_bytes(count) == text


def test_a_measured_run_adds_bytes_and_the_monthly_cost_to_the_summary() -> None:
    measured = region_result(bytes_stale=3 * 2**30, bytes_released=2**30, stale_monthly_cost_usd=0.0108)
    other = region_result(bytes_stale=2**30, bytes_released=0, stale_monthly_cost_usd=0.0036)
    text = render_summary_table(
        ACCOUNT, {"eu-west-1": measured, "us-east-1": other, "ap-south-1": region_result()}
    )
    lines = text.splitlines()
    assert lines[-2].split() == ["bytes", "released", str(2**30)]
    assert lines[-3].split() == ["bytes", "held", "by", "stale", "uploads", str(4 * 2**30)]
    assert lines[-1].split() == [
        "stale",
        "uploads",
        "cost",
        "about",
        "0.01",
        "USD",
        "a",
        "month",
        "(estimate)",
    ]
    assert "bytes held" not in render_summary_table(ACCOUNT, {"eu-west-1": region_result()})


def test_measured_rows_show_parts_size_time_unchanged_and_the_uploader() -> None:
    def measured(
        upload_id: str, action: Action, progress: Progress, unchanged: float | None, **upload: Any
    ) -> Row:
        return Row(
            ACCOUNT,
            "eu-west-1",
            UploadOutcome(
                Upload("v", upload_id, "2026-11-01T00:00:00.000Z", **upload),
                400.0,
                action,
                measured=Measured(progress, unchanged),
                description_mode="full",
            ),
        )

    rows = [
        measured("id-1", Action.ABORTED, Progress(3, 3 * 1048576), 50.5),
        measured("id-2", Action.FIRST_SEEN, Progress(0, 0), None, archive_description='{"Path": "D:/x"}'),
        row("eu-west-1", "v", "id-3", 400.0, "skipped: unusable CreationDate"),
    ]
    assert render_rows_table(rows) == (
        "REGION     VAULT  UPLOAD ID  CREATED                   AGE (H)  PARTS  SIZE     SAME (H)  "
        "ACTION                          UPLOADER           DESCRIPTION\n"
        "eu-west-1  v      id-1       2026-11-01T00:00:00.000Z  400.0    3      3.0 MiB  50.5      "
        "aborted                         -\n"
        "eu-west-1  v      id-2       2026-11-01T00:00:00.000Z  400.0    0      0 B      new       "
        'kept: first seen                CloudBerry/MSP360  {"Path": "D:/x"}\n'
        "eu-west-1  v      id-3       2026-11-01T00:00:00.000Z  400.0    -      -        -         "
        "skipped: unusable CreationDate  -\n"
    )
    assert rows[1].as_dict()["uploader"] == "CloudBerry/MSP360"
    assert (rows[0].as_dict()["parts"], rows[0].as_dict()["bytes"], rows[0].as_dict()["unchanged_hours"]) == (
        3,
        3 * 1048576,
        50.5,
    )


def test_the_measured_summary_keeps_every_count_and_a_zero_cost_is_zero() -> None:
    nothing = region_result(bytes_stale=0, bytes_released=0, stale_monthly_cost_usd=0.0)
    text = render_summary_table(ACCOUNT, {"eu-west-1": nothing})
    assert "  uploads found" in text
    assert text.splitlines()[-1].split()[4:6] == ["0.00", "USD"]


def test_the_terminal_table_shows_each_count_in_its_row() -> None:
    result = {
        "status": "ok",
        "dry_run": False,
        "complete": True,
        "duration_ms": 5,
        "cutoff": "2026-11-19T00:00:00.000Z",
        "older_than_hours": 168,
        "failures": [],
    }
    names = [
        "vaults_scanned", "uploads_found", "uploads_stale", "uploads_aborted", "uploads_already_gone",
        "uploads_protected", "uploads_skipped", "uploads_capped", "uploads_left", "uploads_not_reached",
        "vaults_gone", "vaults_not_reached", "abort_failures", "vault_failures",
    ]  # fmt: skip
    result.update({name: 101 + index for index, name in enumerate(names)})
    table = render_summary_table("123456789012", {"eu-west-1": result})
    labels = {
        "vaults scanned": "vaults_scanned",
        "uploads found": "uploads_found",
        "uploads stale": "uploads_stale",
        "uploads aborted": "uploads_aborted",
        "uploads already gone": "uploads_already_gone",
        "uploads protected": "uploads_protected",
        "uploads skipped (bad date)": "uploads_skipped",
        "uploads over max_aborts": "uploads_capped",
        "uploads left (next run)": "uploads_left",
        "uploads not reached": "uploads_not_reached",
        "vaults not found": "vaults_gone",
        "vaults not reached": "vaults_not_reached",
        "abort failures": "abort_failures",
        "vault failures": "vault_failures",
    }
    rows = {line.strip().rsplit(None, 1)[0].strip(): int(line.split()[-1]) for line in table.splitlines()[4:]}
    assert rows == {label: result[key] for label, key in labels.items()}


def test_cli_json_document_shape(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    glacier = FakeGlacier()
    glacier.add_uploads("a", 2, age_hours=300)
    monkeypatch.setattr(
        terminal_run, "create_session", lambda **_: type("S", (), {"region_name": "eu-west-1"})()
    )
    monkeypatch.setattr(terminal_run, "create_client", lambda **_: object())
    monkeypatch.setattr(terminal_run, "GlacierAdapter", lambda client, account_id: glacier)
    monkeypatch.setattr(
        terminal_run, "caller_identity", lambda session: ("111111111111", "arn:aws:iam::111111111111:user/o")
    )
    status = cli.main(
        ["--output", "json", "--region", "eu-west-1", "--region", "us-east-1", "--no-activity-check"]
    )
    document = json.loads(capsys.readouterr().out)
    assert status == 0
    assert (document["account"], document["caller_arn"]) == (
        "111111111111",
        "arn:aws:iam::111111111111:user/o",
    )
    assert list(document["regions"]) == ["eu-west-1", "us-east-1"]
    # The fake answers in both regions: the totals add them up.
    assert document["uploads_stale"] == 4
    assert [row["region"] for row in document["uploads"]] == [
        "eu-west-1",
        "eu-west-1",
        "us-east-1",
        "us-east-1",
    ]


def test_a_kept_upload_shows_from_when_a_run_may_abort_it() -> None:
    from datetime import UTC, datetime  # noqa: PLC0415 - only this test dates a row

    waiting = Upload("backups", "id-w", "2026-11-01T00:00:00.000Z")
    kept = Row(
        ACCOUNT,
        "eu-west-1",
        UploadOutcome(
            waiting, 400.0, Action.WAITING, measured=Measured(Progress(parts=2, bytes=2048), 100.0)
        ),
        abortable_after=datetime(2026, 12, 9, 6, 0, tzinfo=UTC),
    )
    table = render_rows_table([kept, ROWS[0]])
    header, first, second = table.splitlines()
    assert "ABORTABLE FROM" in header
    assert "kept: idle, waiting  2026-12-09T06:00:00Z" in first
    assert "aborted              -" in second
    assert json.loads(render_json(ACCOUNT, "arn", {}, [kept]))["uploads"][0]["abortable_after"] == (
        "2026-12-09T06:00:00Z"
    )
    assert "ABORTABLE FROM" not in render_rows_table(ROWS)
