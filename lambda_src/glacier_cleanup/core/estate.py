"""The vault estate (docs/operations.md, "Your vaults"): what each vault holds as of its last inventory, the
uploads in progress, its lock, access policy and notifications, an estimated monthly cost, and whether
Glacier would let it be deleted now, with the reasons it would not.

Glacier decides DeleteVault by two facts this tool can only partly see: no archives as of the last inventory
(seen: ListVaults), and no write since it (seen only for the uploads: one created or receiving parts after
the inventory; an archive written since shows at the next inventory). The verdict says which it saw.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from glacier_cleanup.core.decisions import parse_creation_date
from glacier_cleanup.core.models import monthly_cost_usd

Verdict = Literal["ready", "not ready", "locked"]
Known = bool | None  # None: could not be read (denied)


@dataclass(frozen=True, slots=True)
class VaultFacts:
    """One vault as ListVaults and the vault's Get calls describe it."""

    vault: str
    created: str | None
    last_inventory: str | None  # ISO-8601; None before the first inventory
    archives: int  # as of the last inventory
    size_bytes: int  # as of the last inventory
    access_policy: Known = None
    lock: Literal["Locked", "InProgress", "none"] | None = None  # None: could not be read
    notifications: Known = None


@dataclass(frozen=True, slots=True)
class UploadSeen:
    """One in-progress upload as the estate's look found it."""

    created: str | None
    parts: int | None  # None: not measured
    bytes: int | None
    stale: bool  # old enough to abort by age (the activity check judges idleness on its own runs)
    receiving_since_inventory: bool = False  # created after the last inventory


@dataclass(frozen=True, slots=True)
class VaultEstate:
    account: str
    region: str
    facts: VaultFacts
    uploads: tuple[UploadSeen, ...] = ()
    price_per_gb_month: float = 0.0036
    # Why the uploads could not all be listed (a fault in this vault; the others are still looked at).
    unlisted: str | None = None
    verdict: Verdict = field(init=False)
    reasons: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        verdict, reasons = readiness(self.facts, self.uploads, unlisted=self.unlisted)
        object.__setattr__(self, "verdict", verdict)
        object.__setattr__(self, "reasons", reasons)

    @property
    def monthly_cost_usd(self) -> float:
        """An estimate: the size as of the last inventory at one price per GB-month (docs: its source)."""
        return monthly_cost_usd(self.facts.size_bytes, self.price_per_gb_month)

    def as_row(self) -> dict[str, Any]:
        """One row, its keys in `ESTATE_FIELDS` order (the table, CSV and JSON Lines share them)."""
        uploads = self.uploads
        measured = [u for u in uploads if u.parts is not None]
        dated = [(when, u.created) for u in uploads if (when := parse_creation_date(u.created)) is not None]
        facts = self.facts
        return {
            "account": self.account,
            "region": self.region,
            "vault": facts.vault,
            "created": facts.created,
            "last_inventory": facts.last_inventory,
            "archives": facts.archives,
            "size_bytes": facts.size_bytes,
            "uploads_in_progress": len(uploads),
            "upload_parts": sum(u.parts or 0 for u in measured) if measured else None,
            "upload_bytes": sum(u.bytes or 0 for u in measured) if measured else None,
            "oldest_upload": min(dated)[1] if dated else None,
            "uploads_stale": sum(1 for u in uploads if u.stale),
            "lock": facts.lock,
            "access_policy": facts.access_policy,
            "notifications": facts.notifications,
            "monthly_cost_usd_estimate": self.monthly_cost_usd,
            "delete_verdict": self.verdict,
            "delete_reasons": "; ".join(self.reasons),
        }


ESTATE_FIELDS: tuple[str, ...] = (
    "account",
    "region",
    "vault",
    "created",
    "last_inventory",
    "archives",
    "size_bytes",
    "uploads_in_progress",
    "upload_parts",
    "upload_bytes",
    "oldest_upload",
    "uploads_stale",
    "lock",
    "access_policy",
    "notifications",
    "monthly_cost_usd_estimate",
    "delete_verdict",
    "delete_reasons",
)


def readiness(
    facts: VaultFacts, uploads: Sequence[UploadSeen], *, unlisted: str | None = None
) -> tuple[Verdict, tuple[str, ...]]:
    """Whether DeleteVault would succeed now, as far as the last inventory and the uploads show."""
    reasons: list[str] = []
    if unlisted is not None:
        reasons.append(f"the uploads in progress could not be listed: {unlisted}")
    if facts.lock == "Locked":
        reasons.append("a vault lock is in place: its policy may forbid deleting; this tool will not")
    elif facts.lock is None:
        reasons.append("the vault lock could not be read")
    if facts.archives:
        as_of = facts.last_inventory or "the last inventory"
        reasons.append(f"{facts.archives} archive(s) as of the last inventory ({as_of}): delete them first")
    if uploads:
        reasons.append(f"{len(uploads)} upload(s) in progress: abort them (decommission does)")
    written = [u for u in uploads if u.receiving_since_inventory]
    if written:
        reasons.append(f"written since the last inventory ({len(written)} upload(s)): wait for the next one")
    if facts.lock == "Locked":
        return "locked", tuple(reasons)
    return ("not ready" if reasons else "ready"), tuple(reasons)


def since_inventory(created: str | None, last_inventory: str | None) -> bool:
    """Whether an upload created at `created` is a write after the last inventory (before any inventory,
    every upload is)."""
    when = parse_creation_date(created)
    if when is None:
        return False
    inventory = parse_creation_date(last_inventory)
    return inventory is None or when > inventory


@dataclass(frozen=True, slots=True)
class EstateTotals:
    vaults: int
    archives: int
    size_bytes: int
    uploads_in_progress: int
    uploads_stale: int
    ready_to_delete: int
    monthly_cost_usd_estimate: float

    @classmethod
    def of(cls, estate: Iterable[VaultEstate]) -> EstateTotals:
        rows = list(estate)
        return cls(
            vaults=len(rows),
            archives=sum(row.facts.archives for row in rows),
            size_bytes=sum(row.facts.size_bytes for row in rows),
            uploads_in_progress=sum(len(row.uploads) for row in rows),
            uploads_stale=sum(1 for row in rows for u in row.uploads if u.stale),
            ready_to_delete=sum(1 for row in rows if row.verdict == "ready"),
            monthly_cost_usd_estimate=round(sum(row.monthly_cost_usd for row in rows), 4),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "vaults": self.vaults,
            "archives": self.archives,
            "size_bytes": self.size_bytes,
            "uploads_in_progress": self.uploads_in_progress,
            "uploads_stale": self.uploads_stale,
            "ready_to_delete": self.ready_to_delete,
            "monthly_cost_usd_estimate": self.monthly_cost_usd_estimate,
        }


def stale_by_age(created: str | None, cutoff: datetime) -> bool:
    when = parse_creation_date(created)
    return when is not None and when <= cutoff
