"""aws/deadline.py: every attempt is bounded, and no retry starts that could not end before the deadline."""

from __future__ import annotations

from botocore.hooks import HierarchicalEmitter, first_non_none_response
from glacier_cleanup.aws import deadline
from glacier_cleanup.inputs.settings import Settings


def test_every_attempt_waits_at_most_the_connect_and_read_timeouts() -> None:
    config = deadline.attempt_timeouts()
    assert (config.connect_timeout, config.read_timeout) == (deadline.CONNECT_SECONDS, deadline.READ_SECONDS)
    assert deadline.ATTEMPT_SECONDS == deadline.CONNECT_SECONDS + deadline.READ_SECONDS


def test_the_default_time_margin_holds_the_last_attempt_and_the_finish() -> None:
    margin = Settings.model_fields["time_margin_seconds"].default
    assert margin >= deadline.ATTEMPT_SECONDS + deadline.FINISH_SECONDS


def _emitter(seconds_left: float) -> HierarchicalEmitter:
    events = HierarchicalEmitter()
    # botocore's own retry handler, registered before ours: it would retry after 1 s
    events.register("needs-retry.glacier", lambda **_: 1.0)
    deadline.stop_retries_near_deadline(events, "glacier", lambda: seconds_left)
    return events


def test_with_time_to_spare_botocore_decides_the_retry() -> None:
    events = _emitter(deadline.RETRY_CUTOFF_SECONDS + 0.1)
    assert first_non_none_response(events.emit("needs-retry.glacier.AbortMultipartUpload")) == 1.0


def test_below_the_cutoff_no_retry_starts_whatever_botocore_says() -> None:
    events = _emitter(deadline.RETRY_CUTOFF_SECONDS - 0.1)
    assert first_non_none_response(events.emit("needs-retry.glacier.AbortMultipartUpload")) is False


def test_the_cutoff_leaves_room_for_the_longest_backoff_an_attempt_and_the_finish() -> None:
    assert deadline.RETRY_CUTOFF_SECONDS == (
        deadline.MAX_BACKOFF_SECONDS + deadline.ATTEMPT_SECONDS + deadline.FINISH_SECONDS
    )
