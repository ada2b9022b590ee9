"""The organization mode's domain: which targets one run covers, and what the run did overall.

Plain Python (no boto3, no Lambda). The planner turns the organization's accounts into targets (account x
region); the summary folds the per-target results into the organization's totals.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from glacier_cleanup.core.counters import (
    COUNT_KEYS,
    FAILED,
    NEEDS_ATTENTION,
    ORGANIZATION_KEYS,
    TARGET_ROW_KEYS,
)

# Only these accounts can hold anything to clean (Organizations' `State`; `Status` is retired).
ACTIVE = "ACTIVE"


class PlanError(ValueError):
    """The run's request cannot be planned (an account or region outside the configured scope)."""


@dataclass(frozen=True, slots=True)
class Account:
    account_id: str
    name: str
    state: str


@dataclass(frozen=True, slots=True)
class Target:
    account: str
    region: str

    def as_item(self) -> dict[str, str]:
        return {"account": self.account, "region": self.region}


@dataclass(frozen=True, slots=True)
class Plan:
    targets: tuple[Target, ...]
    accounts: int
    regions: tuple[str, ...]
    skipped_inactive: int
    excluded: int


def plan_targets(
    accounts: Iterable[Account],
    regions: Sequence[str],
    *,
    exclude_accounts: Iterable[str] = (),
    only_accounts: Sequence[str] | None = None,
    only_regions: Sequence[str] | None = None,
) -> Plan:
    """Every ACTIVE account (once, in a stable order) minus exclusions, times every region.

    `only_accounts` / `only_regions` narrow one run (the on-demand input); naming something outside the
    configured scope is a `PlanError`, so a typo never silently runs nothing or something else.
    """
    excluded_ids = set(exclude_accounts)
    unique = {account.account_id: account for account in accounts}
    active = {i: a for i, a in unique.items() if a.state == ACTIVE and i not in excluded_ids}
    chosen_regions = tuple(dict.fromkeys(regions))
    if only_regions is not None:
        unknown = [region for region in only_regions if region not in chosen_regions]
        if unknown:
            raise PlanError(
                f"regions: {', '.join(unknown)} not among the configured regions "
                f"(allowed: {', '.join(chosen_regions)})"
            )
        chosen_regions = tuple(dict.fromkeys(only_regions))
    chosen_accounts = sorted(active)
    if only_accounts is not None:
        unknown = [account for account in only_accounts if account not in active]
        if unknown:
            raise PlanError(
                f"accounts: {', '.join(unknown)} not an ACTIVE, not excluded account under the configured "
                "organizational units"
            )
        chosen_accounts = list(dict.fromkeys(only_accounts))
    return Plan(
        targets=tuple(Target(a, r) for a in chosen_accounts for r in chosen_regions),
        accounts=len(chosen_accounts),
        regions=chosen_regions,
        skipped_inactive=sum(
            1 for a in unique.values() if a.state != ACTIVE and a.account_id not in excluded_ids
        ),
        excluded=len(excluded_ids & set(unique)),
    )


@dataclass
class OrganizationSummary:
    """The organization's totals over every target's final result."""

    targets: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    totals: Counter[str] = field(default_factory=Counter)
    rounds: int = 0
    # Targets whose status needs attention, as (account, region, status): bounded by the caller.
    attention: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, target: TargetResult) -> None:
        self.targets += 1
        self.statuses[target.status] += 1
        self.rounds += target.rounds
        for key in ORGANIZATION_KEYS:
            self.totals[key] += int(target.result.get(key) or 0)
        if target.status in NEEDS_ATTENTION:
            self.attention.append((target.account, target.region, target.status))

    def as_dict(self, *, max_attention: int = 50) -> dict[str, Any]:
        return {
            "targets": self.targets,
            "statuses": dict(sorted(self.statuses.items())),
            **{key: self.totals[key] for key in ORGANIZATION_KEYS},
            "rounds": self.rounds,
            "needs_attention": [
                {"account": a, "region": r, "status": s} for a, r, s in self.attention[:max_attention]
            ],
        }


@dataclass(frozen=True, slots=True)
class TargetResult:
    """One map item's outcome: the function's last result, or why there is none."""

    account: str
    region: str
    status: str
    rounds: int
    result: Mapping[str, Any]

    @classmethod
    def from_item_output(cls, output: Mapping[str, Any]) -> TargetResult:
        """The item processor's output: {"account", "region", "round", "earlier", "result": <the last
        round's result>}. `earlier` sums what the rounds before handed on (core/coverage.py: the counts the
        last round could not see again); its counters are added to the last round's."""
        result = dict(output.get("result") or {})
        earlier = {key: int(value or 0) for key, value in (output.get("earlier") or {}).items()}
        for key in COUNT_KEYS:
            result[key] = int(result.get(key) or 0) + earlier.get(key, 0)
        return cls(
            account=str(output.get("account", "?")),
            region=str(output.get("region", "?")),
            status=str(result.get("status", FAILED)),
            rounds=int(output.get("round", 1)),
            result=result,
        )

    @classmethod
    def failed(cls, item_input: Mapping[str, Any], error: str) -> TargetResult:
        """A map item that failed: its input names the target; the error says why."""
        return cls(
            account=str(item_input.get("account", "?")),
            region=str(item_input.get("region", "?")),
            status=FAILED,
            rounds=int(item_input.get("round", 1)),
            result={"failures": [{"vault": None, "upload_id": None, "error": error}]},
        )

    def row(self) -> dict[str, Any]:
        """The per-target line of the results table (docs/organization.md)."""
        return {
            "account": self.account,
            "region": self.region,
            "status": self.status,
            "rounds": self.rounds,
            **{key: int(self.result.get(key) or 0) for key in TARGET_ROW_KEYS},
        }


def summarize(results: Iterable[TargetResult]) -> OrganizationSummary:
    summary = OrganizationSummary()
    for result in results:
        summary.add(result)
    return summary
