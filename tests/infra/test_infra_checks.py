"""cdk-nag (AwsSolutions) and cfn-lint on every synthesized stack, and a masked template snapshot."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Validations
from cdk_nag import AwsSolutionsChecks
from cfnlint.api import ManualArgs, lint
from infra_helpers import HUB_STACK, MEMBER_STACK, Synthesized, cfn_lint_findings

SNAPSHOTS = Path(__file__).parent / "snapshots"
ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")


@pytest.fixture(scope="module")
def every_stack(shipped: Synthesized, multi: Synthesized, organization: Synthesized) -> Synthesized:
    return Synthesized(
        outdir=shipped.outdir,
        stacks={**shipped.stacks, **multi.stacks, **organization.stacks},
        templates={**shipped.templates, **multi.templates, **organization.templates},
        artifacts={**shipped.artifacts, **multi.artifacts, **organization.artifacts},
    )


@pytest.mark.parametrize(
    "stack_name",
    ["GlacierCleanup-default", "GlacierCleanup-alpha", "GlacierCleanup-beta", HUB_STACK, MEMBER_STACK],
)
def test_cdk_nag_aws_solutions_has_no_unacknowledged_finding(
    every_stack: Synthesized, stack_name: str
) -> None:
    report = AwsSolutionsChecks().validate_scope(every_stack.stacks[stack_name])
    violations = [
        (violation.rule_name, [resource.construct_path for resource in violation.violating_resources])
        for violation in report.violations
    ]
    assert violations == []
    assert report.success


def _acknowledgments(synthesized: Synthesized) -> dict[str, str]:
    found: dict[str, str] = {}
    for stack in synthesized.stacks.values():
        for construct in stack.node.find_all():
            for entry in construct.node.metadata:
                if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                    found.update(entry.data)
    return found


def test_every_acknowledgment_is_one_finding_with_a_specific_reason(every_stack: Synthesized) -> None:
    acknowledgments = _acknowledgments(every_stack)
    rules = {re.sub(r"^Annotation::", "", rule).split("[")[0] for rule in acknowledgments}
    # IAM4 and L1: the AwsCustomResource provider's basic execution role, the python3.13 runtime.
    assert rules == {
        "AwsSolutions-IAM5",
        "AwsSolutions-SQS3",
        "AwsSolutions-IAM4",
        "AwsSolutions-L1",
        "AwsSolutions-S1",  # the results bucket: CloudTrail data events instead of access logs
        "AwsSolutions-SF1",  # the organization run logs ERROR: the execution history keeps the rest
    }
    for rule, reason in acknowledgments.items():
        assert len(reason) > 60, rule
        assert "false positive" not in reason.lower()
    # The vault wildcard is acknowledged only where no vault list narrows it.
    vault_wildcards = [rule for rule in acknowledgments if ":vaults/*" in rule]
    assert vault_wildcards
    assert all("111111111111" not in rule for rule in vault_wildcards)


def _lint(template: dict[str, Any], region: str) -> list[Any]:
    return lint(json.dumps(template), config=ManualArgs(regions=[region]))


@pytest.mark.parametrize(
    ("stack_name", "region"),
    [
        ("GlacierCleanup-default", "us-east-1"),
        ("GlacierCleanup-alpha", "eu-central-1"),
        ("GlacierCleanup-beta", "us-west-2"),
        (HUB_STACK, "eu-west-1"),
        (MEMBER_STACK, "eu-central-1"),
    ],
)
def test_cfn_lint_is_clean(every_stack: Synthesized, stack_name: str, region: str) -> None:
    template = every_stack.templates[stack_name]
    assert cfn_lint_findings(template, _lint(template, region)) == []


# The published version's logical id ends with a hash of the function's code and configuration.
CURRENT_VERSION = re.compile(r"(CurrentVersion[0-9A-F]{8})[0-9a-f]{32}")


def _masked(template: dict[str, Any]) -> dict[str, Any]:
    """The template with content hashes (code asset key, asset paths, the published version's id)
    replaced: code edits do not churn it."""
    text = ASSET_HASH.sub("<asset-hash>", json.dumps(template))
    return json.loads(CURRENT_VERSION.sub(r"\1<version-hash>", text))


@pytest.mark.parametrize(
    "stack_name", ["GlacierCleanup-default", "GlacierCleanup-alpha", HUB_STACK, MEMBER_STACK]
)
def test_template_snapshot(every_stack: Synthesized, stack_name: str) -> None:
    snapshot = SNAPSHOTS / f"{stack_name}.json"
    current = _masked(every_stack.templates[stack_name])
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOTS.mkdir(exist_ok=True)
        snapshot.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    assert snapshot.exists(), f"no snapshot yet: run UPDATE_SNAPSHOTS=1 pytest {__file__}"
    expected = json.loads(snapshot.read_text(encoding="utf-8"))
    assert current == expected, (
        "template changed: review the diff, then UPDATE_SNAPSHOTS=1 pytest tests/infra"
    )
