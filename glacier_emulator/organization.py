"""A local AWS Organization on the emulator: an organization, OUs (nested), member accounts, and stacks
deployed into members from CloudFormation templates, all through the public APIs (boto3).

    org = build_organization(handle, {"workloads": ["alpha", "beta"], "workloads/prod": ["gamma"]})
    deploy_stack(handle, org.accounts["alpha"], "member-role", template_body)

The caller with the emulator's dummy keys is the management account (123456789012). Member accounts are
reached as in AWS: AssumeRole into ``OrganizationAccountAccessRole``, which Organizations' CreateAccount
puts into each new account trusting the management account (moto does this too; AWS attaches
AdministratorAccess to it, which ``build_organization`` adds: every call with a role's credentials is checked
against the role's policies, glacier_emulator/authorization.py).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from .handles import Credentials, EmulatorHandle

ACCESS_ROLE = "OrganizationAccountAccessRole"
# The AWS managed policy AdministratorAccess, as an inline policy (moto does not load AWS's managed policies).
ADMINISTRATOR_ACCESS = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


@dataclasses.dataclass(frozen=True)
class LocalOrganization:
    organization_id: str
    management_account: str
    root_id: str
    ous: dict[str, str]  # OU path ("workloads/prod") -> OU id
    accounts: dict[str, str]  # account name -> account id
    account_ous: dict[str, str]  # account name -> OU path ("" for the root)

    def credentials(self, handle: EmulatorHandle, account_id: str) -> Credentials:
        """The management account's way into a member: its OrganizationAccountAccessRole."""
        if account_id == self.management_account:
            return Credentials("testing", "testing", None)
        return handle.assume_role(f"arn:aws:iam::{account_id}:role/{ACCESS_ROLE}")


def build_organization(handle: EmulatorHandle, layout: dict[str, list[str]]) -> LocalOrganization:
    """Create an organization with ``layout``: OU path -> account names ("" is the root).

    Parents are created before children, so ``"a/b"`` nests ``b`` under ``a``.
    """
    orgs = handle.aws_client("organizations")
    organization = orgs.create_organization(FeatureSet="ALL")["Organization"]
    root_id = orgs.list_roots()["Roots"][0]["Id"]
    ous: dict[str, str] = {"": root_id}
    for ou_path in sorted({prefix for path in layout for prefix in _prefixes(path)}, key=len):
        parent_path, _, name = ou_path.rpartition("/")
        created = orgs.create_organizational_unit(ParentId=ous[parent_path], Name=name)
        ous[ou_path] = created["OrganizationalUnit"]["Id"]
    accounts: dict[str, str] = {}
    account_ous: dict[str, str] = {}
    for path, names in layout.items():
        for name in names:
            status = orgs.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]
            account_id = status["AccountId"]
            if path:
                orgs.move_account(AccountId=account_id, SourceParentId=root_id, DestinationParentId=ous[path])
            accounts[name] = account_id
            account_ous[name] = path
    organization_ = LocalOrganization(
        organization_id=organization["Id"],
        management_account=organization["MasterAccountId"],
        root_id=root_id,
        ous={path: ou for path, ou in ous.items() if path},
        accounts=accounts,
        account_ous=account_ous,
    )
    with handle.iam_enforcement_paused():
        for account_id in accounts.values():
            # AWS attaches AdministratorAccess to the role it creates; moto creates it without policies.
            iam = handle.aws_client("iam", organization_.credentials(handle, account_id))
            iam.put_role_policy(
                RoleName=ACCESS_ROLE, PolicyName="AdministratorAccess", PolicyDocument=ADMINISTRATOR_ACCESS
            )
    return organization_


def _prefixes(path: str) -> list[str]:
    parts = [part for part in path.split("/") if part]
    return ["/".join(parts[: index + 1]) for index in range(len(parts))]


def deploy_stack(
    handle: EmulatorHandle,
    organization: LocalOrganization,
    *,
    account_id: str,
    stack_name: str,
    template: dict[str, Any] | str,
    parameters: dict[str, str] | None = None,
) -> dict[str, str]:
    """CreateStack in the account (as the management account, through its access role); returns the
    stack's outputs. Raises RuntimeError when the stack did not reach CREATE_COMPLETE."""
    cloudformation = handle.aws_client("cloudformation", organization.credentials(handle, account_id))
    body = template if isinstance(template, str) else json.dumps(template)
    cloudformation.create_stack(
        StackName=stack_name,
        TemplateBody=body,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in (parameters or {}).items()],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    if stack["StackStatus"] != "CREATE_COMPLETE":
        raise RuntimeError(f"stack {stack_name} in {account_id}: {stack['StackStatus']}")
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
