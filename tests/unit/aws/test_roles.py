"""The role-assumption adapter (glacier_cleanup.aws.roles) against botocore's Stubber: the exact AssumeRole
request, and every way it fails turned into NoAccessError naming the account, the code and the role."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from botocore.stub import Stubber
from glacier_cleanup.aws.roles import (
    TemporaryCredentials,
    assume_member_role,
    role_arn,
    session_name,
    session_with,
)
from glacier_cleanup.core.models import NoAccessError

ACCOUNT = "222222222222"
ARN = f"arn:aws:iam::{ACCOUNT}:role/GlacierCleanupMember"
KEYS = {
    "AccessKeyId": "ASIAEXAMPLEEXAMPLE01",
    "SecretAccessKey": "secret-example",
    "SessionToken": "token-example",
    "Expiration": datetime(2026, 11, 26, tzinfo=UTC),
}


@pytest.fixture
def sts(monkeypatch: pytest.MonkeyPatch) -> tuple[boto3.session.Session, Stubber]:
    session = boto3.session.Session(
        aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="example", region_name="eu-west-1"
    )
    client = session.client("sts")
    monkeypatch.setattr(session, "client", lambda name, **kwargs: client)
    with Stubber(client) as stubber:
        yield session, stubber
        stubber.assert_no_pending_responses()


def assume(session: boto3.session.Session, duration: int) -> TemporaryCredentials:
    return assume_member_role(
        session,
        account_id=ACCOUNT,
        role_name="GlacierCleanupMember",
        session_name="glacier-cleanup-run-1-r2",
        duration_seconds=duration,
    )


@pytest.mark.parametrize(("asked", "sent"), [(300, 900), (900, 900), (3600, 3600)])
def test_the_request_names_the_role_the_session_and_at_least_sts_minimum(
    sts: tuple[boto3.session.Session, Stubber], asked: int, sent: int
) -> None:
    session, stubber = sts
    expected = {"RoleArn": ARN, "RoleSessionName": "glacier-cleanup-run-1-r2", "DurationSeconds": sent}
    stubber.add_response("assume_role", {"Credentials": KEYS}, expected)

    credentials = assume(session, asked)

    assert (credentials.access_key_id, credentials.secret_access_key, credentials.session_token) == (
        "ASIAEXAMPLEEXAMPLE01",
        "secret-example",
        "token-example",
    )


def test_a_refusal_is_no_access_naming_the_account_code_and_role(
    sts: tuple[boto3.session.Session, Stubber],
) -> None:
    session, stubber = sts
    stubber.add_client_error(
        "assume_role", service_error_code="AccessDenied", service_message="not trusted", http_status_code=403
    )

    with pytest.raises(NoAccessError) as raised:
        assume(session, 900)

    assert (raised.value.account_id, raised.value.code) == (ACCOUNT, "AccessDenied")
    assert str(raised.value) == f"AccessDenied: cannot assume {ARN}: not trusted"


@pytest.mark.parametrize(
    ("error", "code", "text"),
    [
        (ClientError({}, "AssumeRole"), "Unknown", f"Unknown: cannot assume {ARN}: "),  # no details at all
        (
            EndpointConnectionError(endpoint_url="https://sts.eu-west-1.amazonaws.com"),
            "EndpointConnectionError",
            f"EndpointConnectionError: cannot assume {ARN}: "
            'Could not connect to the endpoint URL: "https://sts.eu-west-1.amazonaws.com"',
        ),
    ],
)
def test_errors_without_details_or_a_connection_are_no_access_too(
    monkeypatch: pytest.MonkeyPatch, error: Exception, code: str, text: str
) -> None:
    class Failing:
        def assume_role(self, **_: Any) -> None:
            raise error

    session = boto3.session.Session(region_name="eu-west-1")
    monkeypatch.setattr(session, "client", lambda name, **kwargs: Failing())

    with pytest.raises(NoAccessError) as raised:
        assume(session, 900)

    assert (raised.value.account_id, raised.value.code, str(raised.value)) == (ACCOUNT, code, text)


@pytest.mark.parametrize(
    ("region", "partition"),
    [("eu-west-1", "aws"), ("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov"), (None, "aws")],
)
def test_the_role_arn_is_in_the_sessions_partition(region: str | None, partition: str) -> None:
    session = boto3.session.Session(region_name=region)
    if region is None:
        session._session.set_config_variable("region", None)
    assert role_arn(session, account_id=ACCOUNT, role_name="R") == f"arn:{partition}:iam::{ACCOUNT}:role/R"


def test_a_session_on_the_assumed_credentials_uses_them_in_the_region() -> None:
    session = session_with(TemporaryCredentials("ASIAX", "secret", "token"), region="ap-south-1")

    frozen = session.get_credentials().get_frozen_credentials()
    assert (frozen.access_key, frozen.secret_key, frozen.token) == ("ASIAX", "secret", "token")
    assert session.region_name == "ap-south-1"


@pytest.mark.parametrize(
    ("parts", "name"),
    [
        (("glacier-cleanup", "run 1", "r2"), "glacier-cleanup-run-1-r2"),
        (("glacier-cleanup", "", "r2"), "glacier-cleanup-r2"),
        (("x",), "x-"),
        (("a" * 70,), "a" * 64),
    ],
)
def test_session_names_fit_sts_rules(parts: tuple[str, ...], name: str) -> None:
    assert session_name(*parts) == name
