"""core/run_message.py: the run summary for people says what was aborted, what is due at the next run (the
first few by name), what failed and what to do, and where the records are; it is sent only when there is
news, unless asked for every run."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from glacier_cleanup.core.notice import FIRST_FEW, Notice, PendingAbort
from glacier_cleanup.core.run_message import SUBJECT_LIMIT, RunTotals, run_message

NEXT = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)


def pending(n: int) -> tuple[PendingAbort, ...]:
    return tuple(
        PendingAbort(
            "111111111111", "eu-west-1", "nightly", f"upload-{i}", 2**20, NEXT - timedelta(hours=9 - i)
        )
        for i in range(n)
    )


def totals(**values: object) -> RunTotals:
    result = {"status": "ok", "dry_run": False, **values}
    return RunTotals.of(result, {}, rounds=1)


def test_a_quiet_run_with_nothing_due_sends_nothing_unless_asked() -> None:
    quiet = run_message(name="target default", run_id="r", totals=totals(), notice=Notice(NEXT))
    assert quiet["send"] is False
    assert "nothing is due to be aborted" in quiet["text"]
    assert run_message(name="t", run_id="r", totals=totals(), notice=Notice(NEXT), always=True)["send"]


def test_aborts_and_the_notice_are_told_with_the_first_few_by_name() -> None:
    due = pending(FIRST_FEW + 2)
    message = run_message(
        name="target default",
        run_id="schedule-20261207T060000Z",
        totals=totals(uploads_aborted=3, uploads_stale=3, bytes_released=3 * 2**30),
        notice=Notice(NEXT, due),
        records="s3://records-bucket/records/year=2026/month=12/day=07/",
    )
    text = message["text"]
    assert message["send"] is True
    assert "Aborted: 3 uploads, 3.0 GiB released." in text
    assert f"(by 2026-12-08 07:00 UTC) unless they change: {FIRST_FEW + 2} uploads, 7.0 MiB:" in text
    named = [line for line in text.splitlines() if line.startswith("  - ")]
    assert [line.split()[2] for line in named] == [p.upload_id for p in due[:FIRST_FEW]]
    assert "...and 2 more" in text
    assert "s3://records-bucket/records/year=2026/month=12/day=07/" in text
    assert (
        message["subject"]
        == f"Glacier cleanup target default: 3 aborted, {FIRST_FEW + 2} due next run, status ok"
    )


def test_failures_say_what_to_do_and_the_subject_fits_sns() -> None:
    message = run_message(
        name="target " + "x" * 120,
        run_id="r",
        totals=totals(status="partial", abort_failures=2),
        notice=Notice(None),
        failures=[{"vault": "v", "upload_id": "u", "error": "ServiceUnavailableException"}],
    )
    assert message["send"] is True
    assert "Failures: 2 (v u: ServiceUnavailableException)." in message["text"]
    assert "What to do:" in message["text"]
    assert "not known (no schedule)" in message["text"]
    assert len(message["subject"]) <= SUBJECT_LIMIT


def test_a_dry_run_says_what_it_would_have_aborted() -> None:
    message = run_message(
        name="t", run_id="r", totals=totals(dry_run=True, uploads_stale=4), notice=Notice(NEXT)
    )
    assert "Dry run: 4 stale uploads would have been aborted; nothing was aborted." in message["text"]
    assert message["send"] is True


def test_earlier_rounds_count_and_bytes_are_not_claimed_for_a_run_of_several() -> None:
    run = RunTotals.of(
        {"status": "ok", "uploads_aborted": 2, "bytes_released": 10}, {"uploads_aborted": 5}, rounds=3
    )
    assert (run.aborted, run.bytes_released, run.rounds) == (7, None, 3)


def test_every_protocol_gets_its_form_chatbot_its_custom_notification() -> None:
    message = run_message(name="t", run_id="r", totals=totals(uploads_aborted=1), notice=Notice(NEXT))
    sns = message["sns"]
    assert sns["default"] == sns["email"] == message["text"]
    chat = json.loads(sns["https"])
    assert (chat["version"], chat["source"]) == ("1.0", "custom")
    assert chat["content"]["description"] == message["text"]


def test_the_vaults_being_retired_are_told_and_news_is_sent() -> None:
    def message(*retiring: dict[str, object]) -> dict[str, object]:
        return run_message(name="t", run_id="r", totals=totals(), notice=Notice(NEXT), retiring=retiring)

    deleted = message({"vault": "old-tapes", "outcome": "deleted", "uploads_aborted": 0})
    assert deleted["send"] is True
    assert "Vaults being retired:\n- old-tapes: deleted" in str(deleted["text"])
    emptied = message(
        {"vault": "old-tapes", "outcome": "waiting for Glacier's next inventory", "uploads_aborted": 3}
    )
    assert emptied["send"] is True
    assert "- old-tapes: waiting for Glacier's next inventory (3 upload(s) aborted)" in str(emptied["text"])
    waiting = message(
        {"vault": "old-tapes", "outcome": "waiting for Glacier's next inventory", "uploads_aborted": 0}
    )
    assert waiting["send"] is False  # a day's wait is no news
    assert "Vaults being retired" not in str(message()["text"])
