"""Who the credentials are and where Glacier exists (glacier_cleanup.aws.identity), without a network call."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from glacier_cleanup.aws.glacier import ClientSetupError
from glacier_cleanup.aws.identity import caller_identity, glacier_regions


def session_in(region: str | None) -> boto3.session.Session:
    session = boto3.session.Session(
        aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="x", region_name=region
    )
    if region is None:
        session._session.set_config_variable("region", None)
    return session


@pytest.mark.parametrize(
    ("region", "included", "excluded"),
    [
        (None, "us-east-1", "cn-north-1"),
        ("eu-west-1", "eu-west-1", "cn-north-1"),
        ("cn-north-1", "cn-north-1", "us-east-1"),
    ],
)
def test_regions_come_from_the_sdk_in_the_sessions_partition(
    region: str | None, included: str, excluded: str
) -> None:
    regions = glacier_regions(session_in(region))

    assert included in regions
    assert excluded not in regions
    assert regions == sorted(regions)


def test_the_identity_is_the_account_and_arn(monkeypatch: pytest.MonkeyPatch) -> None:
    session = session_in("eu-west-1")
    client = session.client("sts")
    monkeypatch.setattr(session, "client", lambda name, **_: client)
    with Stubber(client) as stubber:
        stubber.add_response(
            "get_caller_identity",
            {"Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/op", "UserId": "AIDA"},
        )
        assert caller_identity(session) == ("123456789012", "arn:aws:iam::123456789012:user/op")


def test_credentials_that_cannot_be_identified_are_a_setup_error(monkeypatch: pytest.MonkeyPatch) -> None:
    class Refusing:
        def get_caller_identity(self) -> Any:
            raise ClientError(
                {"Error": {"Code": "InvalidClientTokenId", "Message": "bad token"}}, "GetCallerIdentity"
            )

    session = session_in("eu-west-1")
    monkeypatch.setattr(session, "client", lambda name, **_: Refusing())

    with pytest.raises(ClientSetupError) as raised:
        caller_identity(session)

    assert str(raised.value) == (
        "cannot identify the AWS credentials: An error occurred (InvalidClientTokenId) when calling the "
        "GetCallerIdentity operation: bad token"
    )
