"""Least privilege: the exact statements of both roles, partition tokens instead of literal ARNs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from infra_helpers import (
    function_log_group_id,
    function_role_id,
    logical_id_of,
    only_resource,
    partition_arn,
    policy_attached_to,
    resources_of_type,
    synthesize,
)


def _get_att(template: dict[str, Any], resource_type: str, attribute: str = "Arn") -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id_of(template, resource_type), attribute]}


def _function_policy_without_glacier(template: dict[str, Any], *, tracing: bool) -> list[dict[str, Any]]:
    """Logs to its own group, reading and writing its observation table, writing its decision records, X-Ray
    when tracing, and sending failed-run records to the queue."""
    return [
        {
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [function_log_group_id(template), "Arn"]},
        },
        # The activity check's looks at old uploads: exactly the two item actions the adapter calls.
        {
            "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
            "Effect": "Allow",
            "Resource": _get_att(template, "AWS::DynamoDB::Table"),
        },
        # The table and the queue are encrypted with the stack's key: reading and writing items and
        # sending to the queue need it, on that one key.
        {
            "Action": [
                "kms:Decrypt",
                "kms:DescribeKey",
                "kms:Encrypt",
                "kms:GenerateDataKey*",
                "kms:ReEncrypt*",
            ],
            "Effect": "Allow",
            "Resource": _get_att(template, "AWS::KMS::Key"),
        },
        # The decision records: PutObject under records/ of the stack's records bucket, nothing else.
        {
            "Action": "s3:PutObject",
            "Effect": "Allow",
            "Resource": {"Fn::Join": ["", [_get_att(template, "AWS::S3::Bucket"), "/records/*"]]},
            "Sid": "WriteDecisionRecords",
        },
        *(
            [
                {
                    "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
                    "Effect": "Allow",
                    "Resource": "*",
                }
            ]
            if tracing
            else []
        ),
        {
            "Action": ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"],
            "Effect": "Allow",
            "Resource": _get_att(template, "AWS::SQS::Queue"),
        },
    ]


def _glacier_statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [statement for statement in document["Statement"] if "glacier:" in json.dumps(statement["Action"])]


def test_default_target_policy_is_exact(shipped_template: dict[str, Any]) -> None:
    # Given no vault list: every vault of the target account and region
    document = policy_attached_to(shipped_template, function_role_id(shipped_template))
    assert document["Version"] == "2012-10-17"
    assert _glacier_statements(document) == [
        {"Sid": "ListVaults", "Action": "glacier:ListVaults", "Effect": "Allow", "Resource": "*"},
        {
            "Sid": "CleanUpVaultUploads",
            # ListParts: the activity check measures each old upload (on by default)
            "Action": ["glacier:AbortMultipartUpload", "glacier:ListMultipartUploads", "glacier:ListParts"],
            "Effect": "Allow",
            "Resource": partition_arn(":glacier:us-east-1:123456789012:vaults/*"),
        },
    ]
    others = [
        statement for statement in document["Statement"] if statement not in _glacier_statements(document)
    ]
    assert others == _function_policy_without_glacier(shipped_template, tracing=True)


def test_vault_list_narrows_resources_and_report_bytes_adds_list_parts(
    alpha_template: dict[str, Any],
) -> None:
    document = policy_attached_to(alpha_template, function_role_id(alpha_template))
    assert _glacier_statements(document) == [
        {"Sid": "ListVaults", "Action": "glacier:ListVaults", "Effect": "Allow", "Resource": "*"},
        {
            "Sid": "CleanUpVaultUploads",
            "Action": ["glacier:AbortMultipartUpload", "glacier:ListMultipartUploads", "glacier:ListParts"],
            "Effect": "Allow",
            "Resource": [
                partition_arn(":glacier:eu-central-1:111111111111:vaults/backups"),
                partition_arn(":glacier:eu-central-1:111111111111:vaults/logs.2024"),
            ],
        },
    ]


def test_vaults_of_another_account_when_glacier_account_id_is_set(beta_template: dict[str, Any]) -> None:
    document = policy_attached_to(beta_template, function_role_id(beta_template))
    assert _glacier_statements(document)[1]["Resource"] == partition_arn(
        ":glacier:us-west-2:333333333333:vaults/*"
    )


def test_without_tracing_there_is_no_xray_permission(beta_template: dict[str, Any]) -> None:
    document = policy_attached_to(beta_template, function_role_id(beta_template))
    others = [
        statement for statement in document["Statement"] if statement not in _glacier_statements(document)
    ]
    assert others == _function_policy_without_glacier(beta_template, tracing=False)


def test_function_role_has_no_managed_policies_and_trusts_only_lambda(
    shipped_template: dict[str, Any],
) -> None:
    role = shipped_template["Resources"][function_role_id(shipped_template)]["Properties"]
    assert "ManagedPolicyArns" not in role
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}
    ]


def test_scheduler_role_starts_only_this_run_and_sends_only_to_the_queue(
    shipped_template: dict[str, Any],
) -> None:
    schedule = only_resource(shipped_template, "AWS::Scheduler::Schedule")
    role_id = schedule["Properties"]["Target"]["RoleArn"]["Fn::GetAtt"][0]
    role = shipped_template["Resources"][role_id]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "scheduler.amazonaws.com"},
            "Condition": {
                "StringEquals": {
                    "aws:SourceAccount": "123456789012",
                    "aws:SourceArn": partition_arn(
                        ":scheduler:us-east-1:123456789012:schedule-group/default"
                    ),
                }
            },
        }
    ]
    state_machine = {"Ref": logical_id_of(shipped_template, "AWS::StepFunctions::StateMachine")}
    assert policy_attached_to(shipped_template, role_id)["Statement"] == [
        {"Action": "states:StartExecution", "Effect": "Allow", "Resource": state_machine},
        {
            "Action": "sqs:SendMessage",
            "Effect": "Allow",
            "Resource": _get_att(shipped_template, "AWS::SQS::Queue"),
        },
        {
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Effect": "Allow",
            "Resource": _get_att(shipped_template, "AWS::KMS::Key"),
        },
    ]


def test_state_machine_role_invokes_only_the_live_alias(shipped_template: dict[str, Any]) -> None:
    machine = only_resource(shipped_template, "AWS::StepFunctions::StateMachine")
    role_id = machine["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    # Only the live alias (the version it points at), not $LATEST nor other versions.
    alias = {"Ref": logical_id_of(shipped_template, "AWS::Lambda::Alias")}
    statements = policy_attached_to(shipped_template, role_id)["Statement"]
    invoke = [statement for statement in statements if "lambda:InvokeFunction" in statement["Action"]]
    assert invoke == [{"Action": "lambda:InvokeFunction", "Effect": "Allow", "Resource": alias}]
    others = {action for statement in statements for action in _actions(statement)} - {
        "lambda:InvokeFunction"
    }
    assert others == {
        "logs:CreateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:DescribeLogGroups",
        "logs:DescribeResourcePolicies",
        "logs:GetLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:UpdateLogDelivery",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
        # The run summary: its topic, encrypted with the stack key (tests/infra/test_infra_run_summary.py)
        "sns:Publish",
        "kms:Decrypt",
        "kms:GenerateDataKey",
    }


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


def test_only_three_roles_and_no_literal_partition(
    shipped_template: dict[str, Any], alpha_template: dict[str, Any]
) -> None:
    # The function's, the schedule's and the state machine's.
    assert len(resources_of_type(shipped_template, "AWS::IAM::Role")) == 3
    for template in (shipped_template, alpha_template):
        assert "arn:aws:" not in json.dumps(template)


def test_decommission_grants_sit_on_the_named_vaults_only(tmp_path_factory: pytest.TempPathFactory) -> None:
    config = {
        "targets": [
            {
                "name": "retire",
                "account": "111111111111",
                "region": "eu-west-1",
                "vaults": ["backups"],
                "decommission_vaults": ["backups", "old-tapes"],
                "decommission_deny_writes": True,
            }
        ]
    }
    template = synthesize(tmp_path_factory.mktemp("cdk-retire"), config).templates["GlacierCleanup-retire"]
    statements = _glacier_statements(policy_attached_to(template, function_role_id(template)))
    by_sid = {statement["Sid"]: statement for statement in statements}
    arn = partition_arn
    assert by_sid["DecommissionVaults"] == {
        "Sid": "DecommissionVaults",
        "Action": [
            "glacier:DeleteVault",
            "glacier:GetVaultAccessPolicy",
            "glacier:GetVaultLock",
            "glacier:GetVaultNotifications",
            "glacier:SetVaultAccessPolicy",
        ],
        "Effect": "Allow",
        "Resource": [
            arn(":glacier:eu-west-1:111111111111:vaults/backups"),
            arn(":glacier:eu-west-1:111111111111:vaults/old-tapes"),
        ],
    }
    # old-tapes is outside the `vaults` list: its uploads get their own statement; backups' are covered.
    assert by_sid["DecommissionUploads"] == {
        "Sid": "DecommissionUploads",
        "Action": ["glacier:AbortMultipartUpload", "glacier:ListMultipartUploads"],
        "Effect": "Allow",
        "Resource": arn(":glacier:eu-west-1:111111111111:vaults/old-tapes"),
    }


def test_without_decommission_there_is_no_vault_level_write(shipped_template: dict[str, Any]) -> None:
    actions = json.dumps(
        [
            s["Action"]
            for s in _glacier_statements(
                policy_attached_to(shipped_template, function_role_id(shipped_template))
            )
        ]
    )
    assert "DeleteVault" not in actions
    assert "SetVaultAccessPolicy" not in actions
