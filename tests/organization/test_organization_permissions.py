"""The organization mode's permissions, checked by use on the local AWS (glacier_emulator/authorization.py):
every call the hub's functions, its state machine and the member role make is evaluated against the policies
the synthesized templates deploy.

- Least privilege by use: after a dry run and a real run, every action a statement grants was used, unless
  docs/permissions.md says why it is not used locally (NOT_USED_LOCALLY below, kept equal to that page).
- No dead weight, nothing missing: with each used statement removed in turn, the run fails and the emulator
  refused the statement's action to that role.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest
from unit.support import fresh_powertools

from glacier_emulator.handles import InProcessHandle
from glacier_emulator.iam_policy import wildcard_match
from scripts import org_harness, org_scenario

pytestmark = pytest.mark.slow
MEMBER_ROLE = "GlacierCleanupMember"
REPO = Path(__file__).resolve().parents[2]
PERMISSIONS_DOC = REPO / "docs" / "permissions.md"
# (role name pattern, action pattern) -> why the grant is not used on the local AWS. docs/permissions.md
# carries the same list, for people.
NOT_USED_LOCALLY = {
    ("*", "logs:CreateLogStream"): "Lambda's own log delivery: the emulated Lambda writes no CloudWatch Logs",
    ("*", "logs:PutLogEvents"): "Lambda's own log delivery: the emulated Lambda writes no CloudWatch Logs",
    ("*", "xray:*"): "X-Ray tracing: the emulated Lambda and Step Functions send no traces",
    ("*", "kms:*"): "KMS use by DynamoDB, S3 and SQS on the caller's behalf is not modelled",
    ("*", "sqs:*"): "Lambda's on-failure destination: the emulated Lambda does not deliver failed events",
    ("*RunStateMachine*", "states:*"): "moto's interpreter runs a Distributed Map's children in process",
    ("*RunStateMachine*", "logs:*"): "Step Functions' log delivery: moto's interpreter writes no logs",
    ("*RunStateMachine*", "s3:AbortMultipartUpload"): "the ResultWriter's multipart writes (large results)",
    ("*RunStateMachine*", "s3:ListMultipartUploadParts"): "the ResultWriter's multipart writes",
    ("*", "s3:Abort*"): "CDK's grant_put: an aborted multipart write of the plan or the summary",
    ("*", "s3:PutObjectLegalHold"): "CDK's grant_put: not used (object lock is off on the results bucket)",
    ("*", "s3:PutObjectRetention"): "CDK's grant_put: not used (object lock is off on the results bucket)",
    ("*", "s3:PutObjectTagging"): "CDK's grant_put: not used (the functions write no tags)",
    ("*", "s3:PutObjectVersionTagging"): "CDK's grant_put: not used (the functions write no tags)",
    ("*Summary*", "s3:GetBucket*"): "CDK's grant_read: the summary reads the result files by key",
    ("*Summary*", "s3:List*"): "CDK's grant_read: the summary reads the result files by key",
    ("*ScheduleRole*", "*"): "EventBridge Scheduler: no scheduler runs locally; tests start the executions",
    ("*AWS679f53fac*", "*"): "the console test events' registry: a CDK custom resource run at deploy time",
}


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

    def roles(self) -> dict[str, list[tuple[str, str, dict[str, Any]]]]:
        """Role name -> its deployed (policy name, statement id, statement), for the project's roles."""
        found: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
        hub_roles = [
            r["RoleName"]
            for r in self.glacier.aws_client("iam").list_roles()["Roles"]
            if r["RoleName"].startswith("hub-") or r["RoleName"].endswith("-function")
        ]
        for name in [*hub_roles, MEMBER_ROLE]:
            iam = self.iam_of(name)
            for policy_name in iam.list_role_policies(RoleName=name)["PolicyNames"]:
                document = iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
                for index, statement in enumerate(_statements(document)):
                    found.setdefault(name, []).append(
                        (policy_name, str(statement.get("Sid") or f"#{index}"), statement)
                    )
        return found


