"""The progress line and the question, without a subprocess."""

from __future__ import annotations

import io
import os
import signal
import time

import pytest
from glacier_cleanup.core.activity import Progress as UploadProgress
from glacier_cleanup.core.models import Upload
from glacier_cleanup.core.stopping import Stop
from glacier_cleanup.terminal import interaction
from glacier_cleanup.terminal.interaction import CountingGlacier, Interrupts, Progress, Tally, confirm
from support.fakes import FakeGlacier
from support.handler_env import FakeTerminal, outcome


def test_progress_line_counts_calls_vaults_uploads_stale_and_aborted() -> None:
    fake = FakeGlacier()
    fake.add_uploads("vault", 60, age_hours=300)
    glacier = CountingGlacier(fake)
    pages = list(glacier.iter_upload_pages("vault"))
    glacier.abort_upload("vault", pages[0][0].upload_id)
    tally = Tally()
    upload = Upload("vault", "u1", "2020-01-01T00:00:00Z")
    for action in ("aborted", "would abort", "protected", "abort failed: X", "not reached: run stopped"):
        tally.see(outcome(upload, 1.0, action))
    line = Progress(io.StringIO(), glacier, tally, "eu-west-1").line()
    assert line.startswith("eu-west-1: vaults scanned 1 | uploads found 60 | stale 4 | aborted 1 | ")
    assert line.endswith(" calls/s")
    assert glacier.calls == 3  # two ListMultipartUploads pages and one abort


def test_progress_writes_only_to_a_terminal() -> None:
    glacier, tally = CountingGlacier(FakeGlacier()), Tally()
    piped = io.StringIO()
    with Progress(piped, glacier, tally, "r"):
        time.sleep(0.1)
    assert piped.getvalue() == ""
    terminal = FakeTerminal()
    with Progress(terminal, glacier, tally, "r"):
        # drawn at once, and again half a second later (waited for, not slept: a busy machine is slower)
        deadline = time.monotonic() + 30
        while terminal.getvalue().count("\r\033[Kr: ") < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert terminal.getvalue().count("\r\033[Kr: ") >= 2
    assert terminal.getvalue().startswith("\r\033[Kr: vaults scanned 0 | ")  # each refresh rewrites the line
    assert terminal.getvalue().endswith("\r\033[K")  # the line is cleared at the end


def test_progress_is_redrawn_every_half_second() -> None:
    waits: list[float] = []

    class Done:
        """The progress loop's stop event: records each wait, and ends the loop at the third."""

        def wait(self, timeout: float) -> bool:
            waits.append(timeout)
            return len(waits) == 3

        def set(self) -> None:
            pass

    terminal = FakeTerminal()
    progress = Progress(terminal, CountingGlacier(FakeGlacier()), Tally(), "r")
    progress._done = Done()  # type: ignore[assignment]
    progress._loop()
    assert waits == [0.5, 0.5, 0.5]
    assert terminal.getvalue().count("\r\033[Kr: ") == 3  # drawn before each wait


def test_only_y_or_yes_confirms() -> None:
    for answer, expected in (("y\n", True), ("YES\n", True), ("\n", False), ("no\n", False), ("", False)):
        out = io.StringIO()
        assert confirm("Abort 3?", io.StringIO(answer), out) is expected
        assert out.getvalue() == "Abort 3? [y/N] "


def test_the_first_signal_stops_the_run_and_the_second_quits_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    stop, err = Stop(), io.StringIO()
    interrupts = Interrupts(stop, err)
    exits: list[int] = []
    monkeypatch.setattr(os, "_exit", exits.append)

    interrupts._handle(signal.SIGTERM, None)

    assert (stop.requested, stop.reason, exits) == (True, "interrupted", [])
    assert err.getvalue() == (
        "\nSIGTERM: stopping; no new Glacier calls, waiting for the ones in flight "
        "(press Ctrl-C again to quit at once)\n"
    )
    interrupts._handle(signal.SIGINT, None)
    assert exits == [130]
    assert err.getvalue().endswith("(press Ctrl-C again to quit at once)\nquitting now\n")
    assert interrupts.received == 2


def test_the_counting_glacier_counts_each_call_and_passes_it_through() -> None:
    fake = FakeGlacier()
    upload_id = fake.add_upload("vault", "2020-01-01T00:00:00.000Z", parts=2)
    glacier = CountingGlacier(fake)

    assert list(glacier.iter_vault_pages()) == [["vault"]]
    assert glacier.upload_progress("vault", upload_id) == UploadProgress(2, 2 * 1024 * 1024)
    assert glacier.calls == 2
    assert fake.call_log == [("ListVaults", "0"), ("ListParts", upload_id)]


def test_the_tally_counts_every_stale_verdict_and_each_abort() -> None:
    tally = Tally()
    upload = Upload("vault", "u1", "2020-01-01T00:00:00Z")
    for action in (
        "aborted",
        "aborted",
        "already gone",
        "would abort",
        "protected",
        "skipped: unusable CreationDate",
    ):
        tally.see(outcome(upload, 1.0, action))
    assert (tally.stale, tally.aborted) == (4, 2)


@pytest.mark.parametrize(("seconds", "rate"), [(4.0, "0.5"), (0.5, "4.0")])
def test_the_progress_line_shows_calls_per_second_since_it_began(
    monkeypatch: pytest.MonkeyPatch, seconds: float, rate: str
) -> None:
    clock = iter([100.0, 100.0 + seconds])
    monkeypatch.setattr(interaction.time, "monotonic", lambda: next(clock))
    fake = FakeGlacier()
    fake.add_uploads("vault", 3, age_hours=300)
    glacier = CountingGlacier(fake)
    list(glacier.iter_vault_pages())
    list(glacier.iter_upload_pages("vault"))

    line = Progress(io.StringIO(), glacier, Tally(), "eu-west-1").line()

    assert line == f"eu-west-1: vaults scanned 1 | uploads found 3 | stale 0 | aborted 0 | {rate} calls/s"
