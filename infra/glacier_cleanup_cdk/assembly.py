"""Builds the app from a validated config: one stack per target, the organization's hub and member-role
stacks, cdk-nag AwsSolutions on all of them.

app.py and the tests share this, so the tests synthesize exactly what `cdk synth` does.
"""

from aws_cdk import App, Stack, Validations
from cdk_nag import AwsSolutionsChecks

from .config import AppConfig
from .organization.hub_stack import OrganizationHubStack
from .organization.member_role import MemberRoleStack
from .stack import GlacierCleanupStack


def build_app(app: App, config: AppConfig, *, powertools_version: str) -> list[Stack]:
    stacks: list[Stack] = [
        GlacierCleanupStack(
            app,
            target.stack_name,
            stack_name=target.stack_name,
            target=target,
            powertools_version=powertools_version,
        )
        for target in config.targets
    ]
    organization = config.organization
    if organization is not None:
        stacks.append(
            OrganizationHubStack(
                app,
                organization.hub_stack_name,
                stack_name=organization.hub_stack_name,
                config=organization,
                powertools_version=powertools_version,
            )
        )
        # The same template the StackSet deploys, as a stack of its own: for the management account, which
        # service-managed StackSets skip (docs/organization.md). Environment-agnostic: deploy it anywhere.
        stacks.append(
            MemberRoleStack(
                app,
                organization.member_stack_name,
                stack_name=organization.member_stack_name,
                config=organization,
            )
        )
    # cdk-nag 3 is a policy-validation plugin (not an aspect): unacknowledged findings fail the synth.
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return stacks
