"""Test configs, synthesis the way app.py does it, and template helpers for tests/infra."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import Stack, cx_api

from local_harness.synth_app import synthesize_in_process

REPO_ROOT = Path(__file__).resolve().parents[2]
CDK_JSON = json.loads((REPO_ROOT / "cdk.json").read_text(encoding="utf-8"))
# Two targets and an organization (the config `make synth` uses).
ORGANIZATION_CONFIG: dict[str, Any] = json.loads(
    (REPO_ROOT / "infra" / "examples" / "organization.json").read_text(encoding="utf-8")
)
HUB_STACK = "GlacierCleanup-acme-hub"
MEMBER_STACK = "GlacierCleanup-acme-member-role"
DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"

# Two targets that between them turn every optional feature on and off.
MULTI_TARGET_CONFIG: dict[str, Any] = {
    "defaults": {"older_than_hours": 72, "alarm_emails": ["glacier-ops@example.com"]},
    "targets": [
        {
            "name": "alpha",
            "account": "111111111111",
            "region": "eu-central-1",
            "vaults": ["backups", "logs.2024"],
            "exclude_vaults": ["tmp-*"],
            "protect_description_regex": "^keep:",
            "report_bytes": True,
            "dry_run": False,
            "max_aborts": 500,
            "max_requests_per_second": 25,
            "memory_mb": 512,
            "timeout_seconds": 600,
            "time_margin_seconds": 45,
            "log_retention_days": 365,
            "log_level": "DEBUG",
            "schedule_expression": "cron(15 3 ? * MON-FRI *)",
            "schedule_time_zone": "Europe/Berlin",
            "flexible_window_minutes": 0,
            "run_interval_minutes": 1440,
            "run_incomplete_alarm_runs": 3,
            "schedule_retry_attempts": 5,
            "schedule_max_event_age_minutes": 30,
            "async_retry_attempts": 0,
            "async_max_event_age_minutes": 120,
            "test_event_registry": "create",
            "summary_emails": ["storage-team@example.com"],
            "summary_always": True,
            "summary_slack_workspace_id": "T0123ABCD",
            "summary_slack_channel_id": "C0123ABCD",
            "summary_teams_tenant_id": "aaaaaaaa-1111-2222-3333-444444444444",
            "summary_teams_team_id": "bbbbbbbb-1111-2222-3333-444444444444",
            "summary_teams_channel_id": "19%3Aexample%40thread.tacv2",
        },
        {
            "name": "beta",
            "account": "222222222222",
            "region": "us-west-2",
            "glacier_account_id": "333333333333",
            "alarm_emails": [],
            "prevent_overlap": False,
            "tracing": False,
            "test_events": False,
            "schedule_enabled": False,
        },
    ],
}


@dataclass(frozen=True)
class Synthesized:
    """One synthesized app: its stacks (for cdk-nag) and templates (for assertions and cfn-lint)."""

    outdir: Path
    stacks: dict[str, Stack]
    templates: dict[str, dict[str, Any]]
    artifacts: dict[str, cx_api.CloudFormationStackArtifact]


def synthesize(outdir: Path, glacier_cleanup: Mapping[str, Any] | None) -> Synthesized:
    """What app.py does, with cdk.json's context (feature flags) and the given `glacier-cleanup` block."""
    stacks, assembly = synthesize_in_process(
        outdir, glacier_cleanup, default_account=DEFAULT_ACCOUNT, default_region=DEFAULT_REGION
    )
    artifacts = {stack.stack_name: assembly.get_stack_by_name(stack.stack_name) for stack in stacks}
    return Synthesized(
        outdir=outdir,
        stacks={stack.stack_name: stack for stack in stacks},
        templates={name: artifact.template for name, artifact in artifacts.items()},
        artifacts=artifacts,
    )


# Resources of the function aws-cdk-lib provides for AwsCustomResource (the test-event registry's
# "ensure" call): not the project's own; tests of that provider ask for them with include_provider=True.
PROVIDER_PREFIX = "AWS679f53fac002430cb0da5b7982bd2287"


def resources_of_type(
    template: Mapping[str, Any], resource_type: str, *, include_provider: bool = False
) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == resource_type
        and (include_provider or not logical_id.startswith(PROVIDER_PREFIX))
    }


def only_resource(template: Mapping[str, Any], resource_type: str) -> dict[str, Any]:
    found = resources_of_type(template, resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {sorted(found)}"
    return next(iter(found.values()))


def logical_id_of(template: Mapping[str, Any], resource_type: str) -> str:
    found = resources_of_type(template, resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {sorted(found)}"
    return next(iter(found))


def function_log_group_id(template: Mapping[str, Any]) -> str:
    """The cleanup function's log group (the state machine has its own execution log)."""
    found = [i for i in resources_of_type(template, "AWS::Logs::LogGroup") if i.startswith("CleanupLogGroup")]
    assert len(found) == 1, f"expected the function's log group, found {found}"
    return found[0]


def policy_attached_to(template: Mapping[str, Any], role_logical_id: str) -> dict[str, Any]:
    """The one AWS::IAM::Policy attached to a role, as its PolicyDocument."""
    documents = [
        resource["Properties"]["PolicyDocument"]
        for resource in resources_of_type(template, "AWS::IAM::Policy").values()
        if {"Ref": role_logical_id} in resource["Properties"]["Roles"]
    ]
    assert len(documents) == 1, f"expected one policy on {role_logical_id}, found {len(documents)}"
    return documents[0]


def function_role_id(template: Mapping[str, Any]) -> str:
    role = only_resource(template, "AWS::Lambda::Function")["Properties"]["Role"]
    return str(role["Fn::GetAtt"][0])


def partition_arn(suffix: str) -> dict[str, Any]:
    """An ARN as CDK renders it with the partition token: arn:${AWS::Partition}<suffix>."""
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, suffix]]}


# The L2s of these types always add DependsOn on their role (so the role's policy exists before the first
# invocation or execution); cfn-lint W3005 notes that the GetAtt already implies the role itself.
_ROLE_PROPERTY = {"AWS::Lambda::Function": "Role", "AWS::StepFunctions::StateMachine": "RoleArn"}


def cfn_lint_findings(template: Mapping[str, Any], matches: Iterable[Any]) -> list[str]:
    """cfn-lint's matches as lines, without the documented W3005 on an L2's role dependency."""
    roles = {
        logical_id: resource["Properties"][_ROLE_PROPERTY[resource["Type"]]]["Fn::GetAtt"][0]
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] in _ROLE_PROPERTY
        and isinstance(resource["Properties"].get(_ROLE_PROPERTY[resource["Type"]]), dict)
        and "Fn::GetAtt" in resource["Properties"][_ROLE_PROPERTY[resource["Type"]]]
    }
    lines = []
    for match in matches:
        path = list(match.path)
        if (
            match.rule.id == "W3005"
            and path[:1] == ["Resources"]
            and path[1] in roles
            and path[2] == "DependsOn"
            and roles[path[1]] in match.message
        ):
            continue
        lines.append(f"{match.rule.id} {'/'.join(map(str, path))}: {match.message}")
    return lines


def state_machine_definition(template: Mapping[str, Any]) -> dict[str, Any]:
    """The state machine's definition, with each token replaced by a readable placeholder."""
    parts = only_resource(template, "AWS::StepFunctions::StateMachine")["Properties"]["DefinitionString"][
        "Fn::Join"
    ][1]
    text = "".join(
        part if isinstance(part, str) else f"<{json.dumps(part, sort_keys=True)}>".replace('"', "'")
        for part in parts
    )
    document: dict[str, Any] = json.loads(text)
    return document
