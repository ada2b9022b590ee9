"""One way for a run to stop early: the Lambda time budget and an operator's Ctrl-C/SIGTERM alike.

A stopped run starts no new Glacier call; calls in flight finish and are counted. The first reason wins.
"""

from __future__ import annotations

import threading
from typing import Literal

StopReason = Literal["time_budget", "interrupted"]


class Stop:
    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._reason: StopReason | None = None

    def request(self, reason: StopReason) -> bool:
        """Ask the run to stop; True for the request that actually stopped it (say it once)."""
        with self._lock:
            if self._reason is not None:
                return False
            self._reason = reason
            self._event.set()
            return True

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    @property
    def reason(self) -> StopReason | None:
        return self._reason
