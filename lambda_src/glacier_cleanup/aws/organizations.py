"""Adapter: the organization's accounts under some OUs (boto3 paginators over AWS Organizations).

ListAccountsForParent does not descend into child OUs, so the OU tree is walked here; pages hold at most
20 accounts and the paginators follow NextToken (empty pages included). Only the management account or a
delegated administrator may call these.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from glacier_cleanup.aws.deadline import attempt_timeouts
from glacier_cleanup.core.organization import Account

if TYPE_CHECKING:
    import boto3

ORGANIZATIONS_PAGE_SIZE = 20


class OrganizationsError(RuntimeError):
    """Organizations could not be read (no permission, not the management or delegated admin account)."""


def accounts_under(session: boto3.session.Session, parent_ids: Iterable[str]) -> Iterator[Account]:
    """Every account under each parent (a root or an OU), nested OUs included; duplicates are possible."""
    client = session.client("organizations", config=attempt_timeouts())
    pages = {"PaginationConfig": {"PageSize": ORGANIZATIONS_PAGE_SIZE}}
    pending = list(dict.fromkeys(parent_ids))
    seen: set[str] = set()
    try:
        while pending:
            parent = pending.pop()
            if parent in seen:
                continue
            seen.add(parent)
            for page in client.get_paginator("list_accounts_for_parent").paginate(ParentId=parent, **pages):
                for account in page.get("Accounts", []):
                    # `State` replaced `Status` (retired 2026-09-09): an account without it is not ACTIVE.
                    yield Account(account["Id"], account.get("Name", ""), account.get("State", "UNKNOWN"))
            children = client.get_paginator("list_organizational_units_for_parent")
            for page in children.paginate(ParentId=parent, **pages):
                pending.extend(unit["Id"] for unit in page.get("OrganizationalUnits", []))
    except (ClientError, BotoCoreError) as exc:
        raise OrganizationsError(f"cannot list the organization's accounts: {exc}") from exc
