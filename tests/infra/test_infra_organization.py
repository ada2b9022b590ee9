"""The organization mode's templates: the member role, the hub's access to it, the state machine, the
StackSet and the results bucket, asserted exactly (infra/examples/organization.json)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from glacier_cleanup_cdk.config import ConfigError, load_config
from glacier_cleanup_cdk.continuation import EARLIER_COUNTS
from infra_helpers import (
    ORGANIZATION_CONFIG,
    only_resource,
    policy_attached_to,
    resources_of_type,
    state_machine_definition,
)

HUB_ROLE_ARN = {
    "Fn::Join": [
        "",
        ["arn:", {"Ref": "AWS::Partition"}, ":iam::222222222222:role/GlacierCleanup-acme-hub-function"],
    ]
}


def test_the_member_role_trusts_only_the_hub_function_inside_the_organization(
    member_template: dict[str, Any],
) -> None:
    role = only_resource(member_template, "AWS::IAM::Role")["Properties"]
    assert role["RoleName"] == "GlacierCleanupMember"
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
            "Effect": "Allow",
            "Principal": {"AWS": HUB_ROLE_ARN},
        }
    ]
    [policy] = role["Policies"]
    vaults = {
        "Fn::Join": [
            "",
            ["arn:", {"Ref": "AWS::Partition"}, ":glacier:*:", {"Ref": "AWS::AccountId"}, ":vaults/*"],
        ]
    }
    assert policy["PolicyDocument"]["Statement"] == [
        {"Action": "glacier:ListVaults", "Effect": "Allow", "Resource": "*", "Sid": "ListVaults"},
        {
            # ListParts and nothing more for the activity check: the looks are kept in the hub's table.
            "Action": ["glacier:AbortMultipartUpload", "glacier:ListMultipartUploads", "glacier:ListParts"],
            "Effect": "Allow",
            "Resource": vaults,
            "Sid": "CleanUpVaultUploads",
        },
    ]
    assert "ManagedPolicyArns" not in role


def test_the_member_template_needs_no_bootstrap_and_no_assets(member_template: dict[str, Any]) -> None:
    assert set(member_template["Resources"]) == {
        next(iter(resources_of_type(member_template, "AWS::IAM::Role")))
    }
    assert "Parameters" not in member_template  # no BootstrapVersion: StackSet members are not bootstrapped
    assert "Rules" not in member_template


def test_report_bytes_adds_list_parts_to_the_member_role_and_vaults_narrow_it() -> None:
    from glacier_cleanup_cdk.organization.member_role import member_template as synthesize_member  # noqa: PLC0415

    block = json.loads(json.dumps(ORGANIZATION_CONFIG))
    block["organization"].update({"report_bytes": True, "vaults": ["backups"]})
    config = load_config({"glacier-cleanup": block})
    assert config.organization is not None
    template = synthesize_member(config.organization)
    statements = only_resource(template, "AWS::IAM::Role")["Properties"]["Policies"][0]["PolicyDocument"][
        "Statement"
    ]
    assert statements[1]["Action"] == [
        "glacier:AbortMultipartUpload",
        "glacier:ListMultipartUploads",
        "glacier:ListParts",
    ]
    assert statements[1]["Resource"]["Fn::Join"][1][-1] == ":vaults/backups"


def test_the_hub_function_may_assume_only_the_member_role_inside_the_organization(
    hub_template: dict[str, Any],
) -> None:
    roles = {
        logical_id: role
        for logical_id, role in resources_of_type(hub_template, "AWS::IAM::Role").items()
        if role["Properties"].get("RoleName") == "GlacierCleanup-acme-hub-function"
    }
    [role_id] = roles
    statements = policy_attached_to(hub_template, role_id)["Statement"]
    assume = [s for s in statements if s.get("Sid") == "AssumeMemberRole"]
    assert assume == [
        {
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:ResourceOrgID": "o-a1b2c3d4e5"}},
            "Effect": "Allow",
            "Resource": {
                "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::*:role/GlacierCleanupMember"]]
            },
            "Sid": "AssumeMemberRole",
        }
    ]
    actions = {
        a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert not [a for a in actions if a.startswith("glacier:")]  # the hub has no Glacier access of its own
    assert [a for a in actions if a.startswith("sts:")] == ["sts:AssumeRole"]
    function = next(
        f["Properties"]
        for f in resources_of_type(hub_template, "AWS::Lambda::Function").values()
        if f["Properties"]["Handler"] == "glacier_cleanup.handler.lambda_handler"
    )
    assert function["Environment"]["Variables"]["CLEANUP_MEMBER_ROLE_NAME"] == "GlacierCleanupMember"
    assert function["ReservedConcurrentExecutions"] == 20  # the map's concurrency


def test_the_state_machine_plans_fans_out_continues_and_summarizes(hub_template: dict[str, Any]) -> None:
    document = state_machine_definition(hub_template)
    states = document["States"]
    assert document["StartAt"] == "Plan"
    assert (states["Plan"]["Next"], states["Targets"]["Next"]) == ("Targets", "Summarize")
    assert states["Plan"]["Parameters"]["Payload"] == {"run_id.$": "$$.Execution.Name", "request.$": "$"}
    targets = states["Targets"]
    assert targets["ItemProcessor"]["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    assert targets["ItemReader"]["ReaderConfig"] == {"InputType": "JSON"}
    assert targets["ItemReader"]["Parameters"]["Key.$"] == "$.plan.key"
    assert targets["ResultWriter"]["Parameters"]["Prefix"] == "results"
    assert (targets["MaxConcurrency"], targets["ToleratedFailurePercentage"]) == (20, 10)
    assert targets["ItemSelector"]["round"] == 1
    loop = targets["ItemProcessor"]["States"]
    assert targets["ItemProcessor"]["StartAt"] == "Clean"
    assert loop["Clean"]["Next"] == "MoreToDo"
    assert loop["Clean"]["Parameters"]["Payload"] == {
        "account.$": "$.account",
        "region.$": "$.region",
        "run_id.$": "$.run_id",
        "settings.$": "$.settings",
        "round.$": "$.round",
        "aborts_before.$": "$.earlier.abort_calls",
        "resume_after.$": "$.resume_after",
        "earlier.$": "$.earlier",
    }
    [choice] = loop["MoreToDo"]["Choices"]
    assert choice == {
        "And": [
            {"Variable": "$.last.result.more_to_do", "BooleanEquals": True},
            {"Variable": "$.round", "NumericLessThan": 4},
        ],
        "Next": "NextRound",
    }
    assert (loop["MoreToDo"]["Default"], loop["NextRound"]["Next"]) == ("Done", "Clean")
    assert loop["NextRound"]["Parameters"]["round.$"] == "States.MathAdd($.round, 1)"
    # The next round resumes after the last vault finished, and hands on what it cannot see again.
    assert loop["NextRound"]["Parameters"]["resume_after.$"] == "$.last.result.resume_after"
    assert loop["NextRound"]["Parameters"]["earlier"]["uploads_found.$"] == (
        "States.MathAdd($.earlier.uploads_found, $.last.result.carry.uploads_found)"
    )
    assert loop["Done"]["End"] is True
    retried = [error for retry in loop["Clean"]["Retry"] for error in retry["ErrorEquals"]]
    assert retried == [
        "Lambda.ClientExecutionTimeoutException",
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
    ]
    # A function error (a bad event) is not retried: it fails that item, counted by the summary.
    assert "Lambda.Unknown" not in retried
    assert states["Summarize"]["Parameters"]["Payload"]["manifest_key.$"] == "$.map.ResultWriterDetails.Key"
    # Then the organization's run summary, when the summary step says there is news
    assert states["Summarize"]["Next"] == "Notify"
    assert states["PublishSummary"]["Parameters"]["Message.$"] == "$.message.sns"
    machine = only_resource(hub_template, "AWS::StepFunctions::StateMachine")["Properties"]
    assert machine["StateMachineType"] == "STANDARD"
    assert machine["TracingConfiguration"] == {"Enabled": True}


def test_the_stack_set_reaches_every_account_of_the_ous_now_and_later(
    hub_template: dict[str, Any], member_template: dict[str, Any]
) -> None:
    stack_set = only_resource(hub_template, "AWS::CloudFormation::StackSet")
    properties = stack_set["Properties"]
    assert properties["PermissionModel"] == "SERVICE_MANAGED"
    assert properties["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": False}
    assert properties["CallAs"] == "SELF"
    assert properties["Capabilities"] == ["CAPABILITY_NAMED_IAM"]
    assert properties["StackInstancesGroup"] == [
        {
            "DeploymentTargets": {"OrganizationalUnitIds": ["ou-ab12-34cd56ef", "ou-ab12-78gh90ij"]},
            "Regions": ["eu-west-1"],
        }
    ]
    assert properties["OperationPreferences"] == {
        "ConcurrencyMode": "SOFT_FAILURE_TOLERANCE",
        "FailureTolerancePercentage": 100,
        "MaxConcurrentPercentage": 100,
        "RegionConcurrencyType": "PARALLEL",
    }
    # The body is the member stack's own template, so the management account gets the very same role.
    body = json.loads(properties["TemplateBody"])
    assert body["Resources"] == member_template["Resources"]
    # The member roles trust the hub function's role by ARN: that role exists first.
    role_id = next(
        i
        for i, r in resources_of_type(hub_template, "AWS::IAM::Role").items()
        if r["Properties"].get("RoleName") == "GlacierCleanup-acme-hub-function"
    )
    assert role_id in stack_set["DependsOn"]


def bucket_with_rule(template: dict[str, Any], rule_id: str) -> tuple[str, dict[str, Any]]:
    """The hub's bucket whose lifecycle rule has this id: its run files' or its decision records'."""
    [found] = [
        (logical_id, bucket)
        for logical_id, bucket in resources_of_type(template, "AWS::S3::Bucket").items()
        if any(rule["Id"] == rule_id for rule in bucket["Properties"]["LifecycleConfiguration"]["Rules"])
    ]
    return found


