"""The vault adapter (glacier_cleanup.aws.vaults) on a real Glacier client with botocore's Stubber: what
ListVaults gives, each setting read as set, not set (404) or unknown (403), and errors as the domain's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from glacier_cleanup.aws.vaults import VaultAdapter
from glacier_cleanup.core.models import GlacierError, ResourceGoneError

ON = {"accountId": "-", "vaultName": "v"}


@pytest.fixture
def stubbed() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="eu-west-1"
    ).client("glacier")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def listed(stubber: Stubber, **item: Any) -> None:
    stubber.add_response("list_vaults", {"VaultList": [{"VaultName": "v", **item}]}, {"accountId": "-"})


def test_a_vaults_facts_and_settings_are_read(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    listed(
        stubber,
        CreationDate="2020-01-01T00:00:00.000Z",
        LastInventoryDate="2026-12-06T00:00:00.000Z",
        NumberOfArchives=4,
        SizeInBytes=4096,
    )
    stubber.add_response("get_vault_access_policy", {"policy": {"Policy": "{}"}}, ON)
    stubber.add_response("get_vault_lock", {"State": "Locked", "Policy": "{}"}, ON)
    stubber.add_client_error(
        "get_vault_notifications", "ResourceNotFoundException", "none", 404, expected_params=ON
    )

    [facts] = VaultAdapter(client).iter_vault_facts()

    assert (facts.vault, facts.archives, facts.size_bytes) == ("v", 4, 4096)
    assert facts.last_inventory == "2026-12-06T00:00:00.000Z"
    assert (facts.access_policy, facts.lock, facts.notifications) == (True, "Locked", False)


def test_a_setting_it_may_not_read_is_unknown_and_no_lock_is_none(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    listed(stubber)  # before the first inventory: no date, no counts
    stubber.add_client_error(
        "get_vault_access_policy", "AccessDeniedException", "no", 403, expected_params=ON
    )
    stubber.add_client_error("get_vault_lock", "ResourceNotFoundException", "none", 404, expected_params=ON)
    stubber.add_client_error(
        "get_vault_notifications", "AccessDeniedException", "no", 403, expected_params=ON
    )

    [facts] = VaultAdapter(client).iter_vault_facts()

    assert (facts.last_inventory, facts.archives, facts.size_bytes) == (None, 0, 0)
    assert (facts.access_policy, facts.lock, facts.notifications) == (None, "none", None)


def test_another_error_of_a_setting_is_raised_as_the_domains(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    listed(stubber)
    stubber.add_client_error("get_vault_access_policy", "ServiceUnavailableException", "later", 500)
    with pytest.raises(GlacierError) as raised:
        list(VaultAdapter(client).iter_vault_facts())
    assert raised.value.code == "ServiceUnavailableException"


def test_setting_a_policy_and_deleting_a_vault(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    stubber.add_response("set_vault_access_policy", {}, {**ON, "policy": {"Policy": '{"Statement": []}'}})
    stubber.add_client_error(
        "delete_vault", "ResourceNotFoundException", "Vault not found", 404, expected_params=ON
    )
    adapter = VaultAdapter(client)
    adapter.set_access_policy("v", '{"Statement": []}')
    with pytest.raises(ResourceGoneError):
        adapter.delete_vault("v")
