"""The vault estate (glacier_cleanup.core.estate): whether DeleteVault would succeed now and why not, one
row per vault in a declared order, the totals, and the estimate's arithmetic."""

from __future__ import annotations

from typing import Any

import pytest
from glacier_cleanup.core.estate import (
    ESTATE_FIELDS,
    EstateTotals,
    UploadSeen,
    VaultEstate,
    VaultFacts,
    readiness,
    since_inventory,
)

INVENTORY = "2026-12-06T00:00:00.000Z"


def facts(**fields: Any) -> VaultFacts:
    values: dict[str, Any] = {
        "vault": "v",
        "created": "2020-01-01T00:00:00.000Z",
        "last_inventory": INVENTORY,
        "archives": 0,
        "size_bytes": 0,
        "access_policy": False,
        "lock": "none",
        "notifications": False,
    }
    values.update(fields)
    return VaultFacts(**values)


def upload(created: str = "2026-01-01T00:00:00.000Z", *, stale: bool = True) -> UploadSeen:
    return UploadSeen(created, 2, 2048, stale, since_inventory(created, INVENTORY))


def test_an_empty_vault_with_no_write_since_its_inventory_is_ready() -> None:
    assert readiness(facts(), []) == ("ready", ())


def test_a_vault_never_inventoried_and_never_written_is_ready() -> None:
    assert readiness(facts(last_inventory=None), []) == ("ready", ())


@pytest.mark.parametrize(
    ("vault", "uploads", "verdict", "said"),
    [
        (facts(archives=3), [], "not ready", "3 archive(s) as of the last inventory (2026-12-06"),
        (facts(), [upload()], "not ready", "1 upload(s) in progress: abort them"),
        (facts(), [upload("2026-12-06T10:00:00.000Z")], "not ready", "written since the last inventory (1"),
        (facts(lock="Locked"), [], "locked", "a vault lock is in place"),
        (facts(lock=None), [], "not ready", "the vault lock could not be read"),
    ],
)
def test_each_reason_it_would_be_refused_is_said(
    vault: VaultFacts, uploads: list[UploadSeen], verdict: str, said: str
) -> None:
    got, reasons = readiness(vault, uploads)
    assert got == verdict
    assert any(reason.startswith(said) for reason in reasons), reasons


def test_a_vault_whose_uploads_could_not_be_listed_is_not_ready() -> None:
    assert readiness(facts(), [], unlisted="AccessDeniedException: no") == (
        "not ready",
        ("the uploads in progress could not be listed: AccessDeniedException: no",),
    )


def test_an_upload_is_a_write_since_the_inventory_when_created_after_it_or_before_any() -> None:
    assert since_inventory("2026-12-06T00:00:01.000Z", INVENTORY)
    assert not since_inventory("2026-12-05T23:59:59.000Z", INVENTORY)
    assert since_inventory("2020-01-01T00:00:00.000Z", None)
    assert not since_inventory("garbage", INVENTORY)


def test_a_row_has_every_field_in_order_and_counts_the_uploads() -> None:
    estate = VaultEstate(
        "111111111111",
        "eu-west-1",
        facts(archives=2, size_bytes=10 * 2**30),
        (upload("2026-03-01T00:00:00.000Z"), upload("2026-02-01T00:00:00.000Z"), upload(stale=False)),
        price_per_gb_month=0.004,
    )
    row = estate.as_row()
    assert tuple(row) == ESTATE_FIELDS
    assert (row["uploads_in_progress"], row["upload_parts"], row["upload_bytes"], row["uploads_stale"]) == (
        3,
        6,
        3 * 2048,
        2,
    )
    assert row["oldest_upload"] == "2026-01-01T00:00:00.000Z"
    assert row["monthly_cost_usd_estimate"] == 0.04
    assert row["delete_verdict"] == "not ready"
    assert row["delete_reasons"].startswith("2 archive(s)")


def test_unmeasured_uploads_leave_parts_and_bytes_unknown() -> None:
    unmeasured = UploadSeen("2026-01-01T00:00:00.000Z", None, None, True)
    row = VaultEstate("1", "r", facts(), (unmeasured,)).as_row()
    assert (row["uploads_in_progress"], row["upload_parts"], row["upload_bytes"]) == (1, None, None)


def test_the_totals_add_up_the_vaults() -> None:
    estate = [
        VaultEstate("1", "r", facts(vault="a", archives=2, size_bytes=2**30), (upload(),)),
        VaultEstate("1", "r", facts(vault="b")),
        VaultEstate("2", "s", facts(vault="c", size_bytes=2**30), (upload(stale=False),)),
    ]
    assert EstateTotals.of(estate).as_dict() == {
        "vaults": 3,
        "archives": 2,
        "size_bytes": 2 * 2**30,
        "uploads_in_progress": 2,
        "uploads_stale": 1,
        "ready_to_delete": 1,
        "monthly_cost_usd_estimate": 0.0072,
    }
