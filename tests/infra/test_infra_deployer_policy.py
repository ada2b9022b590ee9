"""The deployer's policy in docs is derived, not guessed: every action the templates need is granted."""

from __future__ import annotations

import fnmatch
import json
from typing import Any

from glacier_cleanup_cdk.deployer_policy import handler_actions, policy_document, required_actions
from infra_helpers import REPO_ROOT, Synthesized

POLICY = REPO_ROOT / "docs" / "deployer-policy.json"


def allowed(policy: dict[str, Any], action: str) -> bool:
    return any(
        fnmatch.fnmatchcase(action.lower(), pattern.lower())
        for statement in policy["Statement"]
        if statement["Effect"] == "Allow"
        for pattern in (
            [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        )
    )


def every_template(*synthesized: Synthesized) -> list[dict[str, Any]]:
    return [template for s in synthesized for template in s.templates.values()]


def test_the_documented_policy_grants_every_action_the_templates_need(
    shipped: Synthesized, multi: Synthesized, partitions: Synthesized, organization: Synthesized
) -> None:
    policy = json.loads(POLICY.read_text(encoding="utf-8"))
    needed = required_actions(every_template(shipped, multi, partitions, organization))
    missing = sorted(
        f"{action} (for {', '.join(sorted(why))})"
        for action, why in needed.items()
        if not allowed(policy, action)
    )
    assert missing == [], (
        "docs/deployer-policy.json is stale: .venv/bin/python scripts/update_deployer_policy.py"
    )


def test_the_documented_policy_is_what_the_generator_writes(
    shipped: Synthesized, multi: Synthesized, partitions: Synthesized, organization: Synthesized
) -> None:
    policy = json.loads(POLICY.read_text(encoding="utf-8"))
    assert policy == policy_document(every_template(shipped, multi, partitions, organization))
    assert not any(
        allowed(policy, probe)
        # The results bucket's handlers need s3:*Bucket* actions: probe for what no template needs.
        for probe in ("glacier:AbortMultipartUpload", "iam:CreateUser", "ec2:RunInstances")
    )
    assert all("*" not in action for statement in policy["Statement"] for action in statement["Action"])


def test_things_the_docs_used_to_miss_are_there() -> None:
    policy = json.loads(POLICY.read_text(encoding="utf-8"))
    for action in (
        "s3:GetObject",
        "ssm:GetParameters",
        "lambda:PublishLayerVersion",
        "cloudwatch:TagResource",
    ):
        assert allowed(policy, action), action
    assert "lambda:PublishVersion" in handler_actions("AWS::Lambda::Version")
