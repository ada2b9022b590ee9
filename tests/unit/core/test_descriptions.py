"""Archive descriptions in logs, results and listings (glacier_cleanup.core.descriptions): hashed by default,
in full or left out when the setting says so; the protect pattern always sees the description itself."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from glacier_cleanup import cli
from glacier_cleanup.core.descriptions import DESCRIPTION_MODES, shown
from glacier_cleanup.core.engine import run_cleanup
from glacier_cleanup.core.models import CleanupPlan
from glacier_cleanup.core.outcomes import UploadOutcome
from glacier_cleanup.inputs.settings import Settings, SettingsError
from support.fakes import NOW, FakeGlacier, hours_ago

from unit.test_cli import patched_cli_glacier

PATH = "mt2 /home/alice/tax-returns/2024.pdf"


def test_a_hash_is_a_prefix_of_the_sha256_an_operator_can_compute() -> None:
    digest = hashlib.sha256(PATH.encode()).hexdigest()
    assert shown(PATH, "hashed") == f"sha256:{digest[:16]}"
    assert (shown(PATH, "full"), shown(PATH, "none"), shown(None, "hashed")) == (PATH, None, None)


@pytest.mark.parametrize("mode", DESCRIPTION_MODES)
def test_the_log_line_and_the_outcome_follow_the_setting(
    mode: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    glacier = FakeGlacier()
    glacier.add_upload("v", hours_ago(300), PATH)
    told: list[UploadOutcome] = []
    capsys.readouterr()
    run_cleanup(
        glacier,
        CleanupPlan(dry_run=True, older_than=timedelta(hours=168), descriptions=mode),
        clock=lambda: NOW,
        on_upload=told.append,
    )
    [line] = [json.loads(text) for text in capsys.readouterr().out.splitlines() if "would abort" in text]
    assert line.get("archive_description") == shown(PATH, mode)
    assert PATH not in json.dumps(line) or mode == "full"
    assert told[0].description == shown(PATH, mode)


def test_the_protect_pattern_matches_the_description_itself_whatever_is_shown() -> None:
    glacier = FakeGlacier()
    glacier.add_upload("v", hours_ago(300), PATH)
    summary = run_cleanup(
        glacier,
        CleanupPlan(
            dry_run=True,
            older_than=timedelta(hours=168),
            protect_description=re.compile("tax-returns"),
            descriptions="none",
        ),
        clock=lambda: NOW,
    )
    assert summary.uploads_protected == 1


def test_the_setting_defaults_to_hashed_and_refuses_other_words() -> None:
    assert Settings.from_environ({}).to_plan().descriptions == "hashed"
    assert Settings.from_environ({"CLEANUP_LOG_DESCRIPTIONS": "full"}).to_plan().descriptions == "full"
    with pytest.raises(SettingsError, match="CLEANUP_LOG_DESCRIPTIONS='plain'"):
        Settings.from_environ({"CLEANUP_LOG_DESCRIPTIONS": "plain"})


@pytest.mark.parametrize(
    ("flags", "expected"), [([], shown(PATH, "hashed")), (["--descriptions", "full"], PATH)]
)
def test_the_terminal_tool_shows_them_as_set(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], flags: list[str], expected: str
) -> None:
    glacier = patched_cli_glacier(monkeypatch)
    monkeypatch.delenv("CLEANUP_LOG_DESCRIPTIONS", raising=False)
    glacier.add_upload("media", hours_ago(300), PATH)
    cli.main(["--json", *flags])
    [row] = [row for row in json.loads(capsys.readouterr().out)["uploads"] if row["vault"] == "media"]
    assert row["description"] == expected
