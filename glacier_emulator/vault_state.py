"""What Glacier keeps about a vault beyond its archives: the inventory (counts as of its date, taken on a
cadence), the last write, and the vault's access policy, lock and notifications.

Glacier prepares an inventory of each vault about every 24 hours; ListVaults and DescribeVault report the
archives and size as of it (null before the first), and DeleteVault succeeds only with no archives as of the
last inventory and no write since. Here an inventory is taken `inventory_hours` (a fault setting, 24 by
default; 0: at once) after the first write it does not yet include, on the service's clock: a test advances
it with `clock_offset_seconds`.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from moto.glacier.models import Vault

from .errors import invalid_parameter, resource_not_found
from .store import format_timestamp

# Glacier's text for a DeleteVault it refuses (the API reference, DeleteVault).
NOT_EMPTY = "Vault not empty or recently written to"
# An initiated lock that is not completed within 24 hours expires (the Vault Lock documentation).
LOCK_IN_PROGRESS_HOURS = 24
NOTIFICATION_EVENTS = frozenset({"ArchiveRetrievalCompleted", "InventoryRetrievalCompleted"})


@dataclasses.dataclass
class VaultState:
    inventory_at: datetime | None = None
    archives: int = 0
    size: int = 0
    last_write: datetime | None = None
    access_policy: str | None = None
    lock: dict[str, Any] | None = None
    notifications: dict[str, Any] | None = None

    # ----- the inventory ---------------------------------------------------------------------------
    def refresh(self, vault: Vault, now: datetime, hours: float) -> None:
        """Take the inventory that is due by `now`: the vault's archives as they are (every write first
        refreshes, so they are as they were when it was due)."""
        if self.last_write is None:
            return
        if self.inventory_at is not None and self.inventory_at >= self.last_write:
            return
        due = self.last_write + timedelta(hours=hours)
        if now >= due:
            self.inventory_at = due
            self.archives = len(vault.archives)
            self.size = sum(archive["size"] for archive in vault.archives.values())

    def wrote(self, vault: Vault, now: datetime, hours: float) -> None:
        self.refresh(vault, now, hours)
        self.last_write = now

    def describe(self) -> dict[str, Any]:
        return {
            "LastInventoryDate": None if self.inventory_at is None else format_timestamp(self.inventory_at),
            "NumberOfArchives": self.archives,
            "SizeInBytes": self.size,
        }

    def check_deletable(self) -> None:
        written_since = self.last_write is not None and (
            self.inventory_at is None or self.last_write > self.inventory_at
        )
        if self.archives or written_since:
            raise invalid_parameter(NOT_EMPTY)

    # ----- the access policy ------------------------------------------------------------------------
    def set_access_policy(self, body: dict[str, Any] | None) -> None:
        self.access_policy = _policy_text(body)

    def denies(self, action: str) -> bool:
        """Whether the access policy denies `action` (e.g. "glacier:UploadArchive") to everyone: a Deny
        statement for the principal "*" naming it (wildcards allowed). Conditions are not read: a statement
        with one is not applied here."""
        if self.access_policy is None:
            return False
        statements = json.loads(self.access_policy).get("Statement")
        for statement in statements if isinstance(statements, list) else [statements]:
            if (
                not isinstance(statement, dict)
                or statement.get("Effect") != "Deny"
                or "Condition" in statement
            ):
                continue
            principal = statement.get("Principal")
            if principal not in ("*", {"AWS": "*"}):
                continue
            actions = statement.get("Action")
            names = actions if isinstance(actions, list) else [actions]
            if any(
                isinstance(name, str) and fnmatch.fnmatchcase(action.lower(), name.lower()) for name in names
            ):
                return True
        return False

    def get_access_policy(self, arn: str) -> dict[str, Any]:
        if self.access_policy is None:
            raise resource_not_found(f"No vault access policy is set for: {arn}")
        return {"Policy": self.access_policy}

    # ----- the lock ---------------------------------------------------------------------------------
    def initiate_lock(self, body: dict[str, Any] | None, now: datetime) -> str:
        if self.lock is not None and (self.lock["State"] == "Locked" or now < self.lock["expires"]):
            raise invalid_parameter("Vault is already locked or a lock is in progress")
        lock_id = uuid.uuid4().hex
        self.lock = {
            "Policy": _policy_text(body),
            "State": "InProgress",
            "CreationDate": now,
            "expires": now + timedelta(hours=LOCK_IN_PROGRESS_HOURS),
            "lock_id": lock_id,
        }
        return lock_id

    def complete_lock(self, lock_id: str, now: datetime) -> None:
        lock = self._lock_in_progress(now)
        if lock is None or lock["lock_id"] != lock_id:
            raise invalid_parameter(f"Invalid lock id: {lock_id}")
        lock["State"] = "Locked"

    def abort_lock(self, now: datetime) -> None:
        if self.lock is not None and self.lock["State"] == "Locked":
            raise invalid_parameter("The vault lock is completed and cannot be aborted")
        self.lock = None

    def get_lock(self, arn: str, now: datetime) -> dict[str, Any]:
        lock = self.lock if self.lock is not None and self.lock["State"] == "Locked" else None
        lock = lock or self._lock_in_progress(now)
        if lock is None:
            raise resource_not_found(f"No vault lock policy is set for: {arn}")
        answer = {
            "Policy": lock["Policy"],
            "State": lock["State"],
            "CreationDate": format_timestamp(lock["CreationDate"]),
        }
        if lock["State"] == "InProgress":
            answer["ExpirationDate"] = format_timestamp(lock["expires"])
        return answer

    def _lock_in_progress(self, now: datetime) -> dict[str, Any] | None:
        lock = self.lock
        if lock is None or lock["State"] != "InProgress":
            return None
        return lock if now < lock["expires"] else None

    # ----- notifications ----------------------------------------------------------------------------
    def set_notifications(self, body: dict[str, Any] | None) -> None:
        config = body or {}
        topic, events = config.get("SNSTopic"), config.get("Events") or []
        if not isinstance(topic, str) or not topic.startswith("arn:"):
            raise invalid_parameter(f"Invalid SNSTopic: {topic}")
        unknown = sorted(set(events) - NOTIFICATION_EVENTS)
        if unknown or not events:
            raise invalid_parameter(f"Invalid Events: {events} (allowed: {sorted(NOTIFICATION_EVENTS)})")
        self.notifications = {"SNSTopic": topic, "Events": list(events)}

    def get_notifications(self, arn: str) -> dict[str, Any]:
        if self.notifications is None:
            raise resource_not_found(f"No notification configuration is set for: {arn}")
        return dict(self.notifications)


def _policy_text(body: dict[str, Any] | None) -> str:
    """The `Policy` string of a request body, checked to be a JSON object (Glacier keeps it as text)."""
    text = (body or {}).get("Policy")
    if not isinstance(text, str):
        raise invalid_parameter("Policy is required")
    try:
        document = json.loads(text)
    except ValueError:
        raise invalid_parameter("Policy is not valid JSON") from None
    if not isinstance(document, dict) or "Statement" not in document:
        raise invalid_parameter("Policy must be a JSON object with a Statement")
    return text
