"""Shareable Lambda console test events, stored where the console looks for them.

The console keeps shareable test events as an EventBridge schema named `_<function name>-schema` in the
registry `lambda-testevent-schemas`, type OpenApi3, each event under `components.examples.<name>.value`.
"""

import json
from typing import Any

from aws_cdk import Fn, RemovalPolicy
from aws_cdk import aws_eventschemas as eventschemas
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

REGISTRY_NAME = "lambda-testevent-schemas"
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


class ConsoleTestEvents(Construct):
    """The dry-run, abort-stale-now and one-vault test events for the function's Test tab."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        function: lambda_.IFunction,
        create_registry: bool,
        example_vault: str | None,
    ) -> None:
        super().__init__(scope, id_)
        # The console creates the registry the first time anyone saves a shareable event; a fresh
        # account/region has none, and only one stack per account/region may own it.
        self.registry = (
            eventschemas.CfnRegistry(
                self,
                "Registry",
                registry_name=REGISTRY_NAME,
                description="Lambda console shareable test events",
            )
            if create_registry
            else None
        )
        self.schema = eventschemas.CfnSchema(
            self,
            "Schema",
            registry_name=REGISTRY_NAME,
            schema_name=Fn.join("", ["_", function.function_name, "-schema"]),
            type="OpenApi3",
            description="Shareable test events for the Glacier multipart cleanup function",
            content=console_schema_content(vault=example_vault or EXAMPLE_VAULT),
        )
        if self.registry is not None:
            # Others' console-saved events live in it too: deleting this stack must not take them along.
            self.registry.apply_removal_policy(RemovalPolicy.RETAIN)
            self.schema.node.add_dependency(self.registry)
