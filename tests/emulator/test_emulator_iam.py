"""Calls made with a role's credentials are authorized against the role's identity policies, in both
emulator modes, with AWS's error codes and messages; other callers are not restricted
(glacier_emulator/authorization.py)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from glacier_emulator.handles import Credentials, EmulatorHandle

ACCOUNT = "123456789012"
VAULT_ARN = f"arn:aws:glacier:us-east-1:{ACCOUNT}:vaults/allowed"


def role_with(glacier: EmulatorHandle, name: str, *statements: dict[str, Any]) -> Credentials:
    """A role named `name` plus this test's suffix: the server's IAM outlives a test (other tests' roles)."""
    name = unique(name)
    iam = glacier.aws_client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    if statements:
        document = {"Version": "2012-10-17", "Statement": list(statements)}
        iam.put_role_policy(RoleName=name, PolicyName="Inline", PolicyDocument=json.dumps(document))
    return glacier.assume_role(f"arn:aws:iam::{ACCOUNT}:role/{name}")


_SUFFIX = uuid.uuid4().hex[:8]


def unique(name: str) -> str:
    return f"{name}-{_SUFFIX}"


def error_of(call: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as raised:
        call()
    return {
        "code": raised.value.response["Error"]["Code"],
        "status": raised.value.response["ResponseMetadata"]["HTTPStatusCode"],
        "message": raised.value.response["Error"]["Message"],
    }


def test_a_role_may_do_what_its_policy_allows_on_the_resources_it_names(glacier: EmulatorHandle) -> None:
    glacier.create_vault("allowed")
    glacier.create_vault("other")
    keys = role_with(
        glacier,
        "cleaner",
        {"Effect": "Allow", "Action": "glacier:ListVaults", "Resource": "*"},
        {"Effect": "Allow", "Action": "glacier:ListMultipartUploads", "Resource": VAULT_ARN},
    )
    client = glacier.client(keys)

    assert {v["VaultName"] for v in client.list_vaults()["VaultList"]} == {"allowed", "other"}
    assert client.list_multipart_uploads(vaultName="allowed")["UploadsList"] == []
    refused = error_of(lambda: client.list_multipart_uploads(vaultName="other"))

    assert refused["code"] == "AccessDeniedException"
    assert refused["status"] == 403
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/{unique('cleaner')}/emulator"
    assert refused["message"] == (
        f"User: {session} is not authorized to perform: "
        f"glacier:ListMultipartUploads on resource: arn:aws:glacier:us-east-1:{ACCOUNT}:vaults/other "
        "because no identity-based policy allows the glacier:ListMultipartUploads action"
    )
    ledger = glacier.iam_ledger()
    assert {(use["action"], use["statement"]) for use in ledger["used"]} == {
        ("glacier:ListVaults", "#0"),
        ("glacier:ListMultipartUploads", "#1"),
    }
    assert [(d["action"], d["resource"], d["decision"]) for d in ledger["denials"]] == [
        ("glacier:ListMultipartUploads", f"arn:aws:glacier:us-east-1:{ACCOUNT}:vaults/other", "implicit deny")
    ]


def test_an_explicit_deny_wins_and_other_services_answer_in_their_own_format(glacier: EmulatorHandle) -> None:
    keys = role_with(
        glacier,
        "mixed",
        {"Effect": "Allow", "Action": ["dynamodb:*", "s3:*"], "Resource": "*"},
        {"Effect": "Deny", "Action": "dynamodb:PutItem", "Resource": "*"},
    )
    dynamodb = glacier.aws_client("dynamodb")
    dynamodb.create_table(
        TableName="looks",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    as_role = glacier.aws_client("dynamodb", keys)

    assert "Item" not in as_role.get_item(TableName="looks", Key={"k": {"S": "a"}})
    denied = error_of(lambda: as_role.put_item(TableName="looks", Item={"k": {"S": "a"}}))
    assert (denied["code"], denied["status"]) == ("AccessDeniedException", 403)
    assert (
        f"dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/looks" in denied["message"]
    )
    assert glacier.iam_ledger()["denials"][-1]["decision"] == "explicit deny"

    nothing = role_with(glacier, "nothing")
    s3_denied = error_of(lambda: glacier.aws_client("s3", nothing).list_buckets())
    assert (s3_denied["code"], s3_denied["status"]) == ("AccessDenied", 403)
    assert "s3:ListAllMyBuckets" in s3_denied["message"]


def test_callers_that_are_not_roles_are_not_restricted(glacier: EmulatorHandle) -> None:
    glacier.create_vault("anything")
    assert glacier.client().list_multipart_uploads(vaultName="anything")["UploadsList"] == []
    assert glacier.iam_ledger() == {"enforce": True, "check_users": False, "used": [], "denials": []}


def test_a_test_may_opt_in_to_checking_an_iam_users_keys(glacier: EmulatorHandle) -> None:
    glacier.create_vault("mine")
    glacier.create_vault("theirs")
    iam = glacier.aws_client("iam")
    operator_name, readers = unique("operator"), unique("readers")
    iam.create_user(UserName=operator_name)
    iam.create_group(GroupName=readers)
    iam.add_user_to_group(GroupName=readers, UserName=operator_name)
    only_mine = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "glacier:List*", "Resource": VAULT_ARN.replace("allowed", "mine")}
        ],
    }
    iam.put_group_policy(GroupName=readers, PolicyName="Mine", PolicyDocument=json.dumps(only_mine))
    key = iam.create_access_key(UserName=operator_name)["AccessKey"]
    operator = glacier.client(Credentials(key["AccessKeyId"], key["SecretAccessKey"], None))

    assert operator.list_multipart_uploads(vaultName="theirs")["UploadsList"] == []  # not checked by default
    glacier.check_iam_users()
    assert operator.list_multipart_uploads(vaultName="mine")["UploadsList"] == []  # the group's policy
    refused = error_of(lambda: operator.list_multipart_uploads(vaultName="theirs"))
    assert refused["code"] == "AccessDeniedException"
    assert f"User: arn:aws:iam::{ACCOUNT}:user/{operator_name} is not authorized" in refused["message"]


def test_with_enforcement_off_a_refusal_is_recorded_not_answered(glacier: EmulatorHandle) -> None:
    glacier.create_vault("v")
    keys = role_with(glacier, "bare")
    with glacier.iam_enforcement_paused():
        assert glacier.client(keys).list_multipart_uploads(vaultName="v")["UploadsList"] == []
    assert [d["action"] for d in glacier.iam_ledger()["denials"]] == ["glacier:ListMultipartUploads"]
    assert error_of(lambda: glacier.client(keys).list_multipart_uploads(vaultName="v"))["code"] == (
        "AccessDeniedException"
    )


def test_assume_role_needs_the_callers_own_policy_too(glacier: EmulatorHandle) -> None:
    target = role_with(glacier, "target")  # trusts the account root
    del target
    hub = role_with(glacier, "hub", {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})
    lonely = role_with(glacier, "lonely")

    assert glacier.assume_role(f"arn:aws:iam::{ACCOUNT}:role/{unique('target')}", hub).access_key_id
    refused = error_of(lambda: glacier.assume_role(f"arn:aws:iam::{ACCOUNT}:role/{unique('target')}", lonely))
    assert (refused["code"], refused["status"]) == ("AccessDenied", 403)
    assert f"sts:AssumeRole on resource: arn:aws:iam::{ACCOUNT}:role/{unique('target')}" in refused["message"]
