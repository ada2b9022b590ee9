"""A thread pool front that bounds how much work is queued, for the engine's listing and aborting.

The caller's thread produces tasks and waits for a free slot; a worker that produces tasks (a vault's
lister submitting its aborts) never waits: when the queue is full it runs the task itself ("caller
runs"). That bounds memory, can never deadlock the pool, and keeps every worker busy.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any


class BoundedTasks:
    """A thread pool front that bounds how many tasks are queued or running at once.

    The producer thread (not a worker) blocks until a slot frees up. A worker never blocks on a slot:
    it runs the task itself instead, so workers waiting on each other cannot deadlock the pool.
    """

    def __init__(self, pool: ThreadPoolExecutor, *, max_pending: int) -> None:
        self._pool = pool
        self._slots = threading.BoundedSemaphore(max_pending)
        self._pending = 0
        self._all_done = threading.Condition()

    def submit(self, task: Callable[..., None], *args: Any) -> None:
        """For the producer thread: wait for a free slot."""
        self._slots.acquire()
        self._start(task, args)

    def submit_or_run(self, task: Callable[..., None], *args: Any) -> None:
        """For worker threads: queue the task if a slot is free, else run it now on this thread."""
        if self._slots.acquire(blocking=False):
            self._start(task, args)
        else:
            task(*args)

    def join(self) -> None:
        """Wait until every task, including tasks that tasks submitted, has finished."""
        with self._all_done:
            self._all_done.wait_for(lambda: self._pending == 0)

    def _start(self, task: Callable[..., None], args: tuple[Any, ...]) -> None:
        with self._all_done:
            self._pending += 1
        self._pool.submit(self._run, task, args)

    def _run(self, task: Callable[..., None], args: tuple[Any, ...]) -> None:
        try:
            task(*args)
        finally:
            self._slots.release()
            with self._all_done:
                self._pending -= 1
                if self._pending == 0:
                    self._all_done.notify_all()
