"""core/stopping.py: one stop for a run, whoever asks first."""

from __future__ import annotations

import threading

from glacier_cleanup.core.stopping import Stop


def test_a_new_stop_is_not_requested() -> None:
    stop = Stop()
    assert not stop.requested
    assert stop.reason is None


def test_the_first_reason_wins_and_only_its_request_says_so() -> None:
    stop = Stop()
    assert stop.request("time_budget") is True
    assert stop.request("interrupted") is False
    assert stop.requested
    assert stop.reason == "time_budget"


def test_of_many_threads_asking_at_once_exactly_one_stops_the_run() -> None:
    stop, start = Stop(), threading.Barrier(16)
    answers: list[tuple[str, bool]] = []
    lock = threading.Lock()

    def ask(reason: str) -> None:
        start.wait()
        stopped = stop.request(reason)  # type: ignore[arg-type]
        with lock:
            answers.append((reason, stopped))

    threads = [
        threading.Thread(target=ask, args=("time_budget" if n % 2 else "interrupted",)) for n in range(16)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [reason for reason, stopped in answers if stopped]
    assert len(winners) == 1
    assert stop.reason == winners[0]
