"""Several accounts and regions behind one endpoint: STS trust, Organizations, CloudFormation, Lambda."""

from __future__ import annotations

import io
import json
import time
import zipfile
from typing import Any

import pytest
from botocore.exceptions import ClientError

from glacier_emulator import RUNTIME
from glacier_emulator.handles import EmulatorHandle, InProcessHandle
from glacier_emulator.lambda_runtime import GlacierCallClock
from glacier_emulator.organization import LocalOrganization, deploy_stack

from .helpers import finished_execution

OLD = "2020-01-01T00:00:00.000Z"
# What these tests' roles may do: every call made with a role's credentials is checked against its policies.
GLACIER_ANYWHERE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "glacier:*", "Resource": "*"}],
}
HUB_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": "arn:aws:iam::*:role/glacier-cleanup-member",
        },
        {"Effect": "Allow", "Action": "glacier:*", "Resource": "*"},
        # The state machine in these tests runs with this role too (its Lambda tasks).
        {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"},
    ],
}


def member_role_template(hub_role_arn: str, org_id: str) -> dict[str, Any]:
    """A member role like the organization mode's: trusts one role ARN, only inside the organization."""
    return {
        "Resources": {
            "MemberRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": "glacier-cleanup-member",
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"AWS": hub_role_arn},
                                "Action": "sts:AssumeRole",
                                "Condition": {"StringEquals": {"aws:PrincipalOrgID": org_id}},
                            }
                        ],
                    },
                    "Policies": [{"PolicyName": "Glacier", "PolicyDocument": GLACIER_ANYWHERE}],
                },
            }
        },
        "Outputs": {"RoleArn": {"Value": {"Fn::GetAtt": ["MemberRole", "Arn"]}}},
    }


@pytest.fixture
def org(local_organization: LocalOrganization) -> LocalOrganization:
    return local_organization


