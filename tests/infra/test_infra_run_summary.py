"""The run summary's topic (run_summary.py) and its publisher, the target's run state machine: e-mail, Slack
and Teams subscriptions from the config, a chat role that can do nothing, and a publish only when the run's
message says so, with what the encrypted topic needs and nothing more."""

from __future__ import annotations

import json
from typing import Any

import pytest
from glacier_cleanup_cdk.config import CONTEXT_KEY, ConfigError, load_config
from infra_helpers import MULTI_TARGET_CONFIG, only_resource, resources_of_type, state_machine_definition


def summary_topic_id(template: dict[str, Any]) -> str:
    [found] = [
        logical_id
        for logical_id in resources_of_type(template, "AWS::SNS::Topic")
        if "RunSummary" in logical_id
    ]
    return found


def states(template: dict[str, Any]) -> dict[str, Any]:
    return dict(state_machine_definition(template)["States"])


def test_the_shipped_stack_has_the_topic_and_no_subscription(shipped_template: dict[str, Any]) -> None:
    topic = resources_of_type(shipped_template, "AWS::SNS::Topic")[summary_topic_id(shipped_template)]
    assert "KmsMasterKeyId" in topic["Properties"]
    assert resources_of_type(shipped_template, "AWS::SNS::Subscription") == {}
    assert "RunSummaryTopicArn" in shipped_template["Outputs"]


def test_the_run_publishes_only_what_its_message_says_to_send(shipped_template: dict[str, Any]) -> None:
    found = states(shipped_template)
    assert found["Done"]["Next"] == "Notify"
    [choice] = found["Notify"]["Choices"]
    assert {"Variable": "$.result.message.send", "BooleanEquals": True} in choice["And"]
    assert choice["Next"] == "PublishSummary"
    assert found["Notify"]["Default"] == "NothingToTell"
    publish = found["PublishSummary"]
    assert publish["Resource"].endswith(":states:::sns:publish") or "sns:publish" in json.dumps(publish)
    assert publish["Parameters"]["MessageStructure"] == "json"
    assert publish["Parameters"]["Message.$"] == "$.result.message.sns"
    assert publish["Parameters"]["Subject.$"] == "$.result.message.subject"
    assert publish["ResultPath"] is None  # the run's output stays its result
    # Retried only on what passes: a refused publish fails the execution at once (its alarm)
    [retry] = publish["Retry"]
    assert "SNS.ThrottledException" in retry["ErrorEquals"]
    assert not {"States.ALL", "SNS.AuthorizationErrorException"} & set(retry["ErrorEquals"])


def test_the_state_machine_may_publish_to_its_topic_and_use_the_key_for_it_only(
    shipped_template: dict[str, Any],
) -> None:
    topic = summary_topic_id(shipped_template)
    statements = [
        statement
        for policy in resources_of_type(shipped_template, "AWS::IAM::Policy").values()
        if any(
            "Run" in role["Ref"] and "StateMachine" in role["Ref"] for role in policy["Properties"]["Roles"]
        )
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    publish = [s for s in statements if s["Action"] == "sns:Publish"]
    assert [s["Resource"] for s in publish] == [{"Ref": topic}]
    kms = [s for s in statements if "kms:GenerateDataKey" in s["Action"]]
    assert [sorted(s["Action"]) for s in kms] == [["kms:Decrypt", "kms:GenerateDataKey"]]


def test_emails_slack_and_teams_from_the_config(alpha_template: dict[str, Any]) -> None:
    topic = {"Ref": summary_topic_id(alpha_template)}
    subscriptions = [
        s["Properties"]
        for s in resources_of_type(alpha_template, "AWS::SNS::Subscription").values()
        if s["Properties"]["TopicArn"] == topic
    ]
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [("email", "storage-team@example.com")]
    slack = only_resource(alpha_template, "AWS::Chatbot::SlackChannelConfiguration")["Properties"]
    teams = only_resource(alpha_template, "AWS::Chatbot::MicrosoftTeamsChannelConfiguration")["Properties"]
    assert (slack["SlackWorkspaceId"], slack["SlackChannelId"]) == ("T0123ABCD", "C0123ABCD")
    assert slack["SnsTopicArns"] == [topic]
    assert teams["SnsTopicArns"] == [topic]
    assert teams["TeamsChannelId"] == "19%3Aexample%40thread.tacv2"
    for channel in (slack, teams):
        assert channel["UserRoleRequired"] is False
        assert "ReadOnlyAccess" in json.dumps(channel["GuardrailPolicies"])
    # The channels' role can do nothing: no policy names it
    [role_id] = [
        logical_id
        for logical_id, role in resources_of_type(alpha_template, "AWS::IAM::Role").items()
        if "chatbot.amazonaws.com" in json.dumps(role["Properties"]["AssumeRolePolicyDocument"])
    ]
    role = resources_of_type(alpha_template, "AWS::IAM::Role")[role_id]["Properties"]
    assert "Policies" not in role
    assert "ManagedPolicyArns" not in role
    assert not [
        policy
        for policy in resources_of_type(alpha_template, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
    ]
    # summary_always reaches the function
    [function] = resources_of_type(alpha_template, "AWS::Lambda::Function").values()
    assert function["Properties"]["Environment"]["Variables"]["CLEANUP_SUMMARY_ALWAYS"] == "true"


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({"summary_slack_workspace_id": "T0123ABCD"}, "summary_slack_channel_id"),
        (
            {
                "summary_teams_tenant_id": "aaaaaaaa-1111-2222-3333-444444444444",
                "summary_teams_channel_id": "19%3Aexample%40thread.tacv2",
            },
            "summary_teams_team_id",
        ),
    ],
)
def test_a_chat_channel_needs_all_its_ids(given: dict[str, str], missing: str) -> None:
    config = json.loads(json.dumps(MULTI_TARGET_CONFIG))
    config["targets"][1].update(given)
    with pytest.raises(ConfigError, match=missing):
        load_config({CONTEXT_KEY: config})
