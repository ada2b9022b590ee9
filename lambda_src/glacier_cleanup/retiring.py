"""The function's part in retiring vaults (`decommission_vaults`; core/decommission.py): after a run's last
round, the named vaults' steps, logged one line each and carried in the result. A vault a person must act on
(locked, uploads kept, a failure) counts as a vault failure: the run is `partial` and the VaultFailures alarm
says so. A named vault that no longer exists is logged, not a failure: an earlier run deleted it (or the name
is wrong; the line says both)."""

from __future__ import annotations

from typing import Any

from glacier_cleanup.core.decommission import Outcome, decommission
from glacier_cleanup.core.models import CleanupPlan, Failure, RunSummary
from glacier_cleanup.core.ports import GlacierPort, VaultPort
from glacier_cleanup.inputs.settings import Settings
from glacier_cleanup.observability import logger


def retire_vaults(
    vaults: VaultPort, glacier: GlacierPort, settings: Settings, plan: CleanupPlan, summary: RunSummary
) -> list[dict[str, Any]]:
    """Each configured vault's decommission (a dry run when the run is one), into the summary and the logs."""
    reports = decommission(
        vaults,
        glacier,
        settings.decommission_vaults,
        deny_writes=settings.decommission_deny_writes,
        dry_run=plan.dry_run,
        protect_description=plan.protect_description,
    )
    for report in reports:
        keys: dict[str, Any] = {"vault": report.vault, "outcome": str(report.outcome), "steps": report.steps}
        if report.outcome.needs_attention:
            logger.error("vault decommission needs attention", **keys, error=report.error)
            summary.record_failure(
                Failure(report.vault, None, f"decommission: {report.outcome}"), counter="vault_failures"
            )
        elif report.outcome is Outcome.NOT_FOUND:
            logger.warning("vault to decommission not found: deleted by an earlier run, or misnamed", **keys)
        else:
            logger.info("vault decommission", **keys, uploads_aborted=report.aborted)
    return [report.as_dict() for report in reports]
