"""One look at a region's vault estate (core/estate.py): every vault's facts, its uploads in progress and,
when asked, what each holds (ListParts). A fault in one vault is that vault's row; the others go on."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from glacier_cleanup.core.estate import UploadSeen, VaultEstate, VaultFacts, since_inventory, stale_by_age
from glacier_cleanup.core.models import GlacierError, GlacierUnavailableError, Upload
from glacier_cleanup.core.ports import GlacierPort, VaultPort


def look_at_estate(
    vaults: VaultPort,
    glacier: GlacierPort,
    *,
    account: str,
    region: str,
    cutoff: datetime,
    price_per_gb_month: float,
    measure: bool = True,
    only: Collection[str] = (),
) -> list[VaultEstate]:
    """The estate of one account and region, vault by vault in ListVaults' order. Raises GlacierError when
    the vaults cannot be listed (the caller's row for the region)."""
    estate = []
    for facts in vaults.iter_vault_facts():
        if only and facts.vault not in only:
            continue
        uploads: list[UploadSeen] = []
        unlisted = None
        try:
            for page in glacier.iter_upload_pages(facts.vault):
                uploads.extend(_seen(glacier, upload, facts, cutoff, measure=measure) for upload in page)
        except GlacierUnavailableError:
            raise
        except GlacierError as exc:
            unlisted = str(exc)
        estate.append(
            VaultEstate(
                account,
                region,
                facts,
                tuple(uploads),
                price_per_gb_month=price_per_gb_month,
                unlisted=unlisted,
            )
        )
    return estate


def _seen(
    glacier: GlacierPort, upload: Upload, facts: VaultFacts, cutoff: datetime, *, measure: bool
) -> UploadSeen:
    parts = size = None
    if measure:
        try:
            progress = glacier.upload_progress(upload.vault, upload.upload_id)
        except GlacierUnavailableError:
            raise
        except GlacierError:
            pass  # gone since the listing, or ListParts denied: counted, not measured
        else:
            parts, size = progress.parts, progress.bytes
    return UploadSeen(
        created=upload.creation_date,
        parts=parts,
        bytes=size,
        stale=stale_by_age(upload.creation_date, cutoff),
        receiving_since_inventory=since_inventory(upload.creation_date, facts.last_inventory),
    )
