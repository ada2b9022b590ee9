"""Alarms: what each one watches, thresholds, missing data, and where notifications go."""

from __future__ import annotations

import json
from typing import Any

import pytest
from glacier_cleanup_cdk.alarms import heartbeat_window
from glacier_cleanup_cdk.config import CONTEXT_KEY, CleanupSettings, ConfigError, load_config
from infra_helpers import logical_id_of, only_resource, resources_of_type, synthesize

SERVICE_DIMENSION = [
    {"Name": "service", "Value": "glacier-multipart-cleanup"},
    {"Name": "target", "Value": "default"},
]
ALARMS = (
    "Errors",
    "Throttles",
    "AbortFailures",
    "VaultFailures",
    "ActivityCheckFailures",
    "VaultsNotFound",
    "RecordsNotWritten",
    "FailedRuns",
    "RunIncomplete",
    "ExecutionsFailed",
    "ExecutionsTimedOut",
    "ExecutionsAborted",
)


def alarms_by_name(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        alarm["Properties"]["AlarmName"]: alarm["Properties"]
        for alarm in resources_of_type(template, "AWS::CloudWatch::Alarm").values()
    }


def test_there_is_one_alarm_per_failure_signal(
    shipped_template: dict[str, Any], beta_template: dict[str, Any]
) -> None:
    assert sorted(alarms_by_name(shipped_template)) == sorted(
        f"GlacierCleanup-default-{name}" for name in (*ALARMS, "DidNotRun")
    )
    # beta's schedule is disabled: no heartbeat to miss.
    assert sorted(alarms_by_name(beta_template)) == sorted(f"GlacierCleanup-beta-{name}" for name in ALARMS)


def test_every_alarm_text_points_to_the_runbook_and_names_a_remedy(shipped_template: dict[str, Any]) -> None:
    for name, alarm in alarms_by_name(shipped_template).items():
        text = alarm["AlarmDescription"]
        assert text.endswith("Runbook: docs/operations.md#alarms"), name
        assert len(text) > 120, name
    texts = {
        name.rsplit("-", 1)[1]: alarm["AlarmDescription"]
        for name, alarm in alarms_by_name(shipped_template).items()
    }
    assert "max_aborts cap does not count" in texts["RunIncomplete"]
    assert "raise the timeout" not in texts["RunIncomplete"]  # it is already Lambda's maximum
    assert "disabled or deleted outside the stack" in texts["DidNotRun"]
    assert "Fires again for every new one" in texts["FailedRuns"]
    assert "Fix `vaults`" in texts["VaultsNotFound"]


def test_did_not_run_is_a_heartbeat_that_treats_missing_data_as_breaching(
    shipped_template: dict[str, Any], alpha_template: dict[str, Any]
) -> None:
    # rate(1 day) with a 60-minute window: no run in 3 daily periods (interval + window + slack).
    alarm = alarms_by_name(shipped_template)["GlacierCleanup-default-DidNotRun"]
    assert {key: alarm[key] for key in ("MetricName", "Statistic", "Dimensions", "Period")} == {
        "MetricName": "Runs",
        "Statistic": "Sum",
        "Dimensions": SERVICE_DIMENSION,
        "Period": 86400,
    }
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (3, 3)
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("LessThanThreshold", 1)
    assert alarm["TreatMissingData"] == "breaching"
    # alpha: cron on weekdays, run_interval_minutes 1440, no window: 2 daily periods.
    alpha = alarms_by_name(alpha_template)["GlacierCleanup-alpha-DidNotRun"]
    assert (alpha["Period"], alpha["EvaluationPeriods"]) == (86400, 2)


@pytest.mark.parametrize(
    ("interval", "window", "expected"),
    [(1440, 60, (1440, 3)), (60, 0, (60, 2)), (30, 10, (5, 9)), (10080, 60, (1440, 7)), (240, 30, (60, 6))],
)
def test_heartbeat_window(interval: int, window: int, expected: tuple[int, int]) -> None:
    settings = CleanupSettings(
        schedule_expression="cron(0 3 * * ? *)",
        run_interval_minutes=interval,
        flexible_window_minutes=window,
        run_incomplete_alarm_runs=1,
    )
    assert heartbeat_window(settings) == expected


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


