"""One look at a region's estate (glacier_cleanup.core.estate_look) on in-memory ports: every vault's
uploads counted and measured, a fault in one vault kept to its row, Glacier gone stopping the look."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from glacier_cleanup.core.estate import VaultFacts
from glacier_cleanup.core.estate_look import look_at_estate
from glacier_cleanup.core.models import AccessDeniedError, GlacierUnavailableError
from support.fakes import NOW, FakeGlacier, hours_ago


class FakeVaults:
    def __init__(self, glacier: FakeGlacier, *, inventory: str | None = None) -> None:
        self._glacier = glacier
        self._inventory = inventory

    def iter_vault_facts(self, only: Any = ()) -> Iterator[VaultFacts]:
        for name in sorted(self._glacier.vaults):
            yield VaultFacts(name, None, self._inventory, 0, 0, False, "none", False)

    def set_access_policy(self, vault: str, policy: str) -> None:
        raise AssertionError("the look reads only")

    def delete_vault(self, vault: str) -> None:
        raise AssertionError("the look reads only")


def look(glacier: FakeGlacier, **options: object) -> dict[str, dict[str, object]]:
    estate = look_at_estate(
        FakeVaults(glacier, inventory=hours_ago(100)),
        glacier,
        account="111111111111",
        region="eu-west-1",
        cutoff=NOW - timedelta(hours=168),
        price_per_gb_month=0.0036,
        **options,  # type: ignore[arg-type]
    )
    return {vault.facts.vault: vault.as_row() for vault in estate}


def test_every_vaults_uploads_are_counted_measured_and_judged_by_age() -> None:
    glacier = FakeGlacier()
    glacier.add_upload("a", hours_ago(300), parts=2)
    glacier.add_upload("a", hours_ago(10), parts=1)  # young, and written since the inventory
    glacier.create_vault("b")
    rows = look(glacier)
    assert rows["a"]["uploads_in_progress"] == 2
    assert (rows["a"]["uploads_stale"], rows["a"]["upload_parts"], rows["a"]["upload_bytes"]) == (
        1,
        3,
        3 * 2**20,
    )
    assert "written since the last inventory (1 upload(s))" in str(rows["a"]["delete_reasons"])
    assert rows["b"]["delete_verdict"] == "ready"
    assert glacier.calls["AbortMultipartUpload"] == 0


def test_without_measuring_no_parts_are_listed() -> None:
    glacier = FakeGlacier()
    glacier.add_upload("a", hours_ago(300), parts=2)
    rows = look(glacier, measure=False)
    assert (rows["a"]["upload_parts"], glacier.calls["ListParts"]) == (None, 0)


def test_a_fault_in_one_vault_is_its_row_and_the_others_are_looked_at() -> None:
    glacier = FakeGlacier()
    glacier.add_upload("a", hours_ago(300))
    glacier.add_upload("b", hours_ago(300))
    glacier.list_errors["a"] = AccessDeniedError("AccessDeniedException", "not yours")
    rows = look(glacier)
    assert rows["a"]["delete_reasons"] == (
        "the uploads in progress could not be listed: AccessDeniedException: not yours"
    )
    assert rows["b"]["uploads_in_progress"] == 1


def test_glacier_gone_for_the_account_stops_the_look() -> None:
    glacier = FakeGlacier()
    glacier.add_upload("a", hours_ago(300))
    glacier.unavailable = True
    with pytest.raises(GlacierUnavailableError):
        look(glacier)