def create_hub_role(glacier: EmulatorHandle, trusted: str) -> str:
    iam = glacier.aws_client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": trusted}, "Action": "sts:AssumeRole"}],
    }
    arn = str(iam.create_role(RoleName="hub", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"])
    iam.put_role_policy(RoleName="hub", PolicyName="Hub", PolicyDocument=json.dumps(HUB_POLICY))
    return arn


def hub_and_member_role(
    glacier: EmulatorHandle, org: LocalOrganization, account: str, trusted_org_id: str | None = None
) -> tuple[str, str]:
    """A hub role in the management account and the member role deployed into ``account`` from a template."""
    hub_role = create_hub_role(glacier, "arn:aws:iam::123456789012:root")
    template = member_role_template(hub_role, trusted_org_id or org.organization_id)
    outputs = deploy_stack(glacier, org, account_id=account, stack_name="member", template=template)
    return hub_role, outputs["RoleArn"]


def test_organization_layout_with_nested_ous(glacier: EmulatorHandle, org: LocalOrganization) -> None:
    orgs = glacier.aws_client("organizations")
    prod = org.ous["workloads/prod"]
    assert orgs.list_parents(ChildId=prod)["Parents"][0]["Id"] == org.ous["workloads"]
    in_prod = [a["Id"] for a in orgs.list_accounts_for_parent(ParentId=prod)["Accounts"]]
    assert in_prod == [org.accounts["gamma"]]
    in_sandbox = {a["Id"] for a in orgs.list_accounts_for_parent(ParentId=org.ous["sandbox"])["Accounts"]}
    assert in_sandbox == {org.accounts["delta"], org.accounts["epsilon"]}
    in_root = {a["Id"] for a in orgs.list_accounts_for_parent(ParentId=org.root_id)["Accounts"]}
    assert org.accounts["alpha"] not in in_root
    assert len(set(org.accounts.values())) == 5
    assert org.management_account == "123456789012"


def test_assumed_credentials_see_only_that_accounts_vaults(
    glacier: EmulatorHandle, org: LocalOrganization
) -> None:
    alpha, beta = org.accounts["alpha"], org.accounts["beta"]
    alpha_keys, beta_keys = org.credentials(glacier, alpha), org.credentials(glacier, beta)
    glacier.client(alpha_keys).create_vault(vaultName="alpha-vault")
    glacier.client(beta_keys).create_vault(vaultName="beta-vault")
    glacier.seed("beta-vault", 3, creation_date=OLD, account_id=beta)

    assert [v["VaultName"] for v in glacier.client(alpha_keys).list_vaults()["VaultList"]] == ["alpha-vault"]
    beta_vaults = glacier.client(beta_keys).list_vaults()["VaultList"]
    assert [(v["VaultName"], v["VaultARN"].split(":")[4]) for v in beta_vaults] == [("beta-vault", beta)]
    assert glacier.client().list_vaults()["VaultList"] == []  # the management account has none
    uploads = glacier.client(beta_keys).list_multipart_uploads(vaultName="beta-vault")["UploadsList"]
    assert len(uploads) == 3
    # Another account's id in the path is refused, as Glacier refuses a foreign account.
    with pytest.raises(ClientError) as denied:
        glacier.client(alpha_keys).list_vaults(accountId=beta)
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    identity = glacier.aws_client("sts", beta_keys).get_caller_identity()
    assert identity["Account"] == beta


def test_stats_and_aborts_per_account_and_region(glacier: EmulatorHandle, org: LocalOrganization) -> None:
    alpha = org.accounts["alpha"]
    keys = org.credentials(glacier, alpha)
    [upload_id] = glacier.seed("v", 1, creation_date=OLD, account_id=alpha)
    glacier.client(keys).abort_multipart_upload(vaultName="v", uploadId=upload_id)
    glacier.aws_client("glacier", keys, region_name="eu-west-1").list_vaults()
    glacier.client().list_vaults()

    assert glacier.stats(alpha, "us-east-1")["operations"] == {"AbortMultipartUpload": {"total": 1, "ok": 1}}
    assert glacier.stats(alpha, "eu-west-1")["operations"] == {"ListVaults": {"total": 1, "ok": 1}}
    assert glacier.stats(alpha)["total"] == 2
    assert set(glacier.stats()["by_account"]) == {alpha, "123456789012"}
    [abort] = glacier.aborts(alpha)
    assert (abort["account"], abort["region"], abort["upload_id"]) == (alpha, "us-east-1", upload_id)
    assert glacier.aborts("123456789012") == []


def test_account_scoped_faults_leave_the_others_alone(
    glacier: EmulatorHandle, org: LocalOrganization
) -> None:
    alpha, beta, gamma = (org.accounts[name] for name in ("alpha", "beta", "gamma"))
    glacier.configure(no_longer_supported_accounts=[alpha], deny_accounts=[beta])
    with pytest.raises(ClientError) as gone:
        glacier.client(org.credentials(glacier, alpha)).list_vaults()
    assert gone.value.response["Error"]["Code"] == "NoLongerSupportedException"
    with pytest.raises(ClientError) as denied:
        glacier.client(org.credentials(glacier, beta)).list_vaults()
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    assert glacier.client(org.credentials(glacier, gamma)).list_vaults()["VaultList"] == []


def test_assume_role_honours_the_trust_policy(glacier: EmulatorHandle, org: LocalOrganization) -> None:
    alpha = org.accounts["alpha"]
    hub_role, member_role = hub_and_member_role(glacier, org, alpha)
    assert member_role == f"arn:aws:iam::{alpha}:role/glacier-cleanup-member"

    hub_keys = glacier.assume_role(hub_role)
    assert glacier.assume_role(member_role, hub_keys).access_key_id  # the trusted role, inside the org

    def denied(role_arn: str, keys: Any) -> str:
        with pytest.raises(ClientError) as error:
            glacier.assume_role(role_arn, keys)
        assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert f"not authorized to perform: sts:AssumeRole on resource: {role_arn}" in str(error.value)
        return str(error.value.response["Error"]["Code"])

    # The management account itself is not the trusted principal.
    assert denied(member_role, None) == "AccessDenied"
    # A member account without the role (the StackSet has not reached it).
    assert (
        denied(f"arn:aws:iam::{org.accounts['beta']}:role/glacier-cleanup-member", hub_keys) == "AccessDenied"
    )


def test_principal_org_id_condition_fails_outside_the_organization(
    glacier: EmulatorHandle, org: LocalOrganization
) -> None:
    hub_role, member_role = hub_and_member_role(glacier, org, org.accounts["alpha"], "o-someoneelse")
    with pytest.raises(ClientError):
        glacier.assume_role(member_role, glacier.assume_role(hub_role))


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("placeholder.py", "")
    return buffer.getvalue()


def create_function(glacier: EmulatorHandle, name: str, handler: str, role: str, timeout: int = 30) -> None:
    glacier.aws_client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=role,
        Handler=handler,
        Code={"ZipFile": _zip()},
        Timeout=timeout,
        Environment={"Variables": {"EXAMPLE_SETTING": "from-the-function"}},
    )


def test_lambda_runs_the_real_handler_with_its_role_and_environment(
    glacier: EmulatorHandle, org: LocalOrganization
) -> None:
    alpha = org.accounts["alpha"]
    hub_role, member_role = hub_and_member_role(glacier, org, alpha)
    glacier.client(org.credentials(glacier, alpha), region_name="eu-west-1").create_vault(
        vaultName="in-alpha"
    )
    create_function(glacier, "cleanup", "tests.emulator.lambda_handlers.member_vaults", hub_role, timeout=60)

    answer = glacier.aws_client("lambda").invoke(
        FunctionName="cleanup", Payload=json.dumps({"role_arn": member_role, "region": "eu-west-1"})
    )
    assert "FunctionError" not in answer
    result = json.loads(answer["Payload"].read())
    assert result["caller"].startswith("arn:aws:sts::123456789012:assumed-role/hub/")
    assert result["vaults"] == ["in-alpha"]
    assert result["setting"] == "from-the-function"
    assert 50_000 < result["remaining_ms"] <= 60_000
    [invocation] = glacier.lambda_invocations()
    assert (invocation["function_name"], invocation["error_type"]) == ("cleanup", None)


def test_lambda_handler_error_is_a_function_error(glacier: EmulatorHandle, org: LocalOrganization) -> None:
    role = create_hub_role(glacier, "arn:aws:iam::123456789012:root")
    create_function(glacier, "failing", "tests.emulator.lambda_handlers.fail", role)
    answer = glacier.aws_client("lambda").invoke(FunctionName="failing", Payload=b'{"x": 1}')
    assert answer["FunctionError"] == "Unhandled"
    payload = json.loads(answer["Payload"].read())
    assert (payload["errorType"], payload["errorMessage"]) == ("ValueError", "bad event: ['x']")


def test_lambda_that_overruns_its_timeout_is_a_timeout_error(
    glacier: EmulatorHandle, org: LocalOrganization
) -> None:
    role = create_hub_role(glacier, "arn:aws:iam::123456789012:root")
    create_function(glacier, "slow", "tests.emulator.lambda_handlers.sleep", role, timeout=1)
    fast = glacier.aws_client("lambda").invoke(FunctionName="slow", Payload=b'{"seconds": 0.1}')
    assert json.loads(fast["Payload"].read()) == {"slept": 0.1}
    answer = glacier.aws_client("lambda").invoke(FunctionName="slow", Payload=b'{"seconds": 1.2}')
    assert answer["FunctionError"] == "Unhandled"
    assert json.loads(answer["Payload"].read())["errorType"] == "Sandbox.Timedout"


def test_a_glacier_call_clock_counts_calls_not_seconds(glacier_in_process: InProcessHandle) -> None:
    glacier = glacier_in_process
    role = create_hub_role(glacier, "arn:aws:iam::123456789012:root")
    create_function(glacier, "calls", "tests.emulator.lambda_handlers.glacier_calls", role, timeout=10)
    RUNTIME.clock = GlacierCallClock(seconds_per_call=0.5)

    def invoke(payload: dict[str, Any]) -> dict[str, Any]:
        answer = glacier.aws_client("lambda").invoke(FunctionName="calls", Payload=json.dumps(payload))
        return {"error": answer.get("FunctionError"), **json.loads(answer["Payload"].read())}

    # 3 calls cost 1.5 s of the budget; sleeping costs nothing on this clock
    assert invoke({"calls": 3, "sleep": 0.2}) == {"error": None, "before_ms": 10_000, "after_ms": 8_500}
    # 21 calls (10.5 s) overrun the 10 s timeout: Lambda's timeout error
    overrun = invoke({"calls": 21})
    assert (overrun["error"], overrun["errorType"]) == ("Unhandled", "Sandbox.Timedout")
    glacier.reset()
    assert RUNTIME.clock is time.monotonic  # a reset restores the wall clock


def test_cold_start_hooks_run_when_another_function_runs(glacier_in_process: InProcessHandle) -> None:
    glacier = glacier_in_process
    glacier.reset(everything=True)
    role = create_hub_role(glacier, "arn:aws:iam::123456789012:root")
    create_function(glacier, "one", "tests.emulator.lambda_handlers.sleep", role)
    create_function(glacier, "two", "tests.emulator.lambda_handlers.sleep", role)
    cold_starts: list[int] = []
    RUNTIME.cold_start_hooks.append(lambda: cold_starts.append(1))
    try:
        for name in ("one", "one", "two", "two", "one"):
            glacier.aws_client("lambda").invoke(FunctionName=name, Payload=b'{"seconds": 0}')
    finally:
        RUNTIME.cold_start_hooks.clear()
    assert len(cold_starts) == 3  # one, two, one again: a new execution environment each time


def test_step_functions_interpreter_invokes_the_in_process_lambda(
    glacier: EmulatorHandle, org: LocalOrganization
) -> None:
    """A Map over targets, each a Lambda task looping back while the result says incomplete (the
    organization mode's shape), run by moto's Step Functions interpreter with the real handler."""
    role = create_hub_role(glacier, "arn:aws:iam::123456789012:root")
    create_function(glacier, "rounds", "tests.emulator.lambda_handlers.count_down", role)
    function_arn = glacier.aws_client("lambda").get_function(FunctionName="rounds")["Configuration"][
        "FunctionArn"
    ]
    definition = {
        "StartAt": "Targets",
        "States": {
            "Targets": {
                "Type": "Map",
                "ItemsPath": "$.targets",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Clean",
                    "States": {
                        "Clean": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::lambda:invoke",
                            "Parameters": {"FunctionName": function_arn, "Payload.$": "$"},
                            "OutputPath": "$.Payload",
                            "Next": "Done?",
                        },
                        "Done?": {
                            "Type": "Choice",
                            "Choices": [{"Variable": "$.complete", "BooleanEquals": False, "Next": "Clean"}],
                            "Default": "Finished",
                        },
                        "Finished": {"Type": "Succeed"},
                    },
                },
                "End": True,
            }
        },
    }
    states = glacier.aws_client("stepfunctions")
    machine = states.create_state_machine(name="fan-out", definition=json.dumps(definition), roleArn=role)
    targets = [{"target": "a", "left": 1}, {"target": "b", "left": 3}]
    execution = states.start_execution(
        stateMachineArn=machine["stateMachineArn"], input=json.dumps({"targets": targets})
    )
    described = finished_execution(states, execution["executionArn"])
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["output"]) == [
        {"target": "a", "left": 0, "complete": True},
        {"target": "b", "left": 0, "complete": True},
    ]
    invocations = glacier.lambda_invocations()
    assert [i["event"]["target"] for i in invocations].count("b") == 3  # continued until complete
    assert len(invocations) == 4
