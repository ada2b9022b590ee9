"""The Organizations adapter (glacier_cleanup.aws.organizations) against botocore's Stubber: the exact
requests (20 accounts a page, NextToken followed), the OU tree walked once per OU, and a refusal named."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from glacier_cleanup.aws.organizations import OrganizationsError, accounts_under
from glacier_cleanup.core.organization import Account


@pytest.fixture
def organizations() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.session.Session(
        aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="example", region_name="us-east-1"
    ).client("organizations")

    class Session:
        @staticmethod
        def client(name: str, config: Any = None) -> Any:
            assert name == "organizations"
            assert config.read_timeout == 15.0  # aws/deadline.py
            return client

    with Stubber(client) as stubber:
        yield Session(), stubber
        stubber.assert_no_pending_responses()


def account(number: str, **fields: str) -> dict[str, Any]:
    return {"Id": number * 12, **fields}


def expect(
    stubber: Stubber, operation: str, parent: str, response: dict[str, Any], token: str | None = None
) -> None:
    params: dict[str, Any] = {"ParentId": parent, "MaxResults": 20}
    if token:
        params["NextToken"] = token
    stubber.add_response(operation, response, params)


def test_the_tree_is_walked_page_by_page_and_each_ou_once(organizations: tuple[Any, Stubber]) -> None:
    session, stubber = organizations
    accounts, units = "list_accounts_for_parent", "list_organizational_units_for_parent"
    # r-1 (two pages of accounts) holds ou-y, which is also configured: listed once; ou-w is configured too.
    expect(
        stubber, accounts, "r-1", {"Accounts": [account("1", Name="alpha", State="ACTIVE")], "NextToken": "t"}
    )
    expect(stubber, accounts, "r-1", {"Accounts": [account("2")]}, token="t")  # no Name, no State
    expect(stubber, units, "r-1", {"OrganizationalUnits": [{"Id": "ou-y"}]})
    expect(stubber, accounts, "ou-y", {"Accounts": [account("3", Name="gamma", State="SUSPENDED")]})
    expect(stubber, units, "ou-y", {})
    expect(stubber, accounts, "ou-w", {})
    expect(stubber, units, "ou-w", {"OrganizationalUnits": []})

    found = list(accounts_under(session, ["ou-w", "ou-y", "r-1", "r-1"]))

    assert found == [
        Account("111111111111", "alpha", "ACTIVE"),
        Account("222222222222", "", "UNKNOWN"),  # without State: not ACTIVE, so never planned
        Account("333333333333", "gamma", "SUSPENDED"),
    ]


def test_a_refusal_is_an_organizations_error_naming_the_cause(organizations: tuple[Any, Stubber]) -> None:
    session, stubber = organizations
    stubber.add_client_error(
        "list_accounts_for_parent",
        service_error_code="AccessDeniedException",
        service_message="not the management account",
    )

    with pytest.raises(OrganizationsError) as raised:
        list(accounts_under(session, ["r-1"]))

    assert str(raised.value) == (
        "cannot list the organization's accounts: An error occurred (AccessDeniedException) when calling the "
        "ListAccountsForParent operation: not the management account"
    )