@pytest.mark.parametrize("name", ["AbortFailures", "VaultFailures", "VaultsNotFound"])
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
        # The continuation's earlier rounds report 1; a run that finished in a later round has a 0.
        "Statistic": "Minimum",
        "Dimensions": SERVICE_DIMENSION,
    }
    assert (alarm["Period"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (86400, 2, 2)
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanOrEqualToThreshold", 1)
    assert alarm["TreatMissingData"] == "notBreaching"
    # Given a cron schedule with run_interval_minutes 1440 and 3 runs
    alarm = alarms_by_name(alpha_template)["GlacierCleanup-alpha-RunIncomplete"]
    assert (alarm["Period"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (86400, 3, 3)


def test_failed_runs_alarm_fires_again_for_each_new_failure(shipped_template: dict[str, Any]) -> None:
    # Messages sent, not messages visible: an undrained queue does not hold the alarm in ALARM (silent to
    # later failures); each new record makes a new ALARM.
    alarm = alarms_by_name(shipped_template)["GlacierCleanup-default-FailedRuns"]
    queue_id = logical_id_of(shipped_template, "AWS::SQS::Queue")
    assert {key: alarm[key] for key in ("MetricName", "Namespace", "Statistic", "Dimensions")} == {
        "MetricName": "NumberOfMessagesSent",
        "Namespace": "AWS/SQS",
        "Statistic": "Sum",
        "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}}],
    }
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 0)


def alarm_topic_id(template: dict[str, Any]) -> str:
    """The alarms' topic (the run summary has its own, tests/infra/test_infra_run_summary.py)."""
    [found] = [i for i in resources_of_type(template, "AWS::SNS::Topic") if i.startswith("AlarmTopic")]
    return found


def of_alarm_topic(template: dict[str, Any], resource_type: str, key: str) -> dict[str, Any]:
    """The one subscription or topic policy of the alarms' topic."""
    topic = {"Ref": alarm_topic_id(template)}
    [found] = [
        resource["Properties"]
        for resource in resources_of_type(template, resource_type).values()
        if resource["Properties"][key] in (topic, [topic])
    ]
    return found


def test_without_emails_there_is_no_topic_and_no_action(shipped_template: dict[str, Any]) -> None:
    assert not [
        i for i in resources_of_type(shipped_template, "AWS::SNS::Topic") if i.startswith("AlarmTopic")
    ]
    assert all("AlarmActions" not in alarm for alarm in alarms_by_name(shipped_template).values())
    assert all("OKActions" not in alarm for alarm in alarms_by_name(shipped_template).values())


def test_with_emails_every_alarm_notifies_an_encrypted_topic(alpha_template: dict[str, Any]) -> None:
    topic_id = alarm_topic_id(alpha_template)
    key_id = logical_id_of(alpha_template, "AWS::KMS::Key")
    assert all(
        alarm["AlarmActions"] == alarm["OKActions"] == [{"Ref": topic_id}]
        for alarm in alarms_by_name(alpha_template).values()
    )
    topic = alpha_template["Resources"][topic_id]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert alpha_template["Resources"][key_id]["Properties"]["EnableKeyRotation"] is True
    subscription = of_alarm_topic(alpha_template, "AWS::SNS::Subscription", "TopicArn")
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
    topic_id = alarm_topic_id(alpha_template)
    statements = of_alarm_topic(alpha_template, "AWS::SNS::TopicPolicy", "Topics")["PolicyDocument"][
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


def test_an_existing_topic_from_config_receives_alarm_and_ok(tmp_path: Any) -> None:
    arn = "arn:aws:sns:eu-west-1:111111111111:pager-bridge"
    config = {
        "defaults": {},
        "targets": [
            {"name": "a", "account": "111111111111", "region": "eu-west-1", "alarm_topic_arn": arn},
            {
                "name": "b",
                "account": "111111111111",
                "region": "eu-west-1",
                "alarm_topic_arn": arn,
                "alarm_emails": ["ops@example.com"],
                "test_event_registry": "existing",
            },
        ],
    }
    synthesized = synthesize(tmp_path, config)
    a, b = synthesized.templates["GlacierCleanup-a"], synthesized.templates["GlacierCleanup-b"]
    assert all(alarm["AlarmActions"] == alarm["OKActions"] == [arn] for alarm in alarms_by_name(a).values())
    assert not [i for i in resources_of_type(a, "AWS::SNS::Topic") if i.startswith("AlarmTopic")]
    topic = {"Ref": alarm_topic_id(b)}
    assert all(alarm["AlarmActions"] == [topic, arn] for alarm in alarms_by_name(b).values())


def test_two_targets_in_one_account_and_region_have_disjoint_alarm_inputs(tmp_path: Any) -> None:
    config = {
        "defaults": {"test_event_registry": "existing"},
        "targets": [
            {"name": "one", "account": "111111111111", "region": "eu-west-1", "vaults": ["a"]},
            {"name": "two", "account": "111111111111", "region": "eu-west-1", "vaults": ["b"]},
        ],
    }
    synthesized = synthesize(tmp_path, config)

    def inputs(stack: str) -> set[str]:
        # A dimension that references a resource ({"Ref": ...}) names that stack's own function or queue.
        alarms = alarms_by_name(synthesized.templates[stack]).values()
        texts = (
            json.dumps([a.get(k) for k in ("Namespace", "MetricName", "Dimensions")], sort_keys=True)
            for a in alarms
        )
        return {
            text.replace('{"Ref": "', f'{{"Ref": "{stack}/').replace(
                '{"Fn::GetAtt": ["', f'{{"Fn::GetAtt": ["{stack}/'
            )
            for text in texts
        }

    one, two = (inputs(f"GlacierCleanup-{n}") for n in ("one", "two"))
    assert one.isdisjoint(two)
    custom = [json.loads(i) for i in one if "GlacierMultipartCleanup" in i]
    assert custom
    assert all({"Name": "target", "Value": "one"} in dims for _ns, _name, dims in custom)


def test_invalid_topic_arn_is_an_error_naming_the_field() -> None:
    with pytest.raises(ConfigError, match="field 'alarm_topic_arn'"):
        load_config(
            {CONTEXT_KEY: {"defaults": {"alarm_topic_arn": "pager"}, "targets": []}},
            default_account="123456789012",
            default_region="us-east-1",
        )
