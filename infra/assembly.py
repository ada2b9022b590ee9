"""Builds the app from a validated config: one stack per target, cdk-nag AwsSolutions on all of them.

app.py and the tests share this, so the tests synthesize exactly what `cdk synth` does.
"""

from aws_cdk import App, Environment, Validations
from cdk_nag import AwsSolutionsChecks

from infra.config import AppConfig
from infra.stack import GlacierCleanupStack


def build_app(app: App, config: AppConfig, *, powertools_version: str) -> list[GlacierCleanupStack]:
    stacks = [
        GlacierCleanupStack(
            app,
            target.stack_name,
            stack_name=target.stack_name,
            description=f"Glacier multipart cleanup: aborts stale uploads (target {target.identity.name})",
            env=Environment(account=target.identity.account, region=target.identity.region),
            target=target,
            powertools_version=powertools_version,
        )
        for target in config.targets
    ]
    # cdk-nag 3 is a policy-validation plugin (not an aspect): unacknowledged findings fail the synth.
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return stacks
