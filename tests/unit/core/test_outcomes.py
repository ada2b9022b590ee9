"""What a run did with each upload (glacier_cleanup.core.outcomes): the listing's label, which actions count
as stale, and what an outcome shows of the archive description."""

from __future__ import annotations

from typing import Any

import pytest
from glacier_cleanup.core.models import Upload
from glacier_cleanup.core.outcomes import Action, UploadOutcome


@pytest.mark.parametrize(
    ("action", "code", "label", "stale"),
    [
        (Action.WOULD_ABORT, None, "would abort", True),
        (Action.ABORTED, None, "aborted", True),
        (Action.ALREADY_GONE, None, "already gone", True),
        (Action.ABORT_FAILED, "AccessDeniedException", "abort failed: AccessDeniedException", True),
        (Action.NOT_REACHED, None, "not reached: run stopped", True),
        (Action.CAPPED, None, "not aborted: max_aborts reached", True),
        (Action.PROTECTED, None, "protected", False),
        (Action.SKIPPED, None, "skipped: unusable CreationDate", False),
    ],
)
def test_each_action_is_shown_by_its_label_and_knows_whether_it_is_stale(
    action: Action, code: Any, label: str, stale: bool
) -> None:
    outcome = UploadOutcome(Upload("v", "u", None), None, action, code)
    assert (outcome.label, action.is_stale) == (label, stale)


def test_the_activity_check_keeps_four_kinds_and_none_of_them_is_stale() -> None:
    kept = {action for action in Action if action.is_kept_by_activity}
    assert kept == {Action.FIRST_SEEN, Action.ACTIVE, Action.WAITING, Action.ACTIVITY_UNKNOWN}
    assert not any(action.is_stale for action in kept)


def test_an_outcome_shows_the_description_as_the_run_was_asked_to() -> None:
    upload = Upload("v", "u", None, "<m><v>2</v><p>YmFja3VwLnRhcg==</p><lm>20250101T000000Z</lm></m>")
    full = UploadOutcome(upload, 200.0, Action.ABORTED, description_mode="full")
    hashed = UploadOutcome(upload, 200.0, Action.ABORTED)
    hidden = UploadOutcome(upload, 200.0, Action.ABORTED, description_mode="none")
    assert full.description == upload.archive_description
    assert str(hashed.description).startswith("sha256:")
    assert upload.archive_description not in str(hashed.description)
    assert hidden.description is None
    # Whose upload it is does not depend on how the description is shown.
    assert full.uploader == hashed.uploader == hidden.uploader == "FastGlacier/CrushFTP"
    assert UploadOutcome(Upload("v", "u", None, "anything"), 1.0, Action.ABORTED).uploader is None
