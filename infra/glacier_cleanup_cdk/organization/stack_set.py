"""The member role in every member account, now and later: a service-managed StackSet with auto-deployment."""

import json
from typing import Any

from aws_cdk import CfnStackSet
from constructs import Construct

from ..config import OrganizationConfig


class MemberRoleStackSet(Construct):
    def __init__(
        self, scope: Construct, id_: str, *, config: OrganizationConfig, template: dict[str, Any]
    ) -> None:
        super().__init__(scope, id_)
        fan_out = config.fan_out
        self.stack_set = CfnStackSet(
            self,
            "StackSet",
            stack_set_name=config.member_stack_name,
            description=f"Glacier multipart cleanup: the member role of organization run {fan_out.name!r}",
            permission_model="SERVICE_MANAGED",
            # Accounts that join the OUs get the role; accounts that leave lose it.
            auto_deployment=CfnStackSet.AutoDeploymentProperty(
                enabled=True, retain_stacks_on_account_removal=False
            ),
            call_as=fan_out.stackset_call_as,
            capabilities=["CAPABILITY_NAMED_IAM"],
            managed_execution={"Active": True},
            # IAM is global: one stack instance per account, in one region.
            stack_instances_group=[
                CfnStackSet.StackInstancesProperty(
                    deployment_targets=CfnStackSet.DeploymentTargetsProperty(
                        organizational_unit_ids=list(fan_out.organizational_units)
                    ),
                    regions=[fan_out.stackset_region or fan_out.hub_region],
                )
            ],
            # One account that fails (a SCP, a role name taken) must not stop the others.
            operation_preferences=CfnStackSet.OperationPreferencesProperty(
                failure_tolerance_percentage=100,
                max_concurrent_percentage=100,
                region_concurrency_type="PARALLEL",
                concurrency_mode="SOFT_FAILURE_TOLERANCE",
            ),
            template_body=json.dumps(template, sort_keys=True),
        )
