"""The activity check's observation table: its properties, who may use it and how, and nothing of it when
the check is off."""

from __future__ import annotations

import ast
from typing import Any

import pytest
from glacier_cleanup_cdk.observations import ITEM_ACTIONS, PARTITION_KEY, TTL_ATTRIBUTE
from infra_helpers import (
    REPO_ROOT,
    Synthesized,
    function_role_id,
    logical_id_of,
    only_resource,
    policy_attached_to,
    resources_of_type,
    synthesize,
)

AGE_ONLY = {
    "targets": [
        {"name": "ageonly", "account": "111111111111", "region": "eu-west-1", "activity_check": False},
        {
            "name": "kept",
            "account": "111111111111",
            "region": "eu-west-2",
            "observation_table_removal": "retain",
            "idle_hours": 72,
        },
    ]
}


@pytest.fixture(scope="module")
def configured(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(tmp_path_factory.mktemp("cdk-observations"), AGE_ONLY)


def test_the_table_is_on_demand_keyed_by_upload_with_ttl_pitr_and_the_stack_key(
    shipped_template: dict[str, Any],
) -> None:
    table = only_resource(shipped_template, "AWS::DynamoDB::Table")
    properties = table["Properties"]
    assert properties["KeySchema"] == [{"AttributeName": PARTITION_KEY, "KeyType": "HASH"}]
    assert properties["AttributeDefinitions"] == [{"AttributeName": PARTITION_KEY, "AttributeType": "S"}]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    key_id = logical_id_of(shipped_template, "AWS::KMS::Key")
    assert properties["SSESpecification"] == {
        "KMSMasterKeyId": {"Fn::GetAtt": [key_id, "Arn"]},
        "SSEEnabled": True,
        "SSEType": "KMS",
    }
    # Observations, not records: removed with the stack unless the config says retain.
    assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("Delete", "Delete")


def test_retain_keeps_the_table_and_the_idle_time_reaches_the_function(configured: Synthesized) -> None:
    template = configured.templates["GlacierCleanup-kept"]
    table = only_resource(template, "AWS::DynamoDB::Table")
    assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("Retain", "Retain")
    variables = only_resource(template, "AWS::Lambda::Function")["Properties"]["Environment"]["Variables"]
    assert (variables["CLEANUP_IDLE_HOURS"], variables["CLEANUP_ACTIVITY_CHECK"]) == ("72", "true")


def test_age_only_has_no_table_no_list_parts_and_no_activity_alarm(configured: Synthesized) -> None:
    template = configured.templates["GlacierCleanup-ageonly"]
    assert resources_of_type(template, "AWS::DynamoDB::Table") == {}
    variables = only_resource(template, "AWS::Lambda::Function")["Properties"]["Environment"]["Variables"]
    assert (variables["CLEANUP_ACTIVITY_CHECK"], variables["CLEANUP_OBSERVATION_TABLE"]) == ("false", "")
    actions = [
        action
        for statement in policy_attached_to(template, function_role_id(template))["Statement"]
        for action in (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
    ]
    assert "glacier:ListParts" not in actions
    assert not [action for action in actions if action.startswith("dynamodb:")]
    alarms = [
        a["Properties"]["AlarmName"] for a in resources_of_type(template, "AWS::CloudWatch::Alarm").values()
    ]
    assert "GlacierCleanup-ageonly-ActivityCheckFailures" not in alarms


def test_the_hub_function_alone_uses_the_hubs_table(hub_template: dict[str, Any]) -> None:
    table_id = logical_id_of(hub_template, "AWS::DynamoDB::Table")
    users = {
        role["Ref"]
        for policy in resources_of_type(hub_template, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement.get("Resource") == {"Fn::GetAtt": [table_id, "Arn"]}
        for role in policy["Properties"]["Roles"]
    }
    cleanup = next(
        function["Properties"]["Role"]["Fn::GetAtt"][0]
        for function in resources_of_type(hub_template, "AWS::Lambda::Function").values()
        if function["Properties"]["Handler"] == "glacier_cleanup.handler.lambda_handler"
    )
    assert users == {cleanup}


def test_the_granted_item_actions_are_exactly_the_adapters_calls() -> None:
    source = (REPO_ROOT / "lambda_src" / "glacier_cleanup" / "aws" / "observations.py").read_text()
    calls = {
        node.func.attr
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "_client"
    }
    # get_item -> dynamodb:GetItem
    assert {"dynamodb:" + "".join(part.title() for part in call.split("_")) for call in calls} == set(
        ITEM_ACTIONS
    )
