"""Retiring named vaults (glacier_cleanup.core.decommission) on in-memory ports: each step and why a vault
stops where it does; the policy statement merged, not replaced; protected uploads kept; no archive touched;
a fault in one vault its own outcome."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from glacier_cleanup.core.decommission import DENY_WRITES_SID, Outcome, decommission, with_deny_writes
from glacier_cleanup.core.estate import VaultFacts
from glacier_cleanup.core.models import AccessDeniedError, GlacierError
from support.fakes import FakeGlacier, hours_ago


class FakeVaults:
    def __init__(self, glacier: FakeGlacier, **facts: dict[str, Any]) -> None:
        self.glacier = glacier
        self.facts = facts
        self.policies: dict[str, str] = {}
        self.deleted: list[str] = []
        self.delete_error: GlacierError | None = None

    def iter_vault_facts(self, only: Any = ()) -> Iterator[VaultFacts]:
        for name in sorted(name for name in self.glacier.vaults if not only or name in only):
            values: dict[str, Any] = {"archives": 0, "size_bytes": 0, "lock": "none"}
            values.update(self.facts.get(name, {}))
            yield VaultFacts(
                name, None, "2026-12-01T00:00:00.000Z", access_policy=name in self.policies, **values
            )

    def access_policy(self, vault: str) -> str | None:
        return self.policies.get(vault)

    def set_access_policy(self, vault: str, policy: str) -> None:
        self.policies[vault] = policy

    def delete_vault(self, vault: str) -> None:
        if self.delete_error is not None:
            raise self.delete_error
        self.deleted.append(vault)
        del self.glacier.vaults[vault]


@pytest.fixture
def glacier() -> FakeGlacier:
    fake = FakeGlacier()
    fake.add_upload("old", hours_ago(900), "nightly")
    fake.add_upload("old", hours_ago(1), "started an hour ago")
    fake.create_vault("other")
    fake.add_upload("other", hours_ago(900))
    return fake


def test_every_upload_is_aborted_whatever_its_age_and_the_vault_deleted(glacier: FakeGlacier) -> None:
    vaults = FakeVaults(glacier)
    [report] = decommission(vaults, glacier, ["old"], deny_writes=False, dry_run=False)
    assert (report.outcome, report.aborted) == (Outcome.DELETED, 2)
    assert vaults.deleted == ["old"]
    assert glacier.remaining("other")  # only the named vault


def test_a_dry_run_calls_nothing_that_changes_a_vault(glacier: FakeGlacier) -> None:
    vaults = FakeVaults(glacier)
    [report] = decommission(vaults, glacier, ["old"], deny_writes=True, dry_run=True)
    assert (report.outcome, report.aborted) == (Outcome.WOULD_DELETE, 2)
    assert (glacier.aborted, vaults.deleted, vaults.policies) == ([], [], {})
    assert report.steps[0] == "would add a statement denying new writes to the access policy"


def test_glaciers_refusal_to_delete_means_waiting_for_the_next_inventory(glacier: FakeGlacier) -> None:
    vaults = FakeVaults(glacier)
    vaults.delete_error = GlacierError(
        "InvalidParameterValueException", "Vault not empty or recently written to"
    )
    [report] = decommission(vaults, glacier, ["old"], deny_writes=False, dry_run=False)
    assert report.outcome is Outcome.WAITING
    assert not report.outcome.needs_attention
    assert report.steps[-1].startswith("DeleteVault refused (Vault not empty or recently written to)")


def test_archives_as_of_the_inventory_hold_the_vault_and_none_is_deleted(glacier: FakeGlacier) -> None:
    vaults = FakeVaults(glacier, old={"archives": 4})
    [report] = decommission(vaults, glacier, ["old"], deny_writes=False, dry_run=False)
    assert (report.outcome, report.aborted, vaults.deleted) == (Outcome.HOLDS_ARCHIVES, 2, [])


@pytest.mark.parametrize(("lock", "outcome"), [("Locked", Outcome.LOCKED), (None, Outcome.LOCK_UNKNOWN)])
def test_a_locked_vault_or_one_whose_lock_cannot_be_read_is_refused_untouched(
    glacier: FakeGlacier, lock: str | None, outcome: Outcome
) -> None:
    vaults = FakeVaults(glacier, old={"lock": lock})
    [report] = decommission(vaults, glacier, ["old"], deny_writes=True, dry_run=False)
    assert report.outcome is outcome
    assert report.outcome.needs_attention
    assert (glacier.aborted, vaults.policies, vaults.deleted) == ([], {}, [])


def test_a_missing_vault_is_refused_and_the_others_go_on(glacier: FakeGlacier) -> None:
    vaults = FakeVaults(glacier)
    reports = decommission(vaults, glacier, ["typo", "old"], deny_writes=False, dry_run=False)
    assert [r.outcome for r in reports] == [Outcome.NOT_FOUND, Outcome.DELETED]


def test_protected_uploads_are_kept_and_hold_the_vault(glacier: FakeGlacier) -> None:
    vaults = FakeVaults(glacier)
    [report] = decommission(
        vaults, glacier, ["old"], deny_writes=False, dry_run=False, protect_description=re.compile("^nightly")
    )
    assert (report.outcome, report.aborted, report.protected) == (Outcome.HELD_BY_UPLOADS, 1, 1)
    assert vaults.deleted == []


def test_a_failed_abort_keeps_the_vault_and_says_which(glacier: FakeGlacier) -> None:
    upload = sorted(glacier.remaining("old"))[0]
    glacier.abort_errors[upload] = AccessDeniedError("AccessDeniedException", "no")
    vaults = FakeVaults(glacier)
    [report] = decommission(vaults, glacier, ["old"], deny_writes=False, dry_run=False)
    assert report.outcome is Outcome.HELD_BY_UPLOADS
    assert any(step.startswith(f"abort of {upload} failed") for step in report.steps)


def test_a_fault_in_one_vault_is_its_outcome(glacier: FakeGlacier) -> None:
    glacier.list_errors["old"] = GlacierError("ServiceUnavailableException", "later")
    vaults = FakeVaults(glacier)
    reports = decommission(vaults, glacier, ["old", "other"], deny_writes=False, dry_run=False)
    assert [r.outcome for r in reports] == [Outcome.FAILED, Outcome.DELETED]
    assert reports[0].error == "ServiceUnavailableException: later"


def test_the_deny_statement_joins_the_policys_own_and_is_not_added_twice() -> None:
    theirs = {
        "Sid": "Auditors",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "glacier:Describe*",
        "Resource": "*",
    }
    current = json.dumps({"Version": "2012-10-17", "Statement": [theirs]})
    merged = with_deny_writes(current)
    statements = json.loads(merged)["Statement"]
    assert statements[0] == theirs
    assert statements[1]["Sid"] == DENY_WRITES_SID
    assert statements[1]["Effect"] == "Deny"
    assert with_deny_writes(merged) == merged
    assert [s["Sid"] for s in json.loads(with_deny_writes(None))["Statement"]] == [DENY_WRITES_SID]
