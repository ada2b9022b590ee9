"""The Glacier calls the engine makes, as a port: the adapter in aws/glacier.py implements it, tests fake
it."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Protocol

from glacier_cleanup.core.activity import Progress
from glacier_cleanup.core.estate import VaultFacts
from glacier_cleanup.core.models import Upload


class GlacierPort(Protocol):
    """The Glacier calls the engine needs. Every method raises only `GlacierError` subclasses."""

    def iter_vault_pages(self) -> Iterator[list[str]]:
        """Vault names, one list per ListVaults page; each `next()` is one call."""
        ...

    def iter_upload_pages(self, vault: str) -> Iterator[list[Upload]]:
        """A vault's in-progress uploads, one list per ListMultipartUploads page; `next()` is one call."""
        ...

    def abort_upload(self, vault: str, upload_id: str) -> None: ...

    def upload_progress(self, vault: str, upload_id: str) -> Progress:
        """Parts and bytes uploaded so far, over every ListParts page; `as_of` the service's time of the
        answer when it gave one."""
        ...


class VaultPort(Protocol):
    """The vault-level calls of the estate and of decommission. Every method raises only `GlacierError`s."""

    def iter_vault_facts(self, only: Collection[str] = ()) -> Iterator[VaultFacts]:
        """Every vault (or those named in `only`), with its inventory figures, access policy, lock and
        notifications."""
        ...

    def access_policy(self, vault: str) -> str | None:
        """The vault's access policy document (None: none set)."""
        ...

    def set_access_policy(self, vault: str, policy: str) -> None: ...

    def delete_vault(self, vault: str) -> None: ...
