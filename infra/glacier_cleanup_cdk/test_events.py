"""Shareable Lambda console test events, stored where the console looks for them.

The console keeps shareable test events as an EventBridge schema named `_<function name>-schema` in the
registry `lambda-testevent-schemas`, type OpenApi3, each event under `components.examples.<name>.value`.
"""

import json
from typing import Any

from aws_cdk import Acknowledgment, ArnFormat, Fn, RemovalPolicy, Stack, Validations
from aws_cdk import aws_eventschemas as eventschemas
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import custom_resources as cr
from constructs import Construct

from .checkov import acknowledge

REGISTRY_NAME = "lambda-testevent-schemas"
REGISTRY_DESCRIPTION = "Lambda console shareable test events"
# The construct id aws-cdk-lib gives the AwsCustomResource provider function (a singleton per stack).
AWS_CUSTOM_RESOURCE_PROVIDER = "AWS679f53fac002430cb0da5b7982bd2287"
EXAMPLE_VAULT = "example-vault"


def on_demand_event_schema() -> dict[str, Any]:
    """The on-demand event (docs/design.md): every key optional, unknown keys rejected."""
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "dry_run": {"type": "boolean"},
            "older_than_hours": {"type": "number", "minimum": 1, "maximum": 87600},
            "vaults": {"type": "array", "items": {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,255}$"}},
            "max_aborts": {"type": "integer", "minimum": 0},
        },
    }


def console_examples(*, vault: str) -> dict[str, dict[str, Any]]:
    return {
        "dry-run": {"value": {"dry_run": True}},
        "abort-stale-now": {"value": {"dry_run": False}},
        "one-vault": {"value": {"dry_run": True, "vaults": [vault]}},
    }


def console_schema_content(*, vault: str) -> str:
    document = {
        "openapi": "3.0.0",
        "info": {"title": "Event", "version": "1.0.0"},
        "paths": {},
        "components": {
            "schemas": {"Event": on_demand_event_schema()},
            "examples": console_examples(vault=vault),
        },
    }
    return json.dumps(document, sort_keys=True)


def target_event_schema_content(*, account: str, region: str) -> str:
    """The organization hub function's events (glacier_cleanup.inputs.events.TargetEvent): one account and
    region."""
    settings = on_demand_event_schema()
    event = {
        "type": "object",
        "additionalProperties": False,
        "required": ["account", "region", "run_id"],
        "properties": {
            "account": {"type": "string", "pattern": "^\\d{12}$"},
            "region": {"type": "string"},
            "run_id": {"type": "string", "pattern": "^[A-Za-z0-9_.@=,+-]{1,80}$"},
            "round": {"type": "integer", "minimum": 1},
            "settings": settings,
        },
    }
    target = {"account": account, "region": region, "run_id": "console-test"}
    examples = {
        "dry-run-one-account": {"value": {**target, "settings": {"dry_run": True}}},
        "abort-stale-one-account": {"value": {**target, "settings": {"dry_run": False}}},
    }
    document = {
        "openapi": "3.0.0",
        "info": {"title": "Event", "version": "1.0.0"},
        "paths": {},
        "components": {"schemas": {"Event": event}, "examples": examples},
    }
    return json.dumps(document, sort_keys=True)


class ConsoleTestEvents(Construct):
    """The dry-run, abort-stale-now and one-vault test events for the function's Test tab."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        function: lambda_.IFunction,
        registry_mode: str,
        example_vault: str | None,
        content: str | None = None,
    ) -> None:
        """`content`: the schema and examples (default: the on-demand events of a target's function)."""
        super().__init__(scope, id_)
        # The console creates the registry the first time anyone saves a shareable event: a fresh account
        # or region has none, an older one may. Others' events live in it, so it is never deleted.
        self.registry: eventschemas.CfnRegistry | None = None
        self.ensure_registry: cr.AwsCustomResource | None = None
        if registry_mode == "create":
            self.registry = eventschemas.CfnRegistry(
                self, "Registry", registry_name=REGISTRY_NAME, description=REGISTRY_DESCRIPTION
            )
            self.registry.apply_removal_policy(RemovalPolicy.RETAIN)
        elif registry_mode == "ensure":
            self.ensure_registry = self._ensure_registry()
        self.schema = eventschemas.CfnSchema(
            self,
            "Schema",
            registry_name=REGISTRY_NAME,
            schema_name=Fn.join("", ["_", function.function_name, "-schema"]),
            type="OpenApi3",
            description="Shareable test events for the Glacier multipart cleanup function",
            content=content or console_schema_content(vault=example_vault or EXAMPLE_VAULT),
        )
        for prerequisite in (self.registry, self.ensure_registry):
            if prerequisite is not None:
                self.schema.node.add_dependency(prerequisite)

    def _ensure_registry(self) -> cr.AwsCustomResource:
        """CreateRegistry on create and update; "already exists" (ConflictException) is success; nothing on
        delete. CDK's AwsCustomResource: one SDK call from a CDK-provided function, no code of ours."""
        create = cr.AwsSdkCall(
            service="Schemas",
            action="createRegistry",
            parameters={"RegistryName": REGISTRY_NAME, "Description": REGISTRY_DESCRIPTION},
            physical_resource_id=cr.PhysicalResourceId.of(REGISTRY_NAME),
            ignore_error_codes_matching="ConflictException",
        )
        registry_arn = Stack.of(self).format_arn(
            service="schemas",
            resource="registry",
            resource_name=REGISTRY_NAME,
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
        ensure = cr.AwsCustomResource(
            self,
            "EnsureRegistry",
            on_create=create,
            on_update=create,
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [iam.PolicyStatement(actions=["schemas:CreateRegistry"], resources=[registry_arn])]
            ),
            install_latest_aws_sdk=False,
        )
        self._acknowledge_provider()
        return ensure

    def _acknowledge_provider(self) -> None:
        """Findings on the function CDK provides for AwsCustomResource (one per stack, at its root)."""
        provider = Stack.of(self).node.try_find_child(AWS_CUSTOM_RESOURCE_PROVIDER)
        if provider is None:
            raise LookupError("aws-cdk-lib moved the AwsCustomResource provider function; update its id")
        Validations.of(provider.node.find_child("ServiceRole")).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AWSLambdaBasicExecutionRole]",
                reason="CDK's AwsCustomResource provider: the basic execution role only writes its own logs; "
                "its one other permission is schemas:CreateRegistry on the test-event registry.",
            )
        )
        function = provider.node.default_child
        assert function is not None
        acknowledge(function, "CKV_AWS_117", "Runs one Schemas API call at deploy time; needs no VPC.")
        acknowledge(
            function, "CKV_AWS_116", "Invoked synchronously by CloudFormation, which reports failures."
        )
        acknowledge(
            function,
            "CKV_AWS_115",
            "Runs once per deploy, called by CloudFormation; no concurrency to limit.",
        )
        acknowledge(function, "CKV_AWS_173", "CDK's provider sets no environment variables holding data.")
        log_group = provider.node.try_find_child("LogGroup")
        if log_group is not None:
            acknowledge(
                log_group,
                "CKV_AWS_158",
                "The provider's own log: one CreateRegistry call per deploy, no upload data.",
            )
