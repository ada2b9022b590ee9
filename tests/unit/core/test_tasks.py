"""core/tasks.py: a bounded front on a thread pool: the producer waits for a slot, a worker runs the task
itself when none is free, and join waits for tasks that tasks submitted."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from glacier_cleanup.core.tasks import BoundedTasks


class Gauge:
    """How many tasks run at once, at most."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = self.most = 0

    def task(self, seconds: float = 0.01) -> None:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(seconds)
        with self._lock:
            self.now -= 1


def test_the_producer_never_has_more_than_max_pending_tasks_queued_or_running() -> None:
    gauge, both_running = Gauge(), threading.Barrier(2, timeout=10)
    met: list[bool] = []

    def meet() -> None:  # the first two wait for each other: two slots are there to be used
        gauge.task(0)
        both_running.wait()
        met.append(True)

    with ThreadPoolExecutor(max_workers=8) as pool:
        tasks = BoundedTasks(pool, max_pending=2)
        tasks.submit(meet)
        tasks.submit(meet)
        for _ in range(20):
            tasks.submit(gauge.task)
        tasks.join()
    assert met == [True, True]
    assert gauge.most <= 2
    assert gauge.now == 0


def test_a_worker_with_no_free_slot_runs_the_task_on_its_own_thread() -> None:
    ran_on: list[tuple[threading.Thread, threading.Thread]] = []
    with ThreadPoolExecutor(max_workers=1) as pool:
        tasks = BoundedTasks(pool, max_pending=1)

        def child(parent: threading.Thread) -> None:
            ran_on.append((parent, threading.current_thread()))

        def parent() -> None:  # holds the only slot: its child cannot be queued
            tasks.submit_or_run(child, threading.current_thread())

        tasks.submit(parent)
        tasks.join()
    [(parent_thread, child_thread)] = ran_on
    assert child_thread is parent_thread


def test_join_waits_for_the_tasks_that_tasks_submitted() -> None:
    done: list[int] = []
    lock = threading.Lock()
    with ThreadPoolExecutor(max_workers=4) as pool:
        tasks = BoundedTasks(pool, max_pending=8)

        def leaf(n: int) -> None:
            time.sleep(0.005)
            with lock:
                done.append(n)

        def lister(vault: int) -> None:
            for n in range(5):
                tasks.submit_or_run(leaf, vault * 10 + n)

        for vault in range(4):
            tasks.submit(lister, vault)
        tasks.join()
        assert sorted(done) == [v * 10 + n for v in range(4) for n in range(5)]


def test_a_task_that_raises_frees_its_slot() -> None:
    def fails() -> None:
        raise RuntimeError("boom")

    with ThreadPoolExecutor(max_workers=1) as pool:
        tasks = BoundedTasks(pool, max_pending=1)
        tasks.submit(fails)
        tasks.join()
        finished = threading.Event()
        tasks.submit(finished.set)  # would wait for good if the failed task had kept the slot
        tasks.join()
    assert finished.is_set()
