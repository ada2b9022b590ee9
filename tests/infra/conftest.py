"""Synthesize each test config once per session (jsii makes synth slow) and share the results."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template
from glacier_cleanup_cdk.config import CONTEXT_KEY
from infra_helpers import (
    CDK_JSON,
    HUB_STACK,
    MEMBER_STACK,
    MULTI_TARGET_CONFIG,
    ORGANIZATION_CONFIG,
    Synthesized,
    synthesize,
)


@pytest.fixture(scope="session")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The shipped cdk.json config: no targets, so one stack for the default account and region."""
    return synthesize(tmp_path_factory.mktemp("cdk-shipped"), CDK_JSON["context"][CONTEXT_KEY])


@pytest.fixture(scope="session")
def multi(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(tmp_path_factory.mktemp("cdk-multi"), MULTI_TARGET_CONFIG)


@pytest.fixture(scope="session")
def shipped_template(shipped: Synthesized) -> dict[str, Any]:
    return shipped.templates["GlacierCleanup-default"]


@pytest.fixture(scope="session")
def alpha_template(multi: Synthesized) -> dict[str, Any]:
    return multi.templates["GlacierCleanup-alpha"]


@pytest.fixture(scope="session")
def beta_template(multi: Synthesized) -> dict[str, Any]:
    return multi.templates["GlacierCleanup-beta"]


@pytest.fixture(scope="session")
def shipped_assertions(shipped_template: dict[str, Any]) -> Template:
    return Template.from_json(shipped_template)


@pytest.fixture(scope="session")
def alpha_assertions(alpha_template: dict[str, Any]) -> Template:
    return Template.from_json(alpha_template)


@pytest.fixture(scope="session")
def beta_assertions(beta_template: dict[str, Any]) -> Template:
    return Template.from_json(beta_template)


# One target per partition, and every Powertools layer source (infra/glacier_cleanup_cdk/powertools.py).
PARTITIONS_CONFIG: dict[str, Any] = {
    "defaults": {},
    "targets": [
        {"name": "commercial", "account": "111111111111", "region": "eu-west-1"},
        {"name": "china", "account": "222222222222", "region": "cn-north-1"},
        {"name": "govcloud", "account": "333333333333", "region": "us-gov-west-1"},
        {
            "name": "bundled",
            "account": "111111111111",
            "region": "ap-southeast-2",
            "powertools_layer": "bundled",
        },
        {
            "name": "own-layer",
            "account": "111111111111",
            "region": "us-east-2",
            "powertools_layer": "arn:aws:lambda:us-east-2:111111111111:layer:powertools-copy:7",
            "test_event_registry": "existing",
        },
    ],
}


@pytest.fixture(scope="session")
def partitions(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(tmp_path_factory.mktemp("cdk-partitions"), PARTITIONS_CONFIG)


@pytest.fixture(scope="session")
def organization(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """infra/examples/organization.json: two targets, the hub and the member-role stack."""
    return synthesize(tmp_path_factory.mktemp("cdk-organization"), ORGANIZATION_CONFIG)


@pytest.fixture(scope="session")
def hub_template(organization: Synthesized) -> dict[str, Any]:
    return organization.templates[HUB_STACK]


@pytest.fixture(scope="session")
def member_template(organization: Synthesized) -> dict[str, Any]:
    return organization.templates[MEMBER_STACK]
