"""The CloudFormation execution policy the deploy docs recommend, derived from the synthesized templates.

For every resource type a template uses, CloudFormation's own resource schemas (the copies cfn-lint
ships) list the permissions of the create, read, update and delete handlers: the deployer needs exactly
those. Beyond the handlers: invoking a custom resource's function, reading SSM parameters that templates
reference (the public Powertools layer parameter, the bootstrap version) and reading the code assets that
Lambda fetches from the bootstrap bucket with the deployer's credentials.

`python -m glacier_cleanup_cdk.deployer_policy cdk.out/*.template.json` prints the policy for your own
templates (it needs cfn-lint); docs/deployer-policy.json is its output for every template shape the tests
synthesize, and a test fails when a template needs an action that file does not grant.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

HANDLERS = ("create", "read", "update", "delete")
# Not in the resource schemas: what CloudFormation does for these with the execution role.
CUSTOM_RESOURCE_ACTIONS = ("lambda:InvokeFunction",)
SSM_PARAMETER_ACTIONS = ("ssm:GetParameters",)
ASSET_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion")


def _schemas() -> tuple[Path, dict[str, str]]:
    import cfnlint  # type: ignore[import-untyped]  # noqa: PLC0415 - a dev dependency, needed only here

    base = Path(cfnlint.__file__).parent / "data" / "schemas"
    index: dict[str, str] = json.loads((base / "providers" / "us-east-1.json").read_text(encoding="utf-8"))
    return base, index


def handler_actions(resource_type: str) -> set[str]:
    base, index = _schemas()
    schema_id = index.get(resource_type)
    if schema_id is None:
        raise KeyError(f"{resource_type}: no CloudFormation resource schema")
    schema = json.loads((base / "resources" / f"{schema_id}.json").read_text(encoding="utf-8"))
    handlers = schema.get("handlers", {})
    return {action for name in HANDLERS for action in handlers.get(name, {}).get("permissions", [])}


def required_actions(templates: Iterable[Mapping[str, Any]]) -> dict[str, set[str]]:
    """Action -> the resource types (or reasons) that need it."""
    needed: dict[str, set[str]] = {}
    for template in templates:
        for resource in template.get("Resources", {}).values():
            kind = resource["Type"]
            if kind.startswith("Custom::") or kind == "AWS::CloudFormation::CustomResource":
                actions = set(CUSTOM_RESOURCE_ACTIONS)
            elif kind == "AWS::CDK::Metadata":
                continue
            else:
                actions = handler_actions(kind)
            for action in actions:
                needed.setdefault(action, set()).add(kind)
        if any(
            "AWS::SSM::Parameter::Value" in p.get("Type", "") for p in template.get("Parameters", {}).values()
        ):
            for action in SSM_PARAMETER_ACTIONS:
                needed.setdefault(action, set()).add("SSM parameter references")
        if "S3Bucket" in json.dumps(template):
            for action in ASSET_ACTIONS:
                needed.setdefault(action, set()).add("Lambda code assets in the bootstrap bucket")
    return needed


def policy_document(templates: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    needed = required_actions(templates)
    resource_actions = sorted(a for a in needed if a not in (*SSM_PARAMETER_ACTIONS, *ASSET_ACTIONS))
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "StackResources", "Effect": "Allow", "Action": resource_actions, "Resource": "*"},
            {
                "Sid": "ParameterReferences",
                "Effect": "Allow",
                "Action": sorted(SSM_PARAMETER_ACTIONS),
                "Resource": [
                    "arn:aws:ssm:*::parameter/aws/service/powertools/*",
                    "arn:aws:ssm:*:*:parameter/cdk-bootstrap/*",
                ],
            },
            {
                "Sid": "CodeAssets",
                "Effect": "Allow",
                "Action": sorted(ASSET_ACTIONS),
                "Resource": "arn:aws:s3:::cdk-*-assets-*/*",
            },
        ],
    }


def main(argv: list[str]) -> None:
    templates = [json.loads(Path(path).read_text(encoding="utf-8")) for path in argv]
    print(json.dumps(policy_document(templates), indent=2))  # noqa: T201


if __name__ == "__main__":
    main(sys.argv[1:])
