"""Stacks per target, console test events and operator outputs."""

from __future__ import annotations

import json
from typing import Any

from infra_helpers import (
    Synthesized,
    logical_id_of,
    only_resource,
    partition_arn,
    resources_of_type,
    synthesize,
)


def test_one_stack_per_target_with_its_environment(multi: Synthesized, shipped: Synthesized) -> None:
    environments = {name: (stack.account, stack.region) for name, stack in multi.stacks.items()}
    assert environments == {
        "GlacierCleanup-alpha": ("111111111111", "eu-central-1"),
        "GlacierCleanup-beta": ("222222222222", "us-west-2"),
    }
    assert {name: artifact.environment.name for name, artifact in multi.artifacts.items()} == {
        "GlacierCleanup-alpha": "aws://111111111111/eu-central-1",
        "GlacierCleanup-beta": "aws://222222222222/us-west-2",
    }
    assert list(shipped.stacks) == ["GlacierCleanup-default"]


def test_console_test_events_schema(alpha_template: dict[str, Any]) -> None:
    schema = only_resource(alpha_template, "AWS::EventSchemas::Schema")
    function_id = logical_id_of(alpha_template, "AWS::Lambda::Function")
    properties = schema["Properties"]
    assert properties["RegistryName"] == "lambda-testevent-schemas"
    assert properties["Type"] == "OpenApi3"
    assert properties["SchemaName"] == {"Fn::Join": ["", ["_", {"Ref": function_id}, "-schema"]]}
    content = json.loads(properties["Content"])
    assert content["openapi"].startswith("3.")
    assert content["components"]["examples"] == {
        "dry-run": {"value": {"dry_run": True}},
        "abort-stale-now": {"value": {"dry_run": False}},
        "one-vault": {"value": {"dry_run": True, "vaults": ["backups"]}},
    }
    assert set(content["components"]["schemas"]["Event"]["properties"]) == {
        "dry_run",
        "older_than_hours",
        "vaults",
        "max_aborts",
    }


def test_registry_only_when_asked_and_the_schema_waits_for_it(
    alpha_template: dict[str, Any], shipped_template: dict[str, Any], beta_template: dict[str, Any]
) -> None:
    registry_id = logical_id_of(alpha_template, "AWS::EventSchemas::Registry")
    registry = alpha_template["Resources"][registry_id]
    assert registry["Properties"]["RegistryName"] == "lambda-testevent-schemas"
    # Kept on stack deletion: console users may have saved their own events in it.
    assert (registry["DeletionPolicy"], registry["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert only_resource(alpha_template, "AWS::EventSchemas::Schema")["DependsOn"] == [registry_id]
    # The shipped config ensures the registry without owning it; beta has test events off.
    assert resources_of_type(shipped_template, "AWS::EventSchemas::Registry") == {}
    ensure_id = logical_id_of(shipped_template, "Custom::AWS")
    assert ensure_id in only_resource(shipped_template, "AWS::EventSchemas::Schema")["DependsOn"]
    assert resources_of_type(beta_template, "AWS::EventSchemas::Schema") == {}
    assert resources_of_type(beta_template, "Custom::AWS") == {}


def test_default_registry_mode_succeeds_with_or_without_an_existing_registry(
    shipped_template: dict[str, Any],
) -> None:
    """The default (`ensure`): CreateRegistry on create and update, where "already exists" is success,
    and no call on delete (the shared registry outlives the stack). One template for a fresh account and
    for one that has the registry; only schemas:CreateRegistry on that registry."""
    ensure = only_resource(shipped_template, "Custom::AWS")["Properties"]
    for event in ("Create", "Update"):
        call = json.loads(_joined(ensure[event]))
        assert call["service"] == "Schemas"
        assert call["action"] == "createRegistry"
        assert call["parameters"]["RegistryName"] == "lambda-testevent-schemas"
        assert call["ignoreErrorCodesMatching"] == "ConflictException"
        assert call["physicalResourceId"] == {"id": "lambda-testevent-schemas"}
    assert "Delete" not in ensure
    (policy,) = [
        resource
        for resource in resources_of_type(shipped_template, "AWS::IAM::Policy").values()
        if "schemas:" in json.dumps(resource)
    ]
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {
            "Action": "schemas:CreateRegistry",
            "Effect": "Allow",
            "Resource": partition_arn(":schemas:us-east-1:123456789012:registry/lambda-testevent-schemas"),
        }
    ]


def test_existing_registry_mode_only_writes_the_schema(tmp_path: Any) -> None:
    synthesized = synthesize(tmp_path, {"defaults": {"test_event_registry": "existing"}, "targets": []})
    template = synthesized.templates["GlacierCleanup-default"]
    assert resources_of_type(template, "Custom::AWS") == {}
    assert resources_of_type(template, "AWS::EventSchemas::Registry") == {}
    assert resources_of_type(template, "AWS::Lambda::Function", include_provider=True).keys() == {
        logical_id_of(template, "AWS::Lambda::Function")
    }
    assert "DependsOn" not in only_resource(template, "AWS::EventSchemas::Schema")


def _joined(value: Any) -> str:
    """A Fn::Join of strings and tokens, with the tokens rendered as placeholders."""
    if isinstance(value, str):
        return value
    return "".join(part if isinstance(part, str) else "TOKEN" for part in value["Fn::Join"][1])


def test_one_vault_example_falls_back_to_a_placeholder(shipped_template: dict[str, Any]) -> None:
    content = json.loads(
        only_resource(shipped_template, "AWS::EventSchemas::Schema")["Properties"]["Content"]
    )
    assert content["components"]["examples"]["one-vault"] == {
        "value": {"dry_run": True, "vaults": ["example-vault"]}
    }


def test_outputs_tell_operators_how_to_run_it(shipped_template: dict[str, Any]) -> None:
    function_ref = {"Ref": logical_id_of(shipped_template, "AWS::Lambda::Function")}
    outputs = shipped_template["Outputs"]
    assert outputs["FunctionName"]["Value"] == function_ref
    assert outputs["FunctionArn"]["Value"] == {
        "Fn::GetAtt": [logical_id_of(shipped_template, "AWS::Lambda::Function"), "Arn"]
    }
    assert outputs["DryRunCommand"]["Value"] == {
        "Fn::Join": [
            "",
            [
                "aws lambda invoke --function-name ",
                function_ref,
                " --region ",
                {"Ref": "AWS::Region"},
                " --cli-binary-format raw-in-base64-out --payload '{\"dry_run\": true}' /dev/stdout",
            ],
        ]
    }
    assert outputs["ConsoleUrl"]["Value"] == {
        "Fn::Join": [
            "",
            [
                "https://",
                {"Fn::FindInMap": ["ConsoleDomain", {"Ref": "AWS::Partition"}, "domain"]},
                "/lambda/home?region=",
                {"Ref": "AWS::Region"},
                "#/functions/",
                function_ref,
                "?tab=testing",
            ],
        ]
    }
    assert shipped_template["Mappings"]["ConsoleDomain"] == {
        "aws": {"domain": "console.aws.amazon.com"},
        "aws-cn": {"domain": "console.amazonaws.cn"},
        "aws-us-gov": {"domain": "console.amazonaws-us-gov.com"},
    }
