#!/usr/bin/env python3
"""A team's own CDK app, built from the installed constructs: `pip install "glacier-multipart-cleanup[cdk]"`.

It imports only the installed package (no checkout of this repository): one target stack that aborts stale
uploads in a production account, and the organization mode (hub and member role) in dry-run. The function's
code ships inside the package. tests/package/test_library.py synthesizes this file from a freshly built wheel
and compares its templates with what this repository's app.py makes of the same settings (SETTINGS below).
"""

from __future__ import annotations

from aws_cdk import App, Stack, Validations
from cdk_nag import AwsSolutionsChecks
from glacier_cleanup_cdk import (
    CleanupSettings,
    FanOut,
    GlacierCleanupStack,
    MemberRoleStack,
    OrganizationConfig,
    OrganizationHubStack,
    TargetConfig,
    TargetIdentity,
)

# The same settings as a `glacier-cleanup` context block for this repository's app.py (see the test).
SETTINGS = {
    "targets": [
        {
            "name": "backups-eu",
            "account": "111111111111",
            "region": "eu-west-1",
            "dry_run": False,
            "older_than_hours": 240,
            "vaults": ["backups", "media-archive"],
            "alarm_emails": ["storage-team@example.com"],
        }
    ],
    "organization": {
        "name": "acme",
        "hub_account": "222222222222",
        "hub_region": "eu-west-1",
        "organization_id": "o-a1b2c3d4e5",
        "organizational_units": ["ou-ab12-34cd56ef"],
        "regions": ["eu-west-1", "us-east-1"],
        "dry_run": True,
    },
}


def build(app: App) -> list[Stack]:
    production = TargetConfig(
        identity=TargetIdentity(name="backups-eu", account="111111111111", region="eu-west-1"),
        settings=CleanupSettings(
            dry_run=False,
            older_than_hours=240,
            vaults=("backups", "media-archive"),
            alarm_emails=("storage-team@example.com",),
        ),
    )
    target_stack = GlacierCleanupStack(app, production.stack_name, target=production)

    organization = OrganizationConfig(
        fan_out=FanOut(
            name="acme",
            hub_account="222222222222",
            hub_region="eu-west-1",
            organization_id="o-a1b2c3d4e5",
            organizational_units=("ou-ab12-34cd56ef",),
            regions=("eu-west-1", "us-east-1"),
        ),
        settings=CleanupSettings(dry_run=True),
    )
    hub = OrganizationHubStack(app, organization.hub_stack_name, config=organization)
    member_role = MemberRoleStack(app, organization.member_stack_name, config=organization)
    return [target_stack, hub, member_role]


def main() -> None:
    app = App()
    build(app)
    # cdk-nag's AwsSolutions rules fail the synth on any finding the constructs do not acknowledge (each
    # acknowledgment is one finding with its reason).
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()


if __name__ == "__main__":
    main()
