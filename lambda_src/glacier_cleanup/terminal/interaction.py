"""The terminal side of `glacier-cleanup`: a live progress line, the question before deleting, Ctrl-C.

No library: the progress line shows counters of a run whose size is unknown until it ends, which is not
what progress-bar libraries are built around, and nothing here may enter the Lambda asset's dependencies.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from types import FrameType
from typing import TextIO

from glacier_cleanup.core.activity import Progress as UploadProgress
from glacier_cleanup.core.engine import GlacierPort
from glacier_cleanup.core.models import Upload
from glacier_cleanup.core.outcomes import Action, UploadOutcome
from glacier_cleanup.core.stopping import Stop
from glacier_cleanup.terminal.exits import EXIT_INTERRUPTED


class Interrupts:
    """The first SIGINT or SIGTERM stops the run (no new Glacier call, calls in flight finish); the second
    exits at once with 130."""

    def __init__(self, stop: Stop, err: TextIO) -> None:
        self._stop = stop
        self._err = err
        self.received = 0

    def install(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        self.received += 1
        if self.received == 1:
            self._stop.request("interrupted")
            self._err.write(
                f"\n{signal.Signals(signum).name}: stopping; no new Glacier calls, waiting for the ones in "
                "flight (press Ctrl-C again to quit at once)\n"
            )
            self._err.flush()
            return
        self._err.write("quitting now\n")
        self._err.flush()
        os._exit(EXIT_INTERRUPTED)


class CountingGlacier:
    """A GlacierPort that counts what the progress line shows: calls, vaults, uploads."""

    def __init__(self, inner: GlacierPort) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self.calls = 0
        self.vaults_listed = 0
        self.uploads_found = 0

    def _count(self, calls: int = 0, vaults: int = 0, uploads: int = 0) -> None:
        with self._lock:
            self.calls += calls
            self.vaults_listed += vaults
            self.uploads_found += uploads

    def iter_vault_pages(self) -> Iterator[list[str]]:
        for page in self._inner.iter_vault_pages():
            self._count(calls=1)
            yield page

    def iter_upload_pages(self, vault: str) -> Iterator[list[Upload]]:
        for page in self._inner.iter_upload_pages(vault):
            self._count(calls=1, uploads=len(page))
            yield page
        self._count(vaults=1)

    def abort_upload(self, vault: str, upload_id: str) -> None:
        self._count(calls=1)
        self._inner.abort_upload(vault, upload_id)

    def upload_progress(self, vault: str, upload_id: str) -> UploadProgress:
        self._count(calls=1)
        return self._inner.upload_progress(vault, upload_id)


class Tally:
    """Stale and aborted uploads as the run decides them (the engine's upload observer)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.stale = 0
        self.aborted = 0

    def see(self, outcome: UploadOutcome) -> None:
        with self._lock:
            if outcome.action.is_stale:
                self.stale += 1
            if outcome.action is Action.ABORTED:
                self.aborted += 1


class Progress:
    """One line on the terminal, rewritten twice a second; nothing at all when `stream` is not a TTY."""

    def __init__(self, stream: TextIO, glacier: CountingGlacier, tally: Tally, region: str) -> None:
        self._stream = stream
        self._glacier = glacier
        self._tally = tally
        self._region = region
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = time.monotonic()

    def line(self) -> str:
        elapsed = max(time.monotonic() - self._started, 1e-6)
        g, t = self._glacier, self._tally
        return (
            f"{self._region}: vaults scanned {g.vaults_listed} | uploads found {g.uploads_found} | "
            f"stale {t.stale} | aborted {t.aborted} | {g.calls / elapsed:.1f} calls/s"
        )

    def __enter__(self) -> Progress:
        if self._stream.isatty():
            self._thread = threading.Thread(target=self._loop, name="progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()
            self._stream.write("\r\033[K")
            self._stream.flush()

    def _loop(self) -> None:
        while True:  # at once, then twice a second
            self._stream.write("\r\033[K" + self.line())
            self._stream.flush()
            if self._done.wait(0.5):
                return


def confirm(question: str, stdin: TextIO, stream: TextIO) -> bool:
    """Ask on the terminal; only "y" or "yes" means yes (end of input means no)."""
    stream.write(f"{question} [y/N] ")
    stream.flush()
    answer = stdin.readline()
    return answer.strip().lower() in ("y", "yes")
