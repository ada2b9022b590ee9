#!/usr/bin/env python3
"""CDK Pipelines deploying the per-target stack into two accounts, from the installed constructs.

A pipeline in a tooling account (999999999999) builds this app from its repository and deploys one
`GlacierCleanupStack` per stage: staging in dry-run first, then production, which aborts. Each account
must be bootstrapped to trust the tooling account (`cdk bootstrap --trust 999999999999`). The test
synthesizes this file from a freshly built wheel; nothing here is deployed.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import App, Environment, Stack, Stage, pipelines
from constructs import Construct
from glacier_cleanup_cdk import CleanupSettings, GlacierCleanupStack, TargetConfig, TargetIdentity

TOOLING = Environment(account="999999999999", region="eu-west-1")
# Replace with your repository and its CodeConnections connection.
SOURCE_REPOSITORY = "example-org/platform-cdk"
CONNECTION_ARN = (
    "arn:aws:codeconnections:eu-west-1:999999999999:connection/11111111-2222-3333-4444-555555555555"
)
STAGES = (
    ("Staging", "333333333333", True),
    ("Production", "111111111111", False),
)


class CleanupStage(Stage):
    """One account and region: the cleanup stack, named as the standalone app names it."""

    def __init__(self, scope: Construct, id_: str, *, target: TargetConfig, **kwargs: Any) -> None:
        super().__init__(scope, id_, **kwargs)
        GlacierCleanupStack(self, "GlacierCleanup", stack_name=target.stack_name, target=target)


class DeliveryPipeline(Stack):
    def __init__(self, scope: Construct, id_: str, **kwargs: Any) -> None:
        super().__init__(scope, id_, **kwargs)
        pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            cross_account_keys=True,  # the artifacts cross into the target accounts
            synth=pipelines.ShellStep(
                "Synth",
                input=pipelines.CodePipelineSource.connection(
                    SOURCE_REPOSITORY, "main", connection_arn=CONNECTION_ARN
                ),
                commands=["pip install -r requirements.txt", "npx cdk synth"],
            ),
        )
        for name, account, dry_run in STAGES:
            target = TargetConfig(
                identity=TargetIdentity(name=f"backups-{name.lower()}", account=account, region="eu-west-1"),
                settings=CleanupSettings(dry_run=dry_run, older_than_hours=240),
            )
            pipeline.add_stage(
                CleanupStage(self, name, target=target, env=Environment(account=account, region="eu-west-1"))
            )


def main() -> None:
    app = App()
    DeliveryPipeline(app, "GlacierCleanupDelivery", env=TOOLING)
    app.synth()


if __name__ == "__main__":
    main()
