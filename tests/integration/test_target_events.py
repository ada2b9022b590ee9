"""Target events (the organization mode's unit of work) end to end: the real handler assumes the member
role in another account through the emulator's STS (trust policies honoured) and cleans one region there."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from glacier_cleanup.handler import lambda_handler
from glacier_cleanup.inputs.events import InvalidEventError
from support.handler_env import FakeLambdaContext, emitted, metric_values

from glacier_emulator.handles import EmulatorHandle
from glacier_emulator.organization import LocalOrganization

ROLE = "GlacierCleanupMember"
REGION = "eu-west-1"


def ago(hours: float) -> str:
    moment = datetime.now(UTC) - timedelta(hours=hours)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# The member role's identity policy as the member template deploys it (the reviewed snapshot of the
# synthesized template): the emulator evaluates it for every call made with the role's credentials.
MEMBER_TEMPLATE = (
    Path(__file__).resolve().parents[1] / "infra" / "snapshots" / "GlacierCleanup-acme-member-role.json"
)


def member_role_policy(account: str) -> dict[str, Any]:
    (role,) = json.loads(MEMBER_TEMPLATE.read_text(encoding="utf-8"))["Resources"].values()
    (policy,) = role["Properties"]["Policies"]
    document: dict[str, Any] = resolve(
        policy["PolicyDocument"], {"AWS::Partition": "aws", "AWS::AccountId": account}
    )
    return document


def resolve(node: Any, values: dict[str, str]) -> Any:
    if isinstance(node, dict):
        if "Ref" in node:
            return values[node["Ref"]]
        if "Fn::Join" in node:
            separator, parts = node["Fn::Join"]
            return separator.join(resolve(part, values) for part in parts)
        return {key: resolve(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(item, values) for item in node]
    return node


def create_member_role(glacier: EmulatorHandle, org: LocalOrganization, account: str) -> None:
    """The member role with the template's policy, trusting the caller of these tests (the management
    account) inside the org."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{org.management_account}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": org.organization_id}},
            }
        ],
    }
    iam = glacier.aws_client("iam", org.credentials(glacier, account))
    iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(
        RoleName=ROLE, PolicyName="GlacierCleanup", PolicyDocument=json.dumps(member_role_policy(account))
    )


def target_event(account: str, **extra: Any) -> dict[str, Any]:
    return {"account": account, "region": REGION, "run_id": "run-2026-11-26", **extra}


@pytest.fixture
def member_role_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEANUP_MEMBER_ROLE_NAME", ROLE)


@pytest.mark.usefixtures("member_role_env")
def test_a_target_event_cleans_that_account_and_region_only(
    glacier: EmulatorHandle, local_organization: LocalOrganization, capsys: pytest.CaptureFixture[str]
) -> None:
    org = local_organization
    alpha, beta = org.accounts["alpha"], org.accounts["beta"]
    create_member_role(glacier, org, alpha)
    there = glacier.in_region(REGION)
    for account in (alpha, beta):
        there.client(org.credentials(glacier, account)).create_vault(vaultName="backups")
        there.seed("backups", 3, creation_date=ago(400), account_id=account)
        there.seed("backups", 2, creation_date=ago(2), account_id=account)
    glacier.client(org.credentials(glacier, alpha)).create_vault(vaultName="backups")
    home = glacier.seed("backups", 2, creation_date=ago(400), account_id=alpha)  # us-east-1: not the target
    beta_calls = glacier.stats(beta)["total"]

    result = lambda_handler(target_event(alpha, settings={"dry_run": False}), FakeLambdaContext())

    assert (result["status"], result["account"], result["region"]) == ("ok", alpha, REGION)
    assert (result["uploads_found"], result["uploads_aborted"], result["more_to_do"]) == (5, 3, False)
    assert [a["account"] for a in glacier.aborts()] == [alpha] * 3
    assert {a["region"] for a in glacier.aborts()} == {REGION}
    assert glacier.stats(beta)["total"] == beta_calls  # the other member was not touched
    assert len(
        glacier.client(org.credentials(glacier, alpha)).list_multipart_uploads(vaultName="backups")[
            "UploadsList"
        ]
    ) == len(home)
    values = metric_values(emitted(capsys.readouterr().out)[0])
    assert (values["UploadsAborted"], values["NoAccess"]) == (3, 0)


@pytest.mark.usefixtures("member_role_env")
def test_a_member_without_the_role_is_no_access_naming_the_account(
    glacier: EmulatorHandle, local_organization: LocalOrganization, capsys: pytest.CaptureFixture[str]
) -> None:
    gamma = local_organization.accounts["gamma"]

    result = lambda_handler(target_event(gamma, settings={"dry_run": False}), FakeLambdaContext())

    assert (result["status"], result["account"], result["more_to_do"]) == ("no_access", gamma, False)
    assert result["uploads_found"] == 0
    [failure] = result["failures"]
    assert gamma in failure["error"]
    assert "AccessDenied" in failure["error"]
    assert glacier.stats(gamma)["total"] == 0
    assert metric_values(emitted(capsys.readouterr().out)[0])["NoAccess"] == 1


