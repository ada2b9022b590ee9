"""Notice before abort (glacier_cleanup.core.notice): which uploads the schedule's next run will abort unless
they change, soonest first; two targets' notices merged; a notice read back from a target's result."""

from __future__ import annotations

from datetime import timedelta

from glacier_cleanup.core.notice import FIRST_FEW, Notice, notice_of
from glacier_cleanup.core.outcomes import Action
from support.records import IDLE, RUN_TIME, judged, run_context

NEXT = RUN_TIME + timedelta(days=1, hours=1)  # a day's rate and a 60-minute window


def test_uploads_idle_by_the_next_run_or_held_back_by_a_cap_are_on_notice() -> None:
    outcomes = [
        judged(Action.WAITING, "due", unchanged=150.0, size=100),  # idle in 18 h: before the next run
        judged(Action.WAITING, "later", unchanged=10.0, size=100),  # in 158 h: after it
        judged(Action.FIRST_SEEN, "new", size=7),  # the idle time starts now
        judged(Action.ACTIVE, "busy", unchanged=0.0, size=9),
        judged(Action.CAPPED, "capped", size=50),  # abandoned, held back by max_aborts: now
        judged(Action.ABORTED, "gone", size=5000),  # already aborted: not pending
        judged(Action.PROTECTED, "kept"),
    ]
    notice = notice_of(outcomes, run_context(next_run=NEXT), account="111111111111", region="eu-west-1")

    assert [pending.upload_id for pending in notice.pending] == ["capped", "due"]
    assert notice.pending[0].abortable_after == RUN_TIME
    assert notice.pending[1].abortable_after == RUN_TIME + IDLE - timedelta(hours=150)
    assert (notice.uploads, notice.bytes, notice.next_run) == (2, 150, NEXT)


def test_an_upload_idle_exactly_at_the_next_run_is_on_notice() -> None:
    exactly = judged(Action.WAITING, "edge", unchanged=(IDLE - (NEXT - RUN_TIME)).total_seconds() / 3600)
    notice = notice_of([exactly], run_context(next_run=NEXT), account="1", region="r")
    assert [pending.upload_id for pending in notice.pending] == ["edge"]
    assert notice.pending[0].abortable_after == NEXT


def test_without_a_known_next_run_nothing_is_on_notice() -> None:
    capped = judged(Action.CAPPED, "capped", size=50)
    notice = notice_of([capped], run_context(next_run=None), account="1", region="r")
    assert (notice.next_run, notice.pending, notice.uploads, notice.bytes) == (None, (), 0, 0)


def test_unmeasured_uploads_count_but_add_no_bytes() -> None:
    notice = notice_of([judged(Action.CAPPED, "c")], run_context(next_run=NEXT), account="1", region="r")
    assert (notice.uploads, notice.bytes, notice.pending[0].bytes) == (1, 0, None)


def test_the_result_names_the_first_few_and_counts_them_all() -> None:
    outcomes = [judged(Action.CAPPED, f"u{n}", size=10) for n in range(FIRST_FEW + 3)]
    result = notice_of(outcomes, run_context(next_run=NEXT), account="1", region="r").to_result()
    assert (result["by"], result["to_abort"], result["bytes"]) == ("2026-12-08T07:00:00Z", FIRST_FEW + 3, 80)
    assert len(result["first"]) == FIRST_FEW
    assert result["first"][0] == {
        "account": "1",
        "region": "r",
        "vault": "backups",
        "upload_id": "u0",
        "bytes": 10,
        "abortable_after": "2026-12-07T06:00:00Z",
    }


def test_a_notice_read_back_from_a_result_keeps_the_counts_and_the_first_few() -> None:
    outcomes = [judged(Action.CAPPED, f"u{n}", size=10) for n in range(FIRST_FEW + 3)]
    original = notice_of(outcomes, run_context(next_run=NEXT), account="1", region="r")
    read = Notice.from_result({"next_run": original.to_result()}, account="1", region="r")
    assert (read.next_run, read.uploads, read.bytes) == (NEXT, FIRST_FEW + 3, 80)
    assert read.pending == original.pending[:FIRST_FEW]
    assert Notice.from_result({}, account="1", region="r") == Notice(None, (), (0, 0))


def test_two_targets_merge_into_the_earlier_run_and_the_soonest_uploads() -> None:
    here = notice_of(
        [judged(Action.WAITING, "soon", unchanged=160.0, size=1)],
        run_context(next_run=NEXT),
        account="111111111111",
        region="eu-west-1",
    )
    there = notice_of(
        [judged(Action.CAPPED, "now", size=2), judged(Action.WAITING, "late", unchanged=150.0, size=4)],
        run_context(next_run=NEXT - timedelta(hours=1)),
        account="222222222222",
        region="us-east-1",
    )
    merged = here.merged(there)
    assert [p.upload_id for p in merged.pending] == ["now", "soon", "late"]  # now, in 8 h, in 18 h
    assert (merged.next_run, merged.uploads, merged.bytes) == (NEXT - timedelta(hours=1), 3, 7)
    assert Notice(None).merged(Notice(None)).next_run is None
