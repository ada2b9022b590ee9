"""The organization mode's permissions, checked by use on the local AWS (glacier_emulator/authorization.py):
every call the hub's functions, its state machine and the member role make is evaluated against the policies
the synthesized templates deploy.

- Least privilege by use: after a dry run and a real run, every action a statement grants was used, unless
  docs/permissions.md says why it is not used locally (NOT_USED_LOCALLY below, kept equal to that page).
- No dead weight, nothing missing: with each used statement removed in turn, the run fails and the emulator
  refused the statement's action to that role.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from support.handler_env import fresh_powertools

from glacier_emulator.handles import InProcessHandle
from local_harness import org_harness, org_scenario

from .permissions_support import (
    NOT_USED_LOCALLY,
    Deployed,
    deployed_statements,
    refused_any,
    unused_grants,
    used_statements,
    without_statement,
)

pytestmark = pytest.mark.slow
MEMBER_ROLE = "GlacierCleanupMember"
REPO = Path(__file__).resolve().parents[2]
PERMISSIONS_DOC = REPO / "docs" / "permissions.md"


class Organization:
    def __init__(self, glacier: InProcessHandle, tmp_path: Path) -> None:
        self.glacier = glacier
        self.org, self.seeded = org_scenario.build(glacier)
        self.templates = org_harness.synthesize(
            org_scenario.config_block(self.org, self.org.management_account), tmp_path / "cdk.out"
        )
        members = [a for n, a in self.org.accounts.items() if n != org_scenario.NO_ROLE]
        org_harness.deploy_member_roles(
            glacier,
            self.org,
            self.templates["GlacierCleanup-demo-member-role"],
            [self.org.management_account, *members],
        )
        self.hub = org_harness.deploy_hub(
            glacier,
            self.templates["GlacierCleanup-demo-hub"],
            account=self.org.management_account,
            region="us-east-1",
        )
        assert self.hub.observation_table is not None
        org_scenario.record_earlier_looks(glacier, self.org, self.seeded, self.hub.observation_table)

    def execute(self, execution_input: dict[str, Any]) -> dict[str, Any] | str:
        """The summary, or the execution's error when it failed."""
        with fresh_powertools():
            try:
                return org_harness.run_execution(self.glacier, self.hub, execution_input)
            except RuntimeError as failed:
                return str(failed)

    def iam_of(self, role: str) -> Any:
        """IAM in the account that holds `role`: the hub's in the management account, the member role in
        alpha (a member with vaults in both regions)."""
        if role == MEMBER_ROLE:
            return self.glacier.aws_client(
                "iam", self.org.credentials(self.glacier, self.org.accounts["alpha"])
            )
        return self.glacier.aws_client("iam")

    def roles(self) -> Deployed:
        """The project's roles as deployed: the hub's (management account) and the member role (alpha)."""
        hub_roles = [
            r["RoleName"]
            for r in self.glacier.aws_client("iam").list_roles()["Roles"]
            if r["RoleName"].startswith("hub-") or r["RoleName"].endswith("-function")
        ]
        return {
            **deployed_statements(self.glacier.aws_client("iam"), hub_roles),
            **deployed_statements(self.iam_of(MEMBER_ROLE), [MEMBER_ROLE]),
        }


@pytest.fixture
def organization(glacier_in_process: InProcessHandle, tmp_path: Path) -> Organization:
    return Organization(glacier_in_process, tmp_path)


def test_every_grant_of_the_hub_and_member_roles_is_used_or_documented(organization: Organization) -> None:
    assert isinstance(organization.execute({"dry_run": True}), dict)
    assert isinstance(organization.execute({}), dict)
    roles = organization.roles()
    assert {"GlacierCleanup-demo-hub-function", MEMBER_ROLE} <= set(roles)
    assert any("RunStateMachine" in role for role in roles)
    unused = unused_grants(roles, organization.glacier.iam_ledger())
    assert unused == []
    # Nothing the project's roles asked for was refused (the access role's setup calls ran unenforced).
    refused = [
        d
        for d in organization.glacier.iam_ledger()["denials"]
        if "OrganizationAccountAccess" not in d["role_arn"]
    ]
    assert refused == []


def test_the_documented_exceptions_are_on_the_permissions_page() -> None:
    page = PERMISSIONS_DOC.read_text(encoding="utf-8")
    for (_role, action), reason in NOT_USED_LOCALLY.items():
        assert f"`{action}`" in page, action
        assert reason.split(":")[0] in page, reason


def test_each_used_statement_removed_in_turn_fails_the_run_with_an_access_error_naming_it(
    organization: Organization,
) -> None:
    alpha = organization.org.accounts["alpha"]
    assert isinstance(
        organization.execute({"dry_run": True, "accounts": [alpha], "regions": ["eu-west-1"]}), dict
    )
    checked = []
    for role, policy, sid, statement in used_statements(organization.roles()):
        denied_before = len(organization.glacier.iam_ledger()["denials"])
        with without_statement(organization.iam_of(role), role, policy, sid):
            # One member and region: every hub role, the state machine and the member role still take part.
            outcome = organization.execute({"dry_run": True, "accounts": [alpha], "regions": ["eu-west-1"]})
        denials = organization.glacier.iam_ledger()["denials"][denied_before:]
        assert refused_any(statement, role, denials), f"{role} {policy} {sid}: nothing was refused without it"
        failed = isinstance(outcome, str) or outcome.get("status") != "ok"
        assert failed, f"{role} {policy} {sid}: the run succeeded without it"
        if isinstance(outcome, str):
            assert re.search(r"AccessDenied|not authorized", outcome), outcome[:500]
        checked.append(f"{role}/{sid}")
    # The hub function's table and member access, the planner's and summary's, the state machine's Lambda and
    # S3 statements, and the member role's two.
    assert len(checked) >= 10, checked
