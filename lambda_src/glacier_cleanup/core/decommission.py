"""Decommission a named vault (docs/operations.md, "Retiring a vault"): the last step after the archives were
copied out and deleted. For each named vault, in order:

1. refuse a vault that does not exist, or whose lock is in place or cannot be read (a lock's policy may
   forbid what follows, and a completed lock is immutable);
2. optionally put a statement on its access policy that denies new writes, kept beside the policy's own
   statements, so that nothing new starts;
3. abort every upload in progress, whatever its age or activity: the writers of a vault being retired were
   switched off. An upload whose description matches `protect_description` is still kept, and holds the
   vault back;
4. delete the vault once Glacier allows it (no archives as of the last inventory, no write since); until
   then the vault waits, and a later run tries again.

It never deletes an archive. A dry run says what each step would do and calls nothing that changes a vault.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from glacier_cleanup.core.estate import VaultFacts
from glacier_cleanup.core.models import GlacierError, GlacierUnavailableError, ResourceGoneError
from glacier_cleanup.core.ports import GlacierPort, VaultPort

DENY_WRITES_SID = "GlacierCleanupDecommissionDenyWrites"
DENIED_WRITES = ("glacier:InitiateMultipartUpload", "glacier:UploadMultipartPart", "glacier:UploadArchive")
NOT_EMPTY = "InvalidParameterValueException"


class Outcome(enum.StrEnum):
    """Where a vault's decommission stands after this run."""

    DELETED = "deleted"
    WOULD_DELETE = "would be deleted (dry run)"
    WAITING = "waiting for Glacier's next inventory"
    HOLDS_ARCHIVES = "holds archives: delete them first (this tool never deletes an archive)"
    HELD_BY_UPLOADS = "uploads still in progress"
    NOT_FOUND = "refused: no such vault (or deleted by an earlier run)"
    LOCKED = "refused: a vault lock is in place"
    LOCK_UNKNOWN = "refused: the vault lock could not be read"
    FAILED = "failed"

    @property
    def done(self) -> bool:
        return self in (Outcome.DELETED, Outcome.WOULD_DELETE)

    @property
    def needs_attention(self) -> bool:
        """Not a step on the way (waiting for an inventory is): a person must act."""
        return self in (Outcome.LOCKED, Outcome.LOCK_UNKNOWN, Outcome.FAILED, Outcome.HELD_BY_UPLOADS)


@dataclass
class VaultDecommission:
    vault: str
    outcome: Outcome = Outcome.FAILED
    steps: list[str] = field(default_factory=list)
    aborted: int = 0
    protected: int = 0
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "vault": self.vault,
            "outcome": str(self.outcome),
            "done": self.outcome.done,
            "steps": list(self.steps),
            "uploads_aborted": self.aborted,
            "uploads_protected": self.protected,
            "error": self.error,
        }


def decommission(
    vaults: VaultPort,
    glacier: GlacierPort,
    names: Sequence[str],
    *,
    deny_writes: bool,
    dry_run: bool,
    protect_description: re.Pattern[str] | None = None,
) -> list[VaultDecommission]:
    """Each named vault's steps, in the order named; a fault in one vault is its own outcome."""
    if not names:
        return []
    existing = {facts.vault: facts for facts in vaults.iter_vault_facts(only=names)}
    reports = []
    for name in names:
        report = VaultDecommission(name)
        try:
            _retire(
                vaults,
                glacier,
                existing.get(name),
                report,
                deny_writes=deny_writes,
                dry_run=dry_run,
                protect=protect_description,
            )
        except GlacierUnavailableError:
            raise
        except GlacierError as exc:
            report.outcome, report.error = Outcome.FAILED, str(exc)
            report.steps.append(f"failed: {exc}")
        reports.append(report)
    return reports


def _retire(
    vaults: VaultPort,
    glacier: GlacierPort,
    facts: VaultFacts | None,
    report: VaultDecommission,
    *,
    deny_writes: bool,
    dry_run: bool,
    protect: re.Pattern[str] | None,
) -> None:
    if facts is None:
        report.outcome = Outcome.NOT_FOUND
        return
    if facts.lock in ("Locked", None):
        report.outcome = Outcome.LOCKED if facts.lock == "Locked" else Outcome.LOCK_UNKNOWN
        return
    if deny_writes:
        _deny_writes(vaults, facts.vault, report, dry_run)
    remaining = _abort_all(glacier, facts.vault, report, dry_run, protect)
    if remaining:
        report.outcome = Outcome.HELD_BY_UPLOADS
        report.steps.append(f"{remaining} upload(s) kept (protected, or their abort failed): the vault stays")
        return
    if facts.archives:
        report.outcome = Outcome.HOLDS_ARCHIVES
        report.steps.append(f"{facts.archives} archive(s) as of the last inventory ({facts.last_inventory})")
        return
    if dry_run:
        report.outcome = Outcome.WOULD_DELETE
        report.steps.append("would try DeleteVault")
        return
    try:
        vaults.delete_vault(facts.vault)
    except GlacierError as exc:
        if exc.code != NOT_EMPTY:
            raise
        report.outcome = Outcome.WAITING
        report.steps.append(f"DeleteVault refused ({exc.message}): tried again at the next run")
        return
    report.outcome = Outcome.DELETED
    report.steps.append("vault deleted")


def _deny_writes(vaults: VaultPort, vault: str, report: VaultDecommission, dry_run: bool) -> None:
    current = vaults.access_policy(vault)
    policy = with_deny_writes(current)
    if policy == current:
        report.steps.append("new writes already denied by the access policy")
        return
    if dry_run:
        report.steps.append("would add a statement denying new writes to the access policy")
        return
    vaults.set_access_policy(vault, policy)
    report.steps.append("access policy: new writes denied (the policy's own statements kept)")


def with_deny_writes(current: str | None) -> str:
    """The vault's access policy with this tool's Deny statement on new writes (replacing an earlier one of
    its own), every other statement kept as it was."""
    document: dict[str, Any] = json.loads(current) if current else {"Version": "2012-10-17", "Statement": []}
    statements = document.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    kept = [s for s in statements if not (isinstance(s, dict) and s.get("Sid") == DENY_WRITES_SID)]
    ours = {
        "Sid": DENY_WRITES_SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": list(DENIED_WRITES),
        "Resource": "*",
    }
    if any(s == ours for s in statements if isinstance(s, dict)):
        return current or json.dumps(document)
    document["Statement"] = [*kept, ours]
    return json.dumps(document)


def _abort_all(
    glacier: GlacierPort,
    vault: str,
    report: VaultDecommission,
    dry_run: bool,
    protect: re.Pattern[str] | None,
) -> int:
    """Abort (or, in a dry run, count) every upload in progress; the number left in the vault."""
    remaining = 0
    for page in glacier.iter_upload_pages(vault):
        for upload in page:
            if protect is not None and protect.search(upload.archive_description or ""):
                report.protected += 1
                remaining += 1
                continue
            if dry_run:
                report.aborted += 1
                continue
            try:
                glacier.abort_upload(vault, upload.upload_id)
            except ResourceGoneError:
                continue  # finished or aborted meanwhile: gone either way
            except GlacierUnavailableError:
                raise
            except GlacierError as exc:
                remaining += 1
                report.steps.append(f"abort of {upload.upload_id} failed: {exc}")
                continue
            report.aborted += 1
    verb = "would abort" if dry_run else "aborted"
    report.steps.append(f"{verb} {report.aborted} upload(s) in progress")
    return remaining
