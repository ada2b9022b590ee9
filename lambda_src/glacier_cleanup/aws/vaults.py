"""Adapter: the vault-level Glacier calls of the estate and of decommission (core/estate.py,
core/decommission.py): ListVaults with each vault's inventory figures, a vault's access policy, lock and
notifications, setting an access policy, deleting a vault."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import BotoCoreError, ClientError

from glacier_cleanup.aws.glacier import to_domain_error
from glacier_cleanup.core.estate import Known, VaultFacts
from glacier_cleanup.core.models import AccessDeniedError, ResourceGoneError

if TYPE_CHECKING:
    from mypy_boto3_glacier import GlacierClient


class VaultAdapter:
    """The core's VaultPort on one boto3 Glacier client. Every method raises only `GlacierError`s."""

    def __init__(self, client: GlacierClient, *, account_id: str = "-") -> None:
        self._client = client
        self._account_id = account_id

    def iter_vault_facts(self, only: Collection[str] = ()) -> Iterator[VaultFacts]:
        """Every vault (or those named in `only`) with what ListVaults says of it; its access policy, lock and
        notifications read (only for the vaults yielded: no Get call on another vault)."""
        pages = self._client.get_paginator("list_vaults").paginate(accountId=self._account_id)
        try:
            for page in pages:
                for item in page.get("VaultList", []):
                    if "VaultName" in item and (not only or item["VaultName"] in only):
                        yield self._facts(dict(item))
        except (ClientError, BotoCoreError) as exc:
            raise to_domain_error(exc) from exc

    def _facts(self, item: dict[str, Any]) -> VaultFacts:
        name = str(item["VaultName"])
        return VaultFacts(
            vault=name,
            created=item.get("CreationDate"),
            last_inventory=item.get("LastInventoryDate"),
            archives=int(item.get("NumberOfArchives") or 0),
            size_bytes=int(item.get("SizeInBytes") or 0),
            access_policy=self._is_set(lambda: self._client.get_vault_access_policy(**self._on(name))),
            lock=self._lock(name),
            notifications=self._is_set(lambda: self._client.get_vault_notifications(**self._on(name))),
        )

    def _on(self, vault: str) -> dict[str, str]:
        return {"accountId": self._account_id, "vaultName": vault}

    def _is_set(self, call: Any) -> Known:
        """True when the Get answers, False when it answers "not set" (404), None when denied."""
        try:
            call()
        except (ClientError, BotoCoreError) as exc:
            error = to_domain_error(exc)
            if isinstance(error, ResourceGoneError):
                return False
            if isinstance(error, AccessDeniedError):
                return None
            raise error from exc
        return True

    def _lock(self, vault: str) -> Literal["Locked", "InProgress", "none"] | None:
        try:
            answer = self._client.get_vault_lock(**self._on(vault))
        except (ClientError, BotoCoreError) as exc:
            error = to_domain_error(exc)
            if isinstance(error, ResourceGoneError):
                return "none"
            if isinstance(error, AccessDeniedError):
                return None
            raise error from exc
        return "Locked" if answer.get("State") == "Locked" else "InProgress"

    def access_policy(self, vault: str) -> str | None:
        try:
            answer = self._client.get_vault_access_policy(**self._on(vault))
        except (ClientError, BotoCoreError) as exc:
            error = to_domain_error(exc)
            if isinstance(error, ResourceGoneError):
                return None  # no policy set (the caller knows the vault exists)
            raise error from exc
        return answer.get("policy", {}).get("Policy")

    def set_access_policy(self, vault: str, policy: str) -> None:
        try:
            self._client.set_vault_access_policy(**self._on(vault), policy={"Policy": policy})
        except (ClientError, BotoCoreError) as exc:
            raise to_domain_error(exc) from exc

    def delete_vault(self, vault: str) -> None:
        try:
            self._client.delete_vault(**self._on(vault))
        except (ClientError, BotoCoreError) as exc:
            raise to_domain_error(exc) from exc
