"""The function's part in retiring vaults (glacier_cleanup.retiring): a vault a person must act on is a vault
failure of the run (status partial, the VaultFailures alarm); a vault no longer there is said, not a
failure; the run's dry run is the decommission's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from glacier_cleanup.core.estate import VaultFacts
from glacier_cleanup.core.models import CleanupPlan, RunSummary
from glacier_cleanup.inputs.settings import Settings
from glacier_cleanup.retiring import retire_vaults
from support.fakes import NOW, FakeGlacier, hours_ago


class Vaults:
    def __init__(self, glacier: FakeGlacier, locked: set[str]) -> None:
        self.glacier, self.locked, self.deleted = glacier, locked, []  # type: ignore[var-annotated]

    def iter_vault_facts(self, only: Any = ()) -> Iterator[VaultFacts]:
        for name in sorted(self.glacier.vaults):
            if not only or name in only:
                yield VaultFacts(
                    name, None, None, 0, 0, False, "Locked" if name in self.locked else "none", False
                )

    def access_policy(self, vault: str) -> str | None:
        return None

    def set_access_policy(self, vault: str, policy: str) -> None:
        raise AssertionError("deny_writes is off")

    def delete_vault(self, vault: str) -> None:
        self.deleted.append(vault)


@pytest.fixture
def glacier() -> FakeGlacier:
    fake = FakeGlacier()
    fake.add_upload("retiring", hours_ago(1))
    fake.add_upload("locked", hours_ago(1))
    return fake


def retire(
    glacier: FakeGlacier, *, dry_run: bool, names: str
) -> tuple[list[dict[str, Any]], RunSummary, Vaults]:
    settings = Settings.from_environ({"CLEANUP_DECOMMISSION_VAULTS": names})
    plan = CleanupPlan(dry_run=dry_run, older_than=timedelta(hours=168))
    summary = RunSummary(dry_run, 168.0, NOW)
    vaults = Vaults(glacier, {"locked"})
    return retire_vaults(vaults, glacier, settings, plan, summary), summary, vaults


def test_a_locked_vault_is_a_failure_and_a_missing_one_is_not(glacier: FakeGlacier) -> None:
    reports, summary, vaults = retire(glacier, dry_run=False, names="retiring,locked,gone")
    assert [r["outcome"] for r in reports] == [
        "deleted",
        "refused: a vault lock is in place",
        "refused: no such vault (or deleted by an earlier run)",
    ]
    assert summary.status == "partial"
    assert [f.as_dict() for f in summary.failures] == [
        {"vault": "locked", "upload_id": None, "error": "decommission: refused: a vault lock is in place"}
    ]
    assert vaults.deleted == ["retiring"]
    assert [vault for vault, _ in glacier.aborted] == ["retiring"]  # not the locked one's upload


def test_the_runs_dry_run_is_the_decommissions(glacier: FakeGlacier) -> None:
    reports, summary, vaults = retire(glacier, dry_run=True, names="retiring")
    assert reports[0]["outcome"] == "would be deleted (dry run)"
    assert (glacier.aborted, vaults.deleted, summary.status) == ([], [], "ok")