def test_the_results_bucket_is_private_encrypted_tls_only_and_expires(hub_template: dict[str, Any]) -> None:
    logical_id, bucket = bucket_with_rule(hub_template, "ExpireRunFiles")
    properties = bucket["Properties"]
    encryption = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    [rule] = properties["LifecycleConfiguration"]["Rules"]
    assert (rule["ExpirationInDays"], rule["Status"]) == (90, "Enabled")
    assert bucket["DeletionPolicy"] == "Retain"
    [policy] = [
        p["Properties"]["PolicyDocument"]
        for p in resources_of_type(hub_template, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": logical_id}
    ]
    [deny] = policy["Statement"]
    assert (deny["Effect"], deny["Condition"]) == ("Deny", {"Bool": {"aws:SecureTransport": "false"}})


def test_the_hub_records_the_organizations_decisions_in_a_bucket_that_keeps_them_longer(
    hub_template: dict[str, Any],
) -> None:
    logical_id, bucket = bucket_with_rule(hub_template, "ExpireRecords")
    rules = {rule["Id"]: rule for rule in bucket["Properties"]["LifecycleConfiguration"]["Rules"]}
    assert rules["ExpireRecords"]["ExpirationInDays"] == 400  # records_retention_days, not the run files' 90
    [function] = [
        f
        for f in resources_of_type(hub_template, "AWS::Lambda::Function").values()
        if f["Properties"]["Handler"] == "glacier_cleanup.handler.lambda_handler"
    ]
    assert function["Properties"]["Environment"]["Variables"]["CLEANUP_RECORDS_BUCKET"] == {"Ref": logical_id}
    table = only_resource(hub_template, "AWS::Glue::Table")["Properties"]["TableInput"]
    assert table["Parameters"]["storage.location.template"]["Fn::Join"][1][1] == {"Ref": logical_id}
    assert len(resources_of_type(hub_template, "AWS::Athena::NamedQuery")) == 4


def test_the_schedule_starts_the_organization_run(hub_template: dict[str, Any]) -> None:
    target = only_resource(hub_template, "AWS::Scheduler::Schedule")["Properties"]["Target"]
    machine_id = next(iter(resources_of_type(hub_template, "AWS::StepFunctions::StateMachine")))
    assert target["Arn"] == {"Ref": machine_id}
    assert json.loads(target["Input"])["trigger"] == "schedule"
    assert "DeadLetterConfig" in target


def test_the_hub_alarms(hub_template: dict[str, Any]) -> None:
    names = sorted(
        a["Properties"]["AlarmName"]
        for a in resources_of_type(hub_template, "AWS::CloudWatch::Alarm").values()
    )
    assert names == sorted(
        f"GlacierCleanup-acme-hub-{name}"
        for name in (
            "TargetsFailed",
            "TargetsNoAccess",
            # Targets that are denied, partial or incomplete alarm too: nothing silent.
            "TargetsPartial",
            "TargetsIncomplete",
            "AbortFailures",
            "FailedRuns",
            "ActivityCheckFailures",
            "DidNotRun",
            "ExecutionsFailed",
            "ExecutionsTimedOut",
            "ExecutionsAborted",
        )
    )
    [topic] = [i for i in resources_of_type(hub_template, "AWS::SNS::Topic") if i.startswith("AlarmTopic")]
    for alarm in resources_of_type(hub_template, "AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic}]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"organization_id": "org-1"}, "organization, field 'organization_id'"),
        ({"organizational_units": []}, "organization, field 'organizational_units'"),
        ({"organizational_units": ["ou-bad"]}, "organization, field 'organizational_units.0'"),
        ({"regions": ["Europe"]}, "organization, field 'regions"),
        ({"hub_account": "12"}, "organization, field 'hub_account'"),
        ({"stackset_call_as": "ADMIN"}, "organization, field 'stackset_call_as'"),
        ({"max_concurrency": 0}, "organization, field 'max_concurrency'"),
        ({"dry_run": "maybe"}, "organization, field 'dry_run'"),
        ({"colour": "blue"}, "organization, field 'colour': unknown key"),
        ({"glacier_account_id": "111111111111"}, "organization, field 'glacier_account_id'"),
    ],
)
def test_a_bad_organization_block_names_the_field(change: dict[str, Any], message: str) -> None:
    block = json.loads(json.dumps(ORGANIZATION_CONFIG))
    block["organization"].update(change)
    with pytest.raises(ConfigError, match=message):
        load_config({"glacier-cleanup": block})


