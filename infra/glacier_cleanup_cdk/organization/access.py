"""The hub function's way into the members: sts:AssumeRole on the member role name, in the organization."""

from aws_cdk import Acknowledgment, Aws, Validations
from aws_cdk import aws_iam as iam
from constructs import Construct

from ..config import OrganizationConfig


def member_role_arn_pattern(config: OrganizationConfig) -> str:
    return f"arn:{Aws.PARTITION}:iam::*:role/{config.fan_out.member_role_name}"


class MemberRoleAccess(Construct):
    def __init__(self, scope: Construct, id_: str, *, role: iam.IRole, config: OrganizationConfig) -> None:
        super().__init__(scope, id_)
        pattern = member_role_arn_pattern(config)
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="AssumeMemberRole",
                actions=["sts:AssumeRole"],
                # Any account's role of that name, but only accounts of this organization.
                resources=[pattern],
                conditions={"StringEquals": {"aws:ResourceOrgID": config.fan_out.organization_id}},
            )
        )
        Validations.of(role).acknowledge(
            Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/{config.fan_out.member_role_name}]",
                reason="The member role in every account of the organization, including accounts that join "
                "later: the account is the wildcard, the role name is fixed, and aws:ResourceOrgID keeps it "
                "inside the organization.",
            )
        )
