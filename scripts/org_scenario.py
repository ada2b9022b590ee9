"""The organization that `make demo-org` and tests/organization clean: 6 member accounts in nested OUs,
2 regions, and one account for every case the organization mode must handle.

    alpha    workloads        stale, young and protected uploads in both regions
    beta     workloads        no member role (the StackSet has not reached it): no_access, untouched
    gamma    workloads/prod   Glacier answers NoLongerSupportedException: glacier_unavailable
    delta    sandbox          excluded by the config: never a target, untouched
    epsilon  sandbox          a backlog that needs several rounds of a short time budget
    zeta     sandbox          a little to clean, in the second region only

The management account (the hub here) gets the member role as an ordinary stack, as docs/organization.md
says to do when it holds vaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from glacier_emulator.handles import EmulatorHandle
from glacier_emulator.organization import LocalOrganization, build_organization

LAYOUT = {
    "workloads": ["alpha", "beta"],
    "workloads/prod": ["gamma"],
    "sandbox": ["delta", "epsilon", "zeta"],
}
REGIONS = ("us-east-1", "eu-west-1")
NO_ROLE, UNAVAILABLE, EXCLUDED, BACKLOG = "beta", "gamma", "delta", "epsilon"
PROTECT = "^keep:"
OLDER_THAN_HOURS = 168
BACKLOG_VAULTS, BACKLOG_PER_VAULT = 30, 50

# account name -> region -> vault -> [(age hours, description, count)]
UPLOADS: dict[str, dict[str, dict[str, list[tuple[float, str | None, int]]]]] = {
    "alpha": {
        "us-east-1": {"backups": [(400, "nightly", 6), (3, "tonight", 3), (900, "keep: tape import", 2)]},
        "eu-west-1": {"media": [(200, "reel 7", 4), (1, None, 1)]},
    },
    "beta": {"us-east-1": {"backups": [(400, "nightly", 3)]}},
    "delta": {"us-east-1": {"scratch": [(5000, None, 5)]}},
    "epsilon": {
        "us-east-1": {
            f"backlog-{n:02d}": [(300, "abandoned", BACKLOG_PER_VAULT), (2, "in progress", 1)]
            for n in range(BACKLOG_VAULTS)
        },
        "eu-west-1": {"small": [(300, None, 2)]},
    },
    "zeta": {"eu-west-1": {"archive": [(1000, None, 2), (5, None, 2)]}},
}


def config_block(org: LocalOrganization, hub_account: str) -> dict[str, Any]:
    """The glacier-cleanup config of the local organization run (like infra/examples/organization.json)."""
    return {
        "organization": {
            "name": "demo",
            "hub_account": hub_account,
            "hub_region": REGIONS[0],
            "organization_id": org.organization_id,
            "organizational_units": [org.root_id],
            "regions": list(REGIONS),
            "exclude_accounts": [org.accounts[EXCLUDED]],
            "dry_run": False,
            "older_than_hours": OLDER_THAN_HOURS,
            "protect_description_regex": PROTECT,
            # A short time budget per round (timeout - margin = 0.5 s): the backlog needs several rounds.
            "timeout_seconds": 10,
            "time_margin_seconds": 9.5,
            "continuation_rounds": 25,
            "max_concurrency": 4,
        }
    }


@dataclass
class Seeded:
    """What was seeded where: the ids, to check the invariants against the emulator's abort log."""

    stale: set[tuple[str, str, str]] = field(default_factory=set)  # (account, region, upload id)
    young: set[tuple[str, str, str]] = field(default_factory=set)
    protected: set[tuple[str, str, str]] = field(default_factory=set)


def build(glacier: EmulatorHandle) -> tuple[LocalOrganization, Seeded]:
    org = build_organization(glacier, LAYOUT)
    glacier.configure(no_longer_supported_accounts=[org.accounts[UNAVAILABLE]])
    now = datetime.now(UTC)
    seeded = Seeded()
    for name, regions in UPLOADS.items():
        account = org.accounts[name]
        keys = org.credentials(glacier, account)
        for region, vaults in regions.items():
            there = glacier.in_region(region)
            for vault, groups in vaults.items():
                there.client(keys).create_vault(vaultName=vault)
                for age, description, count in groups:
                    created = (
                        (now - timedelta(hours=age)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
                    )
                    ids = there.seed(
                        vault,
                        count,
                        creation_date=created,
                        archive_description=description,
                        account_id=account,
                    )
                    bucket = (
                        seeded.young
                        if age < OLDER_THAN_HOURS
                        else seeded.protected
                        if (description or "").startswith("keep:")
                        else seeded.stale
                    )
                    bucket.update((account, region, upload_id) for upload_id in ids)
    return org, seeded
