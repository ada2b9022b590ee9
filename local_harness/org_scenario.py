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

The activity check is on (the default). `record_earlier_looks` writes into the hub's observation table, with
the function's own adapter, what the schedule's run two days earlier would have recorded: every old upload
with the parts it holds. Since then, the `active` ones in alpha received a part (they are kept), the
`first_seen` ones were never looked at (they are recorded and kept), and the rest stayed the same: idle for
longer than the idle time, they are the stale ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from glacier_cleanup.aws.observations import DynamoObservationStore
from glacier_cleanup.core.activity import Observation, Progress, UploadKey, retention
from glacier_cleanup.inputs.limits import DEFAULT_IDLE_HOURS

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
IDLE_HOURS = DEFAULT_IDLE_HOURS  # the shipped default: the config below does not set it
# How long before the demo's runs the schedule last looked at the old uploads (record_earlier_looks).
EARLIER_LOOK_HOURS = IDLE_HOURS + 2
ACTIVE, FIRST_SEEN = "still uploading", "never looked at"
BACKLOG_VAULTS, BACKLOG_PER_VAULT = 12, 50

# account name -> region -> vault -> [(age hours, description, count)]
UPLOADS: dict[str, dict[str, dict[str, list[tuple[float, str | None, int]]]]] = {
    "alpha": {
        "us-east-1": {
            "backups": [(400, "nightly", 6), (3, "tonight", 3), (900, "keep: tape import", 2)],
            # Old, but still receiving parts / never looked at before: the activity check keeps them.
            "big-archives": [(400, ACTIVE, 1), (400, FIRST_SEEN, 1)],
        },
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
            # A short time budget per round (timeout - margin = 0.2 s): the backlog needs several rounds.
            "timeout_seconds": 10,
            "time_margin_seconds": 9.8,
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
    active: set[tuple[str, str, str]] = field(default_factory=set)  # old, and received a part since
    first_seen: set[tuple[str, str, str]] = field(default_factory=set)  # old, never looked at before
    vaults: dict[tuple[str, str, str], str] = field(default_factory=dict)  # upload -> its vault

    @property
    def kept(self) -> set[tuple[str, str, str]]:
        """Never to be aborted: young, protected, or old but not (known to be) idle."""
        return self.young | self.protected | self.active | self.first_seen


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
                        else {ACTIVE: seeded.active, FIRST_SEEN: seeded.first_seen}.get(
                            description or "", seeded.stale
                        )
                    )
                    bucket.update((account, region, upload_id) for upload_id in ids)
                    seeded.vaults.update(((account, region, upload_id), vault) for upload_id in ids)
    return org, seeded


class _HandleSession:
    """What the observation adapter needs of a boto3 session, on the emulator handle's clients."""

    def __init__(self, glacier: EmulatorHandle) -> None:
        self._glacier = glacier

    def client(self, service: str, **_config: Any) -> Any:
        return self._glacier.aws_client(service)


def record_earlier_looks(glacier: EmulatorHandle, org: LocalOrganization, seeded: Seeded, table: str) -> None:
    """The looks the schedule's run EARLIER_LOOK_HOURS ago recorded (no parts yet), written with the
    function's own adapter; then each `active` upload receives one part through the Glacier API."""
    store = DynamoObservationStore(_HandleSession(glacier), table)  # type: ignore[arg-type]
    then = datetime.now(UTC) - timedelta(hours=EARLIER_LOOK_HOURS)
    idle = timedelta(hours=IDLE_HOURS)
    for account, region, upload_id in sorted(seeded.stale | seeded.active):
        key = UploadKey(account, region, seeded.vaults[(account, region, upload_id)], upload_id)
        store.put(key, Observation(Progress(0, 0), then, then), expires_at=then + retention(idle))
    for account, region, upload_id in sorted(seeded.active):
        client = glacier.in_region(region).client(org.credentials(glacier, account))
        client.upload_multipart_part(
            vaultName=seeded.vaults[(account, region, upload_id)],
            uploadId=upload_id,
            range="bytes 0-1048575/*",
            body=b"\0" * 1048576,
        )