def test_regions_may_be_all_and_the_planner_is_told_so() -> None:
    block = json.loads(json.dumps(ORGANIZATION_CONFIG))
    block["organization"]["regions"] = "all"
    config = load_config({"glacier-cleanup": block, "glacier-cleanup:organization:max_concurrency": "5"})
    assert config.organization is not None
    assert config.organization.fan_out.regions == "all"
    assert config.organization.fan_out.max_concurrency == 5
    from glacier_cleanup_cdk.organization.functions import organization_environment  # noqa: PLC0415

    assert organization_environment(config.organization, "bucket")["CLEANUP_ORG_REGIONS"] == "all"


def test_the_hub_functions_console_test_events_are_target_events(hub_template: dict[str, Any]) -> None:
    from glacier_cleanup.inputs.events import TargetEvent, parse_event  # noqa: PLC0415

    schema = only_resource(hub_template, "AWS::EventSchemas::Schema")["Properties"]
    examples = json.loads(schema["Content"])["components"]["examples"]
    events = {name: parse_event(example["value"]) for name, example in examples.items()}
    assert all(isinstance(event, TargetEvent) for event in events.values())
    assert {(e.account, e.region) for e in events.values() if isinstance(e, TargetEvent)} == {
        ("222222222222", "eu-west-1")
    }


def test_a_targets_scheduled_run_continues_while_incomplete(shipped_template: dict[str, Any]) -> None:
    document = state_machine_definition(shipped_template)
    states = document["States"]
    assert document["StartAt"] == "FirstRound"
    assert states["FirstRound"]["Parameters"] == {
        "trigger": "schedule",
        "scheduled_time.$": "$$.Execution.StartTime",
        "round": 1,
        "resume_after": "",
        "earlier": dict.fromkeys(EARLIER_COUNTS, 0),
    }
    assert states["Clean"]["Parameters"]["Payload"] == {
        "trigger.$": "$.trigger",
        "scheduled_time.$": "$.scheduled_time",
        "round.$": "$.round",
        "aborts_before.$": "$.earlier.abort_calls",
        "resume_after.$": "$.resume_after",
        "earlier.$": "$.earlier",
    }
    assert states["MoreToDo"]["Choices"][0]["And"][1] == {"Variable": "$.round", "NumericLessThan": 5}
    # Every round may use the function's whole timeout; plus 15 minutes for retries' waiting.
    assert document["TimeoutSeconds"] == 900 * 5 + 900
