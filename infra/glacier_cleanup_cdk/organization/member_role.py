"""The member role: what the hub's function may do in a member account, and who may do it.

Its own stack, with no assets and no bootstrap dependency, so that its template can be the StackSet's
body (every member account) and be deployed as an ordinary stack (the management account, which
service-managed StackSets skip).
"""

from typing import Any

from aws_cdk import (
    Acknowledgment,
    App,
    Aws,
    BootstraplessSynthesizer,
    CfnOutput,
    Stack,
    Validations,
)
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks
from constructs import Construct

from ..config import OrganizationConfig
from ..nag import iam5_resource_finding
from ..permissions import LIST_VAULTS, vault_actions
from ..tags import tag_project


def hub_role_arn(config: OrganizationConfig) -> str:
    return f"arn:{Aws.PARTITION}:iam::{config.fan_out.hub_account}:role/{config.hub_role_name}"


class MemberRoleStack(Stack):
    """The member role, alone: the StackSet's body, and a stack of its own for the management account
    (which service-managed StackSets skip). No assets, no bootstrap: deploy it in any account."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: OrganizationConfig,
        description: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            scope,
            id_,
            synthesizer=BootstraplessSynthesizer(),
            analytics_reporting=False,
            description=description or f"Glacier multipart cleanup: member role ({config.fan_out.name})",
            **kwargs,
        )
        fan_out, settings = config.fan_out, config.settings
        tag_project(self)
        vault_arns = [
            f"arn:{Aws.PARTITION}:glacier:*:{Aws.ACCOUNT_ID}:vaults/{name}"
            for name in settings.vaults or ("*",)
        ]
        self.role = iam.Role(
            self,
            "Role",
            role_name=fan_out.member_role_name,
            description=f"Glacier multipart cleanup: the hub of organization run {fan_out.name!r} works here",
            # Only the hub function's role, and only while it is inside this organization.
            assumed_by=iam.ArnPrincipal(hub_role_arn(config)).with_conditions(
                {"StringEquals": {"aws:PrincipalOrgID": fan_out.organization_id}}
            ),
            inline_policies={
                "GlacierCleanup": iam.PolicyDocument(
                    statements=[
                        # ListVaults has no resource type: it cannot be scoped further.
                        iam.PolicyStatement(sid="ListVaults", actions=[LIST_VAULTS], resources=["*"]),
                        iam.PolicyStatement(
                            sid="CleanUpVaultUploads", actions=vault_actions(settings), resources=vault_arns
                        ),
                    ]
                )
            },
        )
        CfnOutput(self, "MemberRoleArn", value=self.role.role_arn, description="The member role")
        Validations.of(self.role).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="glacier:ListVaults has no resource type in IAM: it can only be granted on *.",
            ),
            *(
                Acknowledgment(
                    id=iam5_resource_finding(self, arn),
                    reason="Every region of the account (one role serves them all); with no `vaults` "
                    "configured also every vault, whose names are not known at deploy time.",
                )
                for arn in vault_arns
                if "*" in arn
            ),
        )


def member_template(config: OrganizationConfig) -> dict[str, Any]:
    """The member role stack's template, synthesized on its own (cdk-nag checked): the StackSet's body."""
    app = App()
    stack = MemberRoleStack(app, config.member_stack_name, config=config)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    template: dict[str, Any] = app.synth().get_stack_by_name(stack.stack_name).template
    return template
