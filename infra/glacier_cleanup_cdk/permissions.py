"""Least-privilege Glacier permissions for the cleanup role."""

from aws_cdk import Acknowledgment, ArnFormat, Stack, Validations
from aws_cdk import aws_iam as iam
from constructs import Construct

from .config import CleanupSettings
from .nag import iam5_resource_finding

LIST_VAULTS = "glacier:ListVaults"
VAULT_ACTIONS = ("glacier:AbortMultipartUpload", "glacier:ListMultipartUploads")
LIST_PARTS = "glacier:ListParts"
# Retiring named vaults (core/decommission.py): read the lock, policy and notifications, delete; only on
# them. Their uploads are listed and aborted under CleanUpVaultUploads, or DecommissionUploads for a retired
# vault outside a configured `vaults` list.
DECOMMISSION_ACTIONS = (
    "glacier:DeleteVault",
    "glacier:GetVaultAccessPolicy",
    "glacier:GetVaultLock",
    "glacier:GetVaultNotifications",
)
DENY_WRITES_ACTION = "glacier:SetVaultAccessPolicy"


def vault_actions(settings: CleanupSettings) -> list[str]:
    """Vault-scoped actions; ListParts only when the function lists parts (activity check, report_bytes)."""
    lists_parts = settings.activity_check or settings.report_bytes
    return sorted([*VAULT_ACTIONS, *([LIST_PARTS] if lists_parts else [])])


class GlacierCleanupPermissions(Construct):
    """Adds the Glacier statements to the role's policy: nothing the cleanup does not call."""

    def __init__(self, scope: Construct, id_: str, *, role: iam.IRole, settings: CleanupSettings) -> None:
        super().__init__(scope, id_)
        stack = Stack.of(self)
        # CLEANUP_ACCOUNT_ID "-" means the caller's own account.
        account = stack.account if settings.glacier_account_id == "-" else settings.glacier_account_id
        vault_names = settings.vaults or ("*",)
        self.vault_arns = [self._vault_arn(stack, account, name) for name in vault_names]

        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ListVaults",
                actions=[LIST_VAULTS],
                # ListVaults has no resource type: it cannot be scoped further.
                resources=["*"],
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="CleanUpVaultUploads", actions=vault_actions(settings), resources=self.vault_arns
            )
        )
        if settings.decommission_vaults:
            retiring = [self._vault_arn(stack, account, name) for name in settings.decommission_vaults]
            actions = [
                *DECOMMISSION_ACTIONS,
                *([DENY_WRITES_ACTION] if settings.decommission_deny_writes else []),
            ]
            role.add_to_principal_policy(
                iam.PolicyStatement(sid="DecommissionVaults", actions=sorted(actions), resources=retiring)
            )
            outside = [
                n for n in settings.decommission_vaults if settings.vaults and n not in settings.vaults
            ]
            if outside:
                role.add_to_principal_policy(
                    iam.PolicyStatement(
                        sid="DecommissionUploads",
                        actions=sorted(VAULT_ACTIONS),
                        resources=[self._vault_arn(stack, account, name) for name in outside],
                    )
                )

        acknowledgments = [
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason=(
                    "Resource * only where IAM offers no resource type: glacier:ListVaults, and "
                    "xray:PutTraceSegments/PutTelemetryRecords added by active tracing."
                ),
            )
        ]
        if not settings.vaults:
            acknowledgments.append(
                Acknowledgment(
                    id=iam5_resource_finding(self, self.vault_arns[0]),
                    reason=(
                        "No vault list is configured: the function cleans every vault of the account and "
                        "region, whose names are not known at deploy time. Setting `vaults` narrows this."
                    ),
                )
            )
        # On the role: the finding is reported on its DefaultPolicy, which holds these statements.
        Validations.of(role).acknowledge(*acknowledgments)

    @staticmethod
    def _vault_arn(stack: Stack, account: str, name: str) -> str:
        return stack.format_arn(
            service="glacier",
            account=account,
            resource="vaults",
            resource_name=name,
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
