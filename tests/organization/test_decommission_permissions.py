"""A target stack that retires a vault (`decommission_vaults`), checked by use on the local AWS: the
template's roles deployed locally, every call evaluated against them. The decommission grants are used, sit
on the named vault only, and without them the run says the vault needs a person."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support.handler_env import fresh_powertools

from glacier_emulator.handles import InProcessHandle
from local_harness import org_harness

from .permissions_support import deployed_statements, unused_grants, without_statement

pytestmark = pytest.mark.slow
ACCOUNT, REGION = "123456789012", "us-east-1"
OLD = "2026-01-01T00:00:00.000Z"


@pytest.fixture
def deployed(glacier_in_process: InProcessHandle, tmp_path: Path) -> tuple[InProcessHandle, Any]:
    target = {
        "name": "local",
        "account": ACCOUNT,
        "region": REGION,
        "dry_run": False,
        "decommission_vaults": ["retiring"],
        "decommission_deny_writes": True,
        # Every run publishes its summary, so the state machine's sns:Publish is used too.
        "summary_always": True,
    }
    (template,) = org_harness.synthesize({"targets": [target]}, tmp_path / "cdk.out").values()
    stack = org_harness.deploy_hub(glacier_in_process, template, account=ACCOUNT, region=REGION)
    glacier_in_process.create_vault("backups")
    glacier_in_process.create_vault("retiring")
    glacier_in_process.seed("retiring", 2, creation_date=OLD)
    return glacier_in_process, stack


def run(glacier: InProcessHandle, stack: Any) -> dict[str, Any] | str:
    with fresh_powertools():
        try:
            outcome = org_harness.run_execution(glacier, stack, {})
        except RuntimeError as failed:
            return str(failed)
    result: dict[str, Any] = outcome["result"]
    return result


def roles(glacier: InProcessHandle) -> Any:
    iam = glacier.aws_client("iam")
    names = [
        r["RoleName"]
        for r in iam.list_roles()["Roles"]
        if r["RoleName"].startswith(("hub-", "GlacierCleanup-"))
    ]
    return deployed_statements(iam, names)


def test_the_decommission_grants_are_used_and_on_the_named_vault_only(
    deployed: tuple[InProcessHandle, Any],
) -> None:
    glacier, stack = deployed
    result = run(glacier, stack)

    assert isinstance(result, dict), result
    assert result["decommission"][0]["outcome"] == "deleted"
    assert len(glacier.aborts()) == 2
    ledger = glacier.iam_ledger()
    assert ledger["denials"] == []
    granted = {sid: statement for role in roles(glacier).values() for _, sid, statement in role}
    retiring_arn = f"arn:aws:glacier:{REGION}:{ACCOUNT}:vaults/retiring"
    assert granted["DecommissionVaults"]["Resource"] in (retiring_arn, [retiring_arn])
    assert sorted(granted["DecommissionVaults"]["Action"]) == [
        "glacier:DeleteVault",
        "glacier:GetVaultAccessPolicy",
        "glacier:GetVaultLock",
        "glacier:GetVaultNotifications",
        "glacier:SetVaultAccessPolicy",
    ]
    assert unused_grants(roles(glacier), ledger) == []


def test_without_the_decommission_statement_the_vault_needs_a_person(
    deployed: tuple[InProcessHandle, Any],
) -> None:
    glacier, stack = deployed
    iam = glacier.aws_client("iam")
    [(role, policy)] = [
        (name, policy)
        for name, statements in roles(glacier).items()
        for policy, sid, _ in statements
        if sid == "DecommissionVaults"
    ]
    with without_statement(iam, role, policy, "DecommissionVaults"):
        result = run(glacier, stack)

    assert isinstance(result, dict), result
    assert result["status"] == "partial"
    assert result["decommission"][0]["outcome"].startswith("refused: the vault lock could not be read")
    assert [v["VaultName"] for v in glacier.client().list_vaults()["VaultList"]] == ["backups", "retiring"]
