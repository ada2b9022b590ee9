"""Every partition the docs name synthesizes, each with a Powertools source that exists there."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint
from glacier_cleanup_cdk.powertools import partition_of, resolve_layer_source
from infra_helpers import Synthesized, cfn_lint_findings, logical_id_of, resources_of_type


def layers(template: dict[str, Any]) -> list[Any]:
    """The function's Powertools layers: the ones before the stack's SDK layer, which comes last."""
    function = template["Resources"][logical_id_of(template, "AWS::Lambda::Function")]
    *powertools, sdk = function["Properties"]["Layers"]
    assert sdk == {"Ref": sdk_layer_id(template)}
    return powertools


def sdk_layer_id(template: dict[str, Any]) -> str:
    layer_versions = resources_of_type(template, "AWS::Lambda::LayerVersion")
    [layer_id] = [name for name in layer_versions if "SdkLayer" in name]
    return layer_id


@pytest.mark.parametrize("stack", ["commercial", "govcloud"])
def test_public_parameter_where_powertools_publishes_it(partitions: Synthesized, stack: str) -> None:
    template = partitions.templates[f"GlacierCleanup-{stack}"]
    [layer] = layers(template)
    parameter = template["Parameters"][layer["Ref"]]
    assert parameter["Type"] == "AWS::SSM::Parameter::Value<String>"
    assert parameter["Default"].startswith("/aws/service/powertools/python/arm64/python3.13/")
    assert list(resources_of_type(template, "AWS::Lambda::LayerVersion")) == [sdk_layer_id(template)]


@pytest.mark.parametrize("stack", ["china", "bundled"])
def test_bundled_layer_where_there_is_no_public_one_or_when_chosen(
    partitions: Synthesized, stack: str
) -> None:
    template = partitions.templates[f"GlacierCleanup-{stack}"]
    [layer] = layers(template)
    [layer_id] = set(resources_of_type(template, "AWS::Lambda::LayerVersion")) - {sdk_layer_id(template)}
    assert layer == {"Ref": layer_id}
    properties = template["Resources"][layer_id]["Properties"]
    assert properties["CompatibleRuntimes"] == ["python3.13"]
    assert properties["CompatibleArchitectures"] == ["arm64"]
    assert "S3Bucket" in properties["Content"]
    assert not [name for name, p in template.get("Parameters", {}).items() if "powertools" in json.dumps(p)]


def test_an_explicit_layer_arn_is_used_as_given(partitions: Synthesized) -> None:
    template = partitions.templates["GlacierCleanup-own-layer"]
    assert layers(template) == ["arn:aws:lambda:us-east-2:111111111111:layer:powertools-copy:7"]


def test_no_literal_partition_and_console_domain_per_partition(partitions: Synthesized) -> None:
    for template in partitions.templates.values():
        assert "arn:aws:" not in json.dumps(template).replace(
            "arn:aws:lambda:us-east-2:111111111111:layer", ""
        )
    mapping = partitions.templates["GlacierCleanup-china"]["Mappings"]
    assert {"aws", "aws-cn", "aws-us-gov"} <= set(next(iter(mapping.values())))


@pytest.mark.parametrize(
    ("stack", "region"),
    [("china", "cn-north-1"), ("govcloud", "us-gov-west-1"), ("bundled", "ap-southeast-2")],
)
def test_cfn_lint_in_each_partition(partitions: Synthesized, stack: str, region: str) -> None:
    template = partitions.templates[f"GlacierCleanup-{stack}"]
    matches = lint(json.dumps(template), config=ManualArgs(regions=[region]))
    assert cfn_lint_findings(template, matches) == []


@pytest.mark.parametrize(
    ("setting", "region", "expected"),
    [
        ("auto", "eu-west-1", "public-parameter"),
        ("auto", "us-gov-east-1", "public-parameter"),
        ("auto", "cn-northwest-1", "bundled"),
        ("auto", None, "public-parameter"),
        ("bundled", "eu-west-1", "bundled"),
        ("public-parameter", "cn-north-1", "public-parameter"),
    ],
)
def test_layer_source_rules(setting: str, region: str | None, expected: str) -> None:
    assert resolve_layer_source(setting, region) == expected


def test_partitions_of_regions() -> None:
    assert [partition_of(r) for r in ("eu-west-1", "cn-north-1", "us-gov-west-1")] == [
        "aws",
        "aws-cn",
        "aws-us-gov",
    ]
