"""The cleanup function: runtime, code asset, Powertools layer, settings, logs, tracing, async invocation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_lambda_powertools.shared.version
import pytest
from aws_cdk import App
from aws_cdk.assertions import Match, Template
from glacier_cleanup_cdk import GlacierCleanupStack, load_config
from glacier_cleanup_cdk.powertools import layer_parameter_name, pinned_powertools_version
from infra_helpers import (
    REPO_ROOT,
    Synthesized,
    function_log_group_id,
    logical_id_of,
    only_resource,
    resources_of_type,
)

from local_harness.synth_app import synthesize_in_process

SHIPPED_ENVIRONMENT = {
    "CLEANUP_OLDER_THAN_HOURS": "168",
    "CLEANUP_DRY_RUN": "true",
    "CLEANUP_VAULTS": "",
    "CLEANUP_EXCLUDE_VAULTS": "",
    "CLEANUP_DECOMMISSION_VAULTS": "",
    "CLEANUP_DECOMMISSION_DENY_WRITES": "false",
    "CLEANUP_PROTECT_DESCRIPTION_REGEX": "",
    "CLEANUP_CONCURRENCY": "16",
    "CLEANUP_MAX_ABORTS": "",
    "CLEANUP_TIME_MARGIN_SECONDS": "30",
    "CLEANUP_TARGET": "default",
    "CLEANUP_ACCOUNT_ID": "-",
    "CLEANUP_REPORT_BYTES": "false",
    "CLEANUP_MAX_ATTEMPTS": "10",
    "CLEANUP_RETRY_MODE": "standard",
    "CLEANUP_PACING": "true",
    "CLEANUP_MAX_REQUESTS_PER_SECOND": "",
    "CLEANUP_ACTIVITY_CHECK": "true",
    "CLEANUP_IDLE_HOURS": "168",
    "CLEANUP_EVENT_MAY_LOOSEN": "false",
    "CLEANUP_OBSERVATION_TABLE": {"Ref": "ObservationsTableA2C238FE"},
    "CLEANUP_RECORDS_BUCKET": {"Ref": "RecordsBucket600C9C86"},
    "CLEANUP_STORAGE_PRICE_PER_GB_MONTH": "0.0036",
    "CLEANUP_SCHEDULE_EXPRESSION": "rate(1 day)",
    "CLEANUP_SCHEDULE_TIME_ZONE": "UTC",
    "CLEANUP_SCHEDULE_WINDOW_MINUTES": "60",
    "CLEANUP_SUMMARY_ALWAYS": "false",
    "CLEANUP_LOG_DESCRIPTIONS": "hashed",
    "POWERTOOLS_SERVICE_NAME": "glacier-multipart-cleanup",
    "POWERTOOLS_METRICS_NAMESPACE": "GlacierMultipartCleanup",
    "POWERTOOLS_LOG_LEVEL": "INFO",
}


def test_runtime_architecture_handler_and_sizing(
    shipped_assertions: Template, shipped_template: dict[str, Any]
) -> None:
    shipped_assertions.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Runtime": "python3.13",
            "Architectures": ["arm64"],
            "Handler": "glacier_cleanup.handler.lambda_handler",
            "MemorySize": 1024,
            "Timeout": 900,
            "ReservedConcurrentExecutions": 1,
            "TracingConfig": {"Mode": "Active"},
            "LoggingConfig": {
                "LogFormat": "JSON",
                "ApplicationLogLevel": "INFO",
                "SystemLogLevel": "INFO",
                "LogGroup": {"Ref": function_log_group_id(shipped_template)},
            },
        },
    )


def test_shipped_environment_is_every_design_setting(shipped_template: dict[str, Any]) -> None:
    function = only_resource(shipped_template, "AWS::Lambda::Function")
    assert function["Properties"]["Environment"]["Variables"] == SHIPPED_ENVIRONMENT


def test_configured_settings_reach_the_environment(alpha_template: dict[str, Any]) -> None:
    variables = only_resource(alpha_template, "AWS::Lambda::Function")["Properties"]["Environment"][
        "Variables"
    ]
    assert set(variables) == set(SHIPPED_ENVIRONMENT)
    assert {
        key: variables[key]
        for key in (
            "CLEANUP_OLDER_THAN_HOURS",
            "CLEANUP_DRY_RUN",
            "CLEANUP_VAULTS",
            "CLEANUP_EXCLUDE_VAULTS",
            "CLEANUP_PROTECT_DESCRIPTION_REGEX",
            "CLEANUP_MAX_ABORTS",
            "CLEANUP_MAX_REQUESTS_PER_SECOND",
            "CLEANUP_TIME_MARGIN_SECONDS",
            "CLEANUP_REPORT_BYTES",
            "CLEANUP_TARGET",
            "POWERTOOLS_LOG_LEVEL",
        )
    } == {
        "CLEANUP_OLDER_THAN_HOURS": "72",
        "CLEANUP_DRY_RUN": "false",
        "CLEANUP_VAULTS": "backups,logs.2024",
        "CLEANUP_EXCLUDE_VAULTS": "tmp-*",
        "CLEANUP_PROTECT_DESCRIPTION_REGEX": "^keep:",
        "CLEANUP_MAX_ABORTS": "500",
        "CLEANUP_MAX_REQUESTS_PER_SECOND": "25",
        "CLEANUP_TIME_MARGIN_SECONDS": "45",
        "CLEANUP_REPORT_BYTES": "true",
        "CLEANUP_TARGET": "alpha",
        "POWERTOOLS_LOG_LEVEL": "DEBUG",
    }


def test_configured_sizing_and_log_level(alpha_assertions: Template) -> None:
    alpha_assertions.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "MemorySize": 512,
            "Timeout": 600,
            "LoggingConfig": Match.object_like({"ApplicationLogLevel": "DEBUG"}),
        },
    )


def test_overlap_and_tracing_can_be_switched_off(beta_template: dict[str, Any]) -> None:
    properties = only_resource(beta_template, "AWS::Lambda::Function")["Properties"]
    assert "ReservedConcurrentExecutions" not in properties
    assert properties.get("TracingConfig", {"Mode": "PassThrough"}) == {"Mode": "PassThrough"}


def test_log_group_retention(shipped_assertions: Template, alpha_assertions: Template) -> None:
    shipped_assertions.has_resource(
        "AWS::Logs::LogGroup", {"Properties": {"RetentionInDays": 90}, "DeletionPolicy": "Retain"}
    )
    alpha_assertions.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 365})


def test_async_invocation_retries_then_goes_to_the_failed_runs_queue(
    shipped_assertions: Template, shipped_template: dict[str, Any], alpha_assertions: Template
) -> None:
    queue_arn = {"Fn::GetAtt": [logical_id_of(shipped_template, "AWS::SQS::Queue"), "Arn"]}
    shipped_assertions.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {
            "MaximumRetryAttempts": 1,
            "MaximumEventAgeInSeconds": 3600,
            "DestinationConfig": {"OnFailure": {"Destination": queue_arn}},
        },
    )
    alpha_assertions.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig", {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 7200}
    )


def test_powertools_layer_is_the_public_parameter_at_the_pinned_version(
    shipped_template: dict[str, Any],
) -> None:
    # Given the version pinned in requirements.txt, read independently of glacier_cleanup_cdk.powertools
    pins = [
        line.split("==", 1)[1].strip()
        for line in (REPO_ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.startswith("aws-lambda-powertools==")
    ]
    assert len(pins) == 1
    # Then the layer is the deploy-time SSM parameter for that exact version (a drift fails here)
    layers = only_resource(shipped_template, "AWS::Lambda::Function")["Properties"]["Layers"]
    assert len(layers) == 2  # then the SDK layer (tests/infra/test_infra_sdk_layer.py)
    parameter = shipped_template["Parameters"][layers[0]["Ref"]]
    assert parameter == {
        "Type": "AWS::SSM::Parameter::Value<String>",
        "Default": f"/aws/service/powertools/python/arm64/python3.13/{pins[0]}",
    }
    # And it is the version the unit tests run against
    assert pins[0] == aws_lambda_powertools.shared.version.VERSION


def test_pinned_version_reader(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("boto3==1.0\naws-lambda-powertools[tracer] == 3.1.4  # layer\n", encoding="utf-8")
    assert pinned_powertools_version(requirements) == "3.1.4"
    requirements.write_text("aws-lambda-powertools>=3\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no exact pin"):
        pinned_powertools_version(requirements)
    assert (
        layer_parameter_name(version="3.1.4", architecture="arm64", runtime="python3.14")
        == "/aws/service/powertools/python/arm64/python3.14/3.1.4"
    )


def _staged_code_asset(synthesized: Synthesized, stack_name: str) -> Path:
    manifest = json.loads((synthesized.outdir / f"{stack_name}.assets.json").read_text(encoding="utf-8"))
    key = only_resource(synthesized.templates[stack_name], "AWS::Lambda::Function")["Properties"]["Code"][
        "S3Key"
    ]
    (entry,) = [asset for asset_hash, asset in manifest["files"].items() if key == f"{asset_hash}.zip"]
    assert entry["source"]["packaging"] == "zip"
    return synthesized.outdir / entry["source"]["path"]


def test_code_asset_holds_only_the_glacier_cleanup_package(shipped: Synthesized) -> None:
    asset = _staged_code_asset(shipped, "GlacierCleanup-default")
    files = sorted(path.relative_to(asset).as_posix() for path in asset.rglob("*") if path.is_file())
    assert "glacier_cleanup/__init__.py" in files
    outside = [name for name in files if not name.startswith("glacier_cleanup/")]
    assert outside == [], "only the glacier_cleanup package belongs in the Lambda asset"
    leftovers = [
        name
        for name in files
        if "__pycache__" in name
        or name.endswith((".pyc", "conftest.py"))
        or "/tests/" in name
        or Path(name).name.startswith("test_")
        or "emulator" in name
        or "infra" in name
    ]
    assert leftovers == []


def test_live_alias_on_the_published_version_with_the_async_settings(
    shipped_template: dict[str, Any],
) -> None:
    """Rollback without a deploy: the schedule runs `live`, which points at a published version."""
    version_id = logical_id_of(shipped_template, "AWS::Lambda::Version")
    alias = only_resource(shipped_template, "AWS::Lambda::Alias")["Properties"]
    assert alias["Name"] == "live"
    assert alias["FunctionVersion"] == {"Fn::GetAtt": [version_id, "Version"]}
    configs = {
        json.dumps(config["Properties"]["Qualifier"]): config["Properties"]
        for config in resources_of_type(shipped_template, "AWS::Lambda::EventInvokeConfig").values()
    }
    alias_name = {
        "Fn::Select": [
            7,
            {"Fn::Split": [":", {"Ref": logical_id_of(shipped_template, "AWS::Lambda::Alias")}]},
        ]
    }
    assert set(configs) == {'"$LATEST"', json.dumps(alias_name)}  # the alias ARN's 8th field: its name
    queue_arn = {"Fn::GetAtt": [logical_id_of(shipped_template, "AWS::SQS::Queue"), "Arn"]}
    for config in configs.values():
        assert config["DestinationConfig"] == {"OnFailure": {"Destination": queue_arn}}
        assert (config["MaximumRetryAttempts"], config["MaximumEventAgeInSeconds"]) == (1, 3600)
    # Old versions are kept: that is what a rollback points the alias at.
    assert shipped_template["Resources"][version_id]["DeletionPolicy"] == "Retain"


def test_log_group_queue_and_environment_use_the_stack_key(shipped_template: dict[str, Any]) -> None:
    key = {"Fn::GetAtt": [logical_id_of(shipped_template, "AWS::KMS::Key"), "Arn"]}
    assert (
        shipped_template["Resources"][function_log_group_id(shipped_template)]["Properties"]["KmsKeyId"]
        == key
    )
    assert only_resource(shipped_template, "AWS::Lambda::Function")["Properties"]["KmsKeyArn"] == key
    stack_key = only_resource(shipped_template, "AWS::KMS::Key")
    assert stack_key["Properties"]["EnableKeyRotation"] is True
    assert stack_key["DeletionPolicy"] == "Retain"  # the retained log group stays readable


def _version_ids(tmp_path: Path, block: dict[str, Any]) -> dict[str, list[str]]:
    _, assembly = synthesize_in_process(tmp_path, block)
    return {
        stack.stack_name: sorted(key for key in stack.template["Resources"] if "CurrentVersion" in key)
        for stack in assembly.stacks
    }


@pytest.mark.parametrize("layer", ["public-parameter", "bundled"])
def test_a_functions_version_id_does_not_depend_on_the_other_stacks_of_the_app(
    tmp_path: Path, layer: str
) -> None:
    # A changed version id with an unchanged function fails the deploy ("A version for this Lambda function
    # exists"): adding a target ahead of another one, or to the hub's app, must leave theirs as they were.
    staging = {"name": "staging", "account": "333333333333", "region": "eu-west-1"}
    production = {"name": "production", "account": "111111111111", "region": "eu-west-1"}
    example = REPO_ROOT / "infra" / "examples" / "organization.json"
    organization = json.loads(example.read_text(encoding="utf-8"))["organization"]
    layers = {"powertools_layer": layer}
    alone = _version_ids(
        tmp_path / "alone",
        {"defaults": layers, "targets": [staging], "organization": organization},
    )
    behind = _version_ids(
        tmp_path / "behind",
        {
            "defaults": {"powertools_layer": layer},
            "targets": [production, staging],
            "organization": organization,
        },
    )
    assert alone["GlacierCleanup-staging"] == behind["GlacierCleanup-staging"]
    assert alone["GlacierCleanup-acme-hub"] == behind["GlacierCleanup-acme-hub"]
    assert len(alone["GlacierCleanup-staging"]) == 1


def test_a_new_powertools_release_publishes_a_new_version(tmp_path: Path) -> None:
    config = load_config(
        {"glacier-cleanup": {"targets": [{"name": "t", "account": "111111111111", "region": "eu-west-1"}]}}
    )
    ids = []
    for version in ("3.37.0", "3.38.0"):
        app = App(outdir=str(tmp_path / version))
        stack = GlacierCleanupStack(app, "T", target=config.targets[0], powertools_version=version)
        template = Template.from_stack(stack).to_json()
        ids.append([key for key in template["Resources"] if "CurrentVersion" in key])
    assert ids[0] != ids[1]