def _statements(document: Any) -> list[dict[str, Any]]:
    parsed = _document(document)
    statements = parsed["Statement"]
    return statements if isinstance(statements, list) else [statements]


def _document(document: Any) -> dict[str, Any]:
    """GetRolePolicy's document. moto answers a policy that its CloudFormation created (the member role's)
    with the Python repr of the dict instead of JSON; AWS always answers JSON."""
    if not isinstance(document, str):
        return dict(document)
    try:
        parsed: dict[str, Any] = json.loads(document)
    except json.JSONDecodeError:
        parsed = ast.literal_eval(document)
    return parsed


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement.get("Action", [])
    return actions if isinstance(actions, list) else [actions]


def _documented(role: str, action: str) -> bool:
    return any(
        wildcard_match(role_pattern, role, case_sensitive=True)
        and wildcard_match(action_pattern, action, case_sensitive=False)
        for role_pattern, action_pattern in NOT_USED_LOCALLY
    )


@pytest.fixture
def organization(glacier_in_process: InProcessHandle, tmp_path: Path) -> Organization:
    return Organization(glacier_in_process, tmp_path)


def test_every_grant_of_the_hub_and_member_roles_is_used_or_documented(organization: Organization) -> None:
    assert isinstance(organization.execute({"dry_run": True}), dict)
    assert isinstance(organization.execute({}), dict)
    used = {
        (use["role_arn"].rsplit("/", 1)[-1], use["policy"], use["statement"], use["action"])
        for use in organization.glacier.iam_ledger()["used"]
    }
    roles = organization.roles()
    assert {"GlacierCleanup-demo-hub-function", MEMBER_ROLE} <= set(roles)
    assert any("RunStateMachine" in role for role in roles)
    unused = []
    for role, statements in roles.items():
        for policy, sid, statement in statements:
            for granted in _actions(statement):
                if any(
                    (r, p, s) == (role, policy, sid) and wildcard_match(granted, action, case_sensitive=False)
                    for r, p, s, action in used
                ):
                    continue
                if not _documented(role, granted):
                    unused.append(f"{role} {policy} {sid}: {granted}")
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


def _used_statements(organization: Organization) -> list[tuple[str, str, str, dict[str, Any]]]:
    roles = organization.roles()
    return [
        (role, policy, sid, statement)
        for role, statements in roles.items()
        for policy, sid, statement in statements
        if not all(_documented(role, action) for action in _actions(statement))
    ]


def test_each_used_statement_removed_in_turn_fails_the_run_with_an_access_error_naming_it(
    organization: Organization,
) -> None:
    assert isinstance(organization.execute({"dry_run": True}), dict)
    checked = []
    for role, policy, sid, statement in _used_statements(organization):
        iam = organization.iam_of(role)
        document = _document(iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"])
        kept = [s for index, s in enumerate(_statements(document)) if str(s.get("Sid") or f"#{index}") != sid]
        iam.put_role_policy(
            RoleName=role, PolicyName=policy, PolicyDocument=json.dumps({**document, "Statement": kept})
        )
        denied_before = len(organization.glacier.iam_ledger()["denials"])
        try:
            outcome = organization.execute({"dry_run": True})
        finally:
            iam.put_role_policy(RoleName=role, PolicyName=policy, PolicyDocument=json.dumps(document))
        denials = organization.glacier.iam_ledger()["denials"][denied_before:]
        refused = {d["action"] for d in denials if d["role_arn"].endswith(f"/{role}")}
        assert any(
            wildcard_match(granted, action, case_sensitive=False)
            for granted in _actions(statement)
            for action in refused
        ), f"{role} {policy} {sid}: nothing was refused without it ({sorted(refused)})"
        failed = isinstance(outcome, str) or outcome.get("status") != "ok"
        assert failed, f"{role} {policy} {sid}: the run succeeded without it"
        if isinstance(outcome, str):
            assert re.search(r"AccessDenied|not authorized", outcome), outcome[:500]
        checked.append(f"{role}/{sid}")
    # The hub function's table and member access, the planner's and summary's, the state machine's Lambda and
    # S3 statements, and the member role's two.
    assert len(checked) >= 10, checked
