"""A round's records and notice collected as the run goes (glacier_cleanup.core.run_round): the records body
equals the records a writer of the whole list makes, the notice equals the one computed from every outcome,
and what is kept stays small: compressed records, the notice's counts and first few."""

from __future__ import annotations

import gzip
import threading
from datetime import timedelta

from glacier_cleanup.core.notice import FIRST_FEW, notice_of
from glacier_cleanup.core.outcomes import Action, UploadOutcome
from glacier_cleanup.core.records import decision_record, json_lines
from glacier_cleanup.core.run_round import RoundRecorder
from support.records import RUN_TIME, judged, run_context

NEXT = RUN_TIME + timedelta(days=1, hours=1)
ACTIONS = [Action.ABORTED, Action.WAITING, Action.FIRST_SEEN, Action.CAPPED, Action.PROTECTED, Action.ACTIVE]


def outcomes(count: int) -> list[UploadOutcome]:
    return [
        judged(ACTIONS[n % len(ACTIONS)], f"u{n:05d}", unchanged=float(100 + n % 90), size=n + 1)
        for n in range(count)
    ]


def test_the_body_holds_every_record_as_the_writer_of_a_list_would() -> None:
    run = run_context(next_run=NEXT)
    recorder = RoundRecorder(run, account="1", region="r", keep_records=True)
    judged_ = outcomes(300)
    for outcome in judged_:
        recorder(outcome)
    expected = json_lines(
        [decision_record(o, account="1", region="r", run=run) for o in judged_], compress=False
    )
    assert gzip.decompress(recorder.records_body()) == expected
    assert recorder.records == 300


def test_the_notice_is_the_one_every_outcome_gives_with_only_the_first_few_kept() -> None:
    run = run_context(next_run=NEXT)
    recorder = RoundRecorder(run, account="1", region="r", keep_records=False)
    judged_ = outcomes(500)
    threads = [
        threading.Thread(target=lambda part=judged_[i::4]: [recorder(o) for o in part]) for i in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    whole = notice_of(judged_, run, account="1", region="r")
    collected = recorder.notice()
    assert (collected.next_run, collected.uploads, collected.bytes) == (
        whole.next_run,
        whole.uploads,
        whole.bytes,
    )
    assert whole.uploads > FIRST_FEW
    assert collected.pending == whole.pending[:FIRST_FEW]
    assert collected.to_result() == whole.to_result()
    assert recorder.records == 0
    assert gzip.decompress(recorder.records_body()) == b""


def test_without_a_known_next_run_nothing_is_on_notice() -> None:
    recorder = RoundRecorder(run_context(next_run=None), account="1", region="r", keep_records=True)
    recorder(judged(Action.CAPPED, "c"))
    assert (recorder.notice().uploads, recorder.notice().next_run) == (0, None)
    assert recorder.records == 1


def test_the_records_are_kept_compressed() -> None:
    recorder = RoundRecorder(run_context(next_run=NEXT), account="1", region="r", keep_records=True)
    judged_ = outcomes(5000)
    for outcome in judged_:
        recorder(outcome)
    plain = len(
        json_lines(
            [decision_record(o, account="1", region="r", run=recorder.run) for o in judged_], compress=False
        )
    )
    assert len(recorder.records_body()) * 5 < plain
