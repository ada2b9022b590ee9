"""Alarms: what each one watches, thresholds, missing data, and where notifications go."""

from __future__ import annotations

from typing import Any

import pytest
from infra_helpers import logical_id_of, only_resource, resources_of_type

SERVICE_DIMENSION = [{"Name": "service", "Value": "glacier-multipart-cleanup"}]


def alarms_by_name(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        alarm["Properties"]["AlarmName"]: alarm["Properties"]
        for alarm in resources_of_type(template, "AWS::CloudWatch::Alarm").values()
    }


def test_there_is_one_alarm_per_failure_signal(shipped_template: dict[str, Any]) -> None:
    assert sorted(alarms_by_name(shipped_template)) == sorted(
        f"GlacierCleanup-default-{name}"
        for name in ("Errors", "Throttles", "AbortFailures", "VaultFailures", "FailedRuns", "RunIncomplete")
    )


@pytest.mark.parametrize(
    ("name", "namespace", "statistic"), [("Errors", "AWS/Lambda", "Sum"), ("Throttles", "AWS/Lambda", "Sum")]
)
def test_function_alarms(shipped_template: dict[str, Any], name: str, namespace: str, statistic: str) -> None:
    alarm = alarms_by_name(shipped_template)[f"GlacierCleanup-default-{name}"]
    function_id = logical_id_of(shipped_template, "AWS::Lambda::Function")
    assert {key: alarm[key] for key in ("MetricName", "Namespace", "Statistic", "Dimensions")} == {
        "MetricName": name,
        "Namespace": namespace,
        "Statistic": statistic,
        "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": function_id}}],
    }
    assert (alarm["ComparisonOperator"], alarm["Threshold"], alarm["EvaluationPeriods"]) == (
        "GreaterThanThreshold",
        0,
        1,
    )
    assert alarm["TreatMissingData"] == "notBreaching"


@pytest.mark.parametrize("name", ["AbortFailures", "VaultFailures"])
def test_custom_metric_alarms_fire_above_zero(shipped_template: dict[str, Any], name: str) -> None:
    alarm = alarms_by_name(shipped_template)[f"GlacierCleanup-default-{name}"]
    assert {key: alarm[key] for key in ("MetricName", "Namespace", "Statistic", "Dimensions", "Period")} == {
        "MetricName": name,
        "Namespace": "GlacierMultipartCleanup",
        "Statistic": "Sum",
        "Dimensions": SERVICE_DIMENSION,
        "Period": 300,
    }
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 0)
    assert alarm["TreatMissingData"] == "notBreaching"


def test_run_incomplete_alarms_on_n_consecutive_runs(
    shipped_template: dict[str, Any], alpha_template: dict[str, Any]
) -> None:
    # Given rate(1 day) and the default 2 runs
    alarm = alarms_by_name(shipped_template)["GlacierCleanup-default-RunIncomplete"]
    assert {key: alarm[key] for key in ("MetricName", "Namespace", "Statistic", "Dimensions")} == {
        "MetricName": "RunIncomplete",
        "Namespace": "GlacierMultipartCleanup",
        "Statistic": "Sum",
        "Dimensions": SERVICE_DIMENSION,
    }
    assert (alarm["Period"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (86400, 2, 2)
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanOrEqualToThreshold", 1)
    assert alarm["TreatMissingData"] == "notBreaching"
    # Given a cron schedule with run_interval_minutes 1440 and 3 runs
    alarm = alarms_by_name(alpha_template)["GlacierCleanup-alpha-RunIncomplete"]
    assert (alarm["Period"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (86400, 3, 3)


def test_failed_runs_alarm_watches_visible_messages(shipped_template: dict[str, Any]) -> None:
    alarm = alarms_by_name(shipped_template)["GlacierCleanup-default-FailedRuns"]
    queue_id = logical_id_of(shipped_template, "AWS::SQS::Queue")
    assert {key: alarm[key] for key in ("MetricName", "Namespace", "Statistic", "Dimensions")} == {
        "MetricName": "ApproximateNumberOfMessagesVisible",
        "Namespace": "AWS/SQS",
        "Statistic": "Maximum",
        "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}}],
    }
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 0)


def test_without_emails_there_is_no_topic_and_no_action(shipped_template: dict[str, Any]) -> None:
    assert resources_of_type(shipped_template, "AWS::SNS::Topic") == {}
    assert all("AlarmActions" not in alarm for alarm in alarms_by_name(shipped_template).values())


def test_with_emails_every_alarm_notifies_an_encrypted_topic(alpha_template: dict[str, Any]) -> None:
    topic_id = logical_id_of(alpha_template, "AWS::SNS::Topic")
    key_id = logical_id_of(alpha_template, "AWS::KMS::Key")
    assert all(
        alarm["AlarmActions"] == [{"Ref": topic_id}] for alarm in alarms_by_name(alpha_template).values()
    )
    topic = alpha_template["Resources"][topic_id]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert alpha_template["Resources"][key_id]["Properties"]["EnableKeyRotation"] is True
    subscription = only_resource(alpha_template, "AWS::SNS::Subscription")["Properties"]
    assert subscription == {
        "Protocol": "email",
        "TopicArn": {"Ref": topic_id},
        "Endpoint": "glacier-ops@example.com",
    }


def test_cloudwatch_may_use_the_key_and_publish_only_from_this_accounts_alarms(
    alpha_template: dict[str, Any],
) -> None:
    key = only_resource(alpha_template, "AWS::KMS::Key")["Properties"]["KeyPolicy"]["Statement"]
    assert {
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "Effect": "Allow",
        "Principal": {"Service": "cloudwatch.amazonaws.com"},
        "Resource": "*",
    } in key
    topic_id = logical_id_of(alpha_template, "AWS::SNS::Topic")
    statements = only_resource(alpha_template, "AWS::SNS::TopicPolicy")["Properties"]["PolicyDocument"][
        "Statement"
    ]
    assert statements == [
        {
            "Action": "sns:Publish",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            "Effect": "Deny",
            "Principal": "*",
            "Resource": {"Ref": topic_id},
            "Sid": "AllowPublishThroughSSLOnly",
        },
        {
            "Action": "sns:Publish",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": "111111111111"},
                "ArnLike": {
                    "aws:SourceArn": {
                        "Fn::Join": [
                            "",
                            [
                                "arn:",
                                {"Ref": "AWS::Partition"},
                                ":cloudwatch:eu-central-1:111111111111:alarm/*",
                            ],
                        ]
                    }
                },
            },
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Resource": {"Ref": topic_id},
            "Sid": "CloudWatchAlarmsOfThisAccount",
        },
    ]
