"""Builds the app from a validated config: one stack per target, the organization's hub and member-role
stacks, cdk-nag AwsSolutions on all of them.

app.py and the tests share this, so the tests synthesize exactly what `cdk synth` does.
"""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import App, Environment, Stack, Validations, cx_api
from cdk_nag import AwsSolutionsChecks

from infra.config import CONTEXT_KEY, AppConfig, load_config
from infra.organization.hub_stack import OrganizationHubStack
from infra.organization.member_role import MemberRoleStack
from infra.paths import REPO_ROOT
from infra.powertools import pinned_powertools_version
from infra.stack import GlacierCleanupStack


def build_app(app: App, config: AppConfig, *, powertools_version: str) -> list[Stack]:
    stacks: list[Stack] = [
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
    organization = config.organization
    if organization is not None:
        fan_out = organization.fan_out
        stacks.append(
            OrganizationHubStack(
                app,
                organization.hub_stack_name,
                stack_name=organization.hub_stack_name,
                description=f"Glacier multipart cleanup: organization hub ({fan_out.name})",
                env=Environment(account=fan_out.hub_account, region=fan_out.hub_region),
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
                description=f"Glacier multipart cleanup: member role ({fan_out.name})",
                config=organization,
            )
        )
    # cdk-nag 3 is a policy-validation plugin (not an aspect): unacknowledged findings fail the synth.
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return stacks


def synthesize_in_process(
    outdir: Path,
    block: Mapping[str, Any] | None,
    *,
    default_account: str | None = None,
    default_region: str | None = None,
) -> tuple[list[Stack], cx_api.CloudAssembly]:
    """What `cdk synth` does with app.py, in this process: cdk.json's context (its feature flags change
    what constructs render) with `block` as the glacier-cleanup config. Raises on cdk-nag findings."""
    cdk_json = json.loads((REPO_ROOT / "cdk.json").read_text(encoding="utf-8"))
    context = {key: value for key, value in cdk_json["context"].items() if key != CONTEXT_KEY}
    if block is not None:
        context[CONTEXT_KEY] = dict(block)
    app = App(outdir=str(outdir), context=context)
    config = load_config(
        app.node.get_all_context(), default_account=default_account, default_region=default_region
    )
    stacks = build_app(app, config, powertools_version=pinned_powertools_version())
    return stacks, app.synth()