@pytest.mark.usefixtures("member_role_env")
def test_no_longer_supported_and_disabled_region_are_statuses(
    glacier: EmulatorHandle, local_organization: LocalOrganization
) -> None:
    org = local_organization
    alpha, beta = org.accounts["alpha"], org.accounts["beta"]
    for account in (alpha, beta):
        create_member_role(glacier, org, account)
    glacier.configure(no_longer_supported_accounts=[alpha], disabled_regions=["ap-east-1"])

    unavailable = lambda_handler(target_event(alpha), FakeLambdaContext())
    disabled = lambda_handler({**target_event(beta), "region": "ap-east-1"}, FakeLambdaContext())

    assert (unavailable["status"], unavailable["more_to_do"]) == ("glacier_unavailable", False)
    assert (disabled["status"], disabled["region"], disabled["more_to_do"]) == (
        "region_not_enabled",
        "ap-east-1",
        False,
    )


@pytest.mark.usefixtures("member_role_env")
def test_a_run_out_of_time_says_more_to_do_and_the_next_round_finishes(
    glacier: EmulatorHandle, local_organization: LocalOrganization
) -> None:
    org = local_organization
    alpha = org.accounts["alpha"]
    create_member_role(glacier, org, alpha)
    there = glacier.in_region(REGION)
    for number in range(3):
        there.client(org.credentials(glacier, alpha)).create_vault(vaultName=f"v{number}")
        there.seed(f"v{number}", 4, creation_date=ago(400), account_id=alpha)
    # A clock that has run out after the first ListVaults page: the run stops, nothing is aborted.
    remaining = iter([900_000, 900_000])
    context = FakeLambdaContext(remaining_ms=lambda: next(remaining, 1_000))

    first = lambda_handler(target_event(alpha, settings={"dry_run": False}), context)
    second = lambda_handler(target_event(alpha, round=2, settings={"dry_run": False}), FakeLambdaContext())

    assert (first["status"], first["complete"], first["more_to_do"]) == ("incomplete", False, True)
    assert (second["status"], second["more_to_do"], second["uploads_aborted"]) == ("ok", False, 12)


def test_target_events_need_a_member_role_setting(glacier: EmulatorHandle) -> None:
    with pytest.raises(InvalidEventError, match="CLEANUP_MEMBER_ROLE_NAME"):
        lambda_handler(target_event("111111111111"), FakeLambdaContext())
    assert glacier.stats()["total"] == 0


@pytest.mark.usefixtures("member_role_env")
@pytest.mark.parametrize(
    ("event", "field"),
    [
        (target_event("1234"), "account"),
        ({**target_event("111111111111"), "region": "Europe"}, "region"),
        (target_event("111111111111", round=0), "round"),
        (target_event("111111111111", settings={"dry_run": "no"}), "settings.dry_run"),
        (target_event("111111111111", settings={"older_than_hours": 0.5}), "settings.older_than_hours"),
        ({**target_event("111111111111"), "run_id": "has space"}, "run_id"),
        ({"account": "111111111111", "region": REGION}, "run_id"),
    ],
)
def test_a_bad_target_event_fails_naming_the_field_and_calls_nothing(
    glacier: EmulatorHandle, event: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidEventError, match=rf"invalid target event: .*{field}"):
        lambda_handler(event, FakeLambdaContext())
    assert glacier.stats()["total"] == 0


@pytest.mark.usefixtures("member_role_env")
def test_a_target_event_records_its_decisions_in_the_hubs_bucket_under_its_account_and_region(
    glacier: EmulatorHandle, local_organization: LocalOrganization, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = local_organization
    alpha = org.accounts["alpha"]
    create_member_role(glacier, org, alpha)
    there = glacier.in_region(REGION)
    there.client(org.credentials(glacier, alpha)).create_vault(vaultName="backups")
    aborted = set(there.seed("backups", 3, creation_date=ago(400), account_id=alpha))
    s3 = glacier.aws_client("s3")  # the hub's own account: its records bucket
    s3.create_bucket(Bucket="hub-decision-records")
    monkeypatch.setenv("CLEANUP_RECORDS_BUCKET", "hub-decision-records")

    result = lambda_handler(target_event(alpha, settings={"dry_run": False}, round=2), FakeLambdaContext())

    key = result["records"]["key"]
    today = datetime.now(UTC)
    assert key.startswith(f"records/year={today:%Y}/month={today:%m}/day={today:%d}/{alpha}-{REGION}-")
    assert key.endswith("-run-2026-11-26-round2.jsonl.gz")
    body = s3.get_object(Bucket="hub-decision-records", Key=key)["Body"].read()
    records = [json.loads(line) for line in gzip.decompress(body).decode("utf-8").splitlines()]
    assert {(r["source"], r["run_id"], r["account"], r["region"]) for r in records} == {
        ("organization", "run-2026-11-26", alpha, REGION)
    }
    assert {r["upload_id"] for r in records if r["decision"] == "aborted"} == aborted
