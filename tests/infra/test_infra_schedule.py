"""The EventBridge Scheduler schedule and the queue that keeps failed runs."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Match, Template
from infra_helpers import logical_id_of, only_resource, resources_of_type


def test_schedule_expression_time_zone_window_and_target(
    shipped_assertions: Template, shipped_template: dict[str, Any]
) -> None:
    queue_arn = {"Fn::GetAtt": [logical_id_of(shipped_template, "AWS::SQS::Queue"), "Arn"]}
    # The schedule starts the run's state machine (which invokes the live alias and continues the run).
    state_machine = {"Ref": logical_id_of(shipped_template, "AWS::StepFunctions::StateMachine")}
    shipped_assertions.has_resource_properties(
        "AWS::Scheduler::Schedule",
        {
            "ScheduleExpression": "rate(1 day)",
            "ScheduleExpressionTimezone": "UTC",
            "State": "ENABLED",
            "FlexibleTimeWindow": {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 60},
            "Target": Match.object_like(
                {
                    "Arn": state_machine,
                    "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600},
                    "DeadLetterConfig": {"Arn": queue_arn},
                }
            ),
        },
    )


def test_schedule_payload_is_the_design_contract(shipped_template: dict[str, Any]) -> None:
    target = only_resource(shipped_template, "AWS::Scheduler::Schedule")["Properties"]["Target"]
    assert json.loads(target["Input"]) == {
        "trigger": "schedule",
        "schedule_arn": "<aws.scheduler.schedule-arn>",
        "scheduled_time": "<aws.scheduler.scheduled-time>",
    }


def test_cron_schedule_in_a_time_zone_without_window(alpha_assertions: Template) -> None:
    alpha_assertions.has_resource_properties(
        "AWS::Scheduler::Schedule",
        {
            "ScheduleExpression": "cron(15 3 ? * MON-FRI *)",
            "ScheduleExpressionTimezone": "Europe/Berlin",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": Match.object_like(
                {"RetryPolicy": {"MaximumRetryAttempts": 5, "MaximumEventAgeInSeconds": 1800}}
            ),
        },
    )


def test_disabled_schedule(beta_assertions: Template) -> None:
    beta_assertions.has_resource_properties("AWS::Scheduler::Schedule", {"State": "DISABLED"})


def test_failed_runs_queue_is_encrypted_and_tls_only(shipped_template: dict[str, Any]) -> None:
    queue_id = logical_id_of(shipped_template, "AWS::SQS::Queue")
    queue = shipped_template["Resources"][queue_id]["Properties"]
    # The stack's customer managed key (checkov CKV_AWS_27), not SQS-managed encryption.
    assert queue["KmsMasterKeyId"] == {
        "Fn::GetAtt": [logical_id_of(shipped_template, "AWS::KMS::Key"), "Arn"]
    }
    assert "SqsManagedSseEnabled" not in queue
    assert queue["MessageRetentionPeriod"] == 14 * 24 * 3600
    (policy,) = resources_of_type(shipped_template, "AWS::SQS::QueuePolicy").values()
    assert policy["Properties"]["Queues"] == [{"Ref": queue_id}]
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {
            "Action": "sqs:*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Resource": {"Fn::GetAtt": [queue_id, "Arn"]},
        }
    ]
