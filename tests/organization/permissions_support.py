"""What the permission tests share: the deployed statements, the grants the docs explain, and matching."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from glacier_emulator.iam_policy import wildcard_match

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


def statements(document: Any) -> list[dict[str, Any]]:
    parsed = document_of(document)
    statements = parsed["Statement"]
    return statements if isinstance(statements, list) else [statements]


def document_of(document: Any) -> dict[str, Any]:
    """GetRolePolicy's document. moto answers a policy that its CloudFormation created (the member role's)
    with the Python repr of the dict instead of JSON; AWS always answers JSON."""
    if not isinstance(document, str):
        return dict(document)
    try:
        parsed: dict[str, Any] = json.loads(document)
    except json.JSONDecodeError:
        parsed = ast.literal_eval(document)
    return parsed


def actions(statement: dict[str, Any]) -> list[str]:
    actions = statement.get("Action", [])
    return actions if isinstance(actions, list) else [actions]


def documented(role: str, action: str) -> bool:
    return any(
        wildcard_match(role_pattern, role, case_sensitive=True)
        and wildcard_match(action_pattern, action, case_sensitive=False)
        for role_pattern, action_pattern in NOT_USED_LOCALLY
    )


Deployed = dict[str, list[tuple[str, str, dict[str, Any]]]]


def deployed_statements(iam: Any, role_names: list[str]) -> Deployed:
    """Role name -> its deployed (policy name, statement id, statement)."""
    found: Deployed = {}
    for name in role_names:
        for policy_name in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            document = iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
            for index, statement in enumerate(statements(document)):
                found.setdefault(name, []).append(
                    (policy_name, str(statement.get("Sid") or f"#{index}"), statement)
                )
    return found


def unused_grants(roles: Deployed, ledger: dict[str, Any]) -> list[str]:
    """Every granted action no call of its role used (allowed by that very statement), unless documented."""
    used = {
        (use["role_arn"].rsplit("/", 1)[-1], use["policy"], use["statement"], use["action"])
        for use in ledger["used"]
    }
    unused = []
    for role, deployed in roles.items():
        for policy, sid, statement in deployed:
            for granted in actions(statement):
                if any(
                    (r, p, s) == (role, policy, sid) and wildcard_match(granted, action, case_sensitive=False)
                    for r, p, s, action in used
                ):
                    continue
                if not documented(role, granted):
                    unused.append(f"{role} {policy} {sid}: {granted}")
    return unused


def used_statements(roles: Deployed) -> list[tuple[str, str, str, dict[str, Any]]]:
    """The statements with at least one action that is not a documented local exception."""
    return [
        (role, policy, sid, statement)
        for role, deployed in roles.items()
        for policy, sid, statement in deployed
        if not all(documented(role, action) for action in actions(statement))
    ]


def refused_any(statement: dict[str, Any], role: str, denials: list[dict[str, str]]) -> bool:
    """Whether the emulator refused one of the statement's actions to the role."""
    refused = {d["action"] for d in denials if d["role_arn"].endswith(f"/{role}")}
    return any(
        wildcard_match(granted, action, case_sensitive=False)
        for granted in actions(statement)
        for action in refused
    )


@contextmanager
def without_statement(iam: Any, role: str, policy: str, sid: str) -> Iterator[None]:
    """The role's policy without that one statement, put back afterwards."""
    document = document_of(iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"])
    kept = [s for index, s in enumerate(statements(document)) if str(s.get("Sid") or f"#{index}") != sid]
    iam.put_role_policy(
        RoleName=role, PolicyName=policy, PolicyDocument=json.dumps({**document, "Statement": kept})
    )
    try:
        yield
    finally:
        iam.put_role_policy(RoleName=role, PolicyName=policy, PolicyDocument=json.dumps(document))
