"""Helpers for acknowledging cdk-nag findings one by one (cdk-nag 3: `Validations.of(...).acknowledge`)."""

from typing import Any

from aws_cdk import Stack
from constructs import IConstruct


def _flatten(node: Any) -> str:
    """Render a resolved CloudFormation value the way cdk-nag names it in a finding id."""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        if "Fn::Join" in node:
            delimiter, items = node["Fn::Join"]
            return str(delimiter).join(_flatten(item) for item in items)
        if "Fn::GetAtt" in node:
            resource, attribute = node["Fn::GetAtt"]
            return f"<{_flatten(resource)}.{_flatten(attribute)}>"
        if "Ref" in node:
            return f"<{_flatten(node['Ref'])}>"
    raise TypeError(f"cannot name a finding for {node!r}")


def iam5_resource_finding(scope: IConstruct, resource: str) -> str:
    """The id cdk-nag gives an IAM5 wildcard finding on `resource` (a string that may hold tokens)."""
    return f"AwsSolutions-IAM5[Resource::{_flatten(Stack.of(scope).resolve(resource))}]"
