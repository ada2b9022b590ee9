"""`glacier-cleanup vaults`: the vault estate of every account and region the credentials reach
(core/estate.py): what each vault holds as of its last inventory, the uploads in progress, its lock, policy
and notifications, an estimated monthly cost, and whether it is ready to delete. It reads only.

Exit status: 0 every region looked at, 1 a region or account could not be, 2 bad input.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from glacier_cleanup.aws.glacier import (
    AwsSession,
    ClientSetupError,
    GlacierAdapter,
    create_client,
    create_session,
)
from glacier_cleanup.aws.identity import caller_identity
from glacier_cleanup.aws.roles import refreshing_session, session_name
from glacier_cleanup.aws.vaults import VaultAdapter
from glacier_cleanup.core.estate import ESTATE_FIELDS, EstateTotals, VaultEstate
from glacier_cleanup.core.estate_look import look_at_estate
from glacier_cleanup.core.models import GlacierError, NoAccessError
from glacier_cleanup.core.sizes import human_bytes
from glacier_cleanup.inputs.limits import DEFAULT_OLDER_THAN_HOURS
from glacier_cleanup.inputs.settings import Settings, SettingsError
from glacier_cleanup.observability import set_log_stream
from glacier_cleanup.terminal.exits import EXIT_BAD_INPUT, EXIT_FAILURES, EXIT_OK
from glacier_cleanup.terminal.output import neutralized
from glacier_cleanup.terminal.run import check_regions, regions_of

DEFAULT_OPERATOR_ROLE = "OrganizationAccountAccessRole"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glacier-cleanup vaults",
        description="List the vault estate: archives and size as of the last inventory, uploads in progress, "
        "lock, access policy, notifications, an estimated monthly cost, and whether each vault is ready to "
        "delete. Reads only.",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--region", dest="regions", action="append", metavar="REGION", help="repeatable")
    where.add_argument("--all-regions", action="store_true", help="every region where Glacier exists")
    parser.add_argument("--profile", help="AWS named profile")
    parser.add_argument(
        "--account",
        dest="accounts",
        action="append",
        metavar="ACCOUNT_ID",
        help="look in this (member) account through --role-name (repeatable; default: the credentials' own)",
    )
    parser.add_argument("--role-name", default=DEFAULT_OPERATOR_ROLE, metavar="NAME")
    parser.add_argument(
        "--older-than-hours",
        type=float,
        default=DEFAULT_OLDER_THAN_HOURS,
        metavar="HOURS",
        help=f"an upload this old counts as stale (default {DEFAULT_OLDER_THAN_HOURS:g})",
    )
    parser.add_argument(
        "--no-parts",
        dest="measure",
        action="store_false",
        help="do not list each upload's parts (no ListParts; parts and bytes shown as unknown)",
    )
    parser.add_argument("--output", choices=("table", "json", "csv"), default="table")
    return parser


def main(argv: Sequence[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    set_log_stream(sys.stderr)
    try:
        settings = Settings.from_environ(os.environ)
        _check(args)
        session = create_session(region=(args.regions or [None])[0], profile=args.profile)
        own_account, _arn = caller_identity(session)
        regions = regions_of(args, session)
    except (SettingsError, ClientSetupError) as exc:
        sys.stderr.write(f"glacier-cleanup vaults: {exc}\n")
        return EXIT_BAD_INPUT
    cutoff = datetime.now(UTC) - timedelta(hours=args.older_than_hours)
    estate: list[VaultEstate] = []
    failures: list[str] = []
    for account in args.accounts or [own_account]:
        try:
            account_session = (
                session if account == own_account else _assumed(session, account, args.role_name)
            )
        except NoAccessError as exc:
            failures.append(f"{account}: no access: {exc}")
            continue
        for region in regions:
            try:
                estate.extend(_look(account_session, settings, account, region, cutoff, measure=args.measure))
            except (GlacierError, ClientSetupError) as exc:
                failures.append(f"{account} {region}: {exc}")
    sys.stdout.write(_rendered(estate, args.output))
    for failure in failures:
        sys.stderr.write(f"not looked at: {failure}\n")
    if args.output == "csv":
        sys.stderr.write(json.dumps(EstateTotals.of(estate).as_dict()) + "\n")
    return EXIT_FAILURES if failures else EXIT_OK


def _check(args: argparse.Namespace) -> None:
    check_regions(args.regions)
    bad = [account for account in args.accounts or () if not (account.isdigit() and len(account) == 12)]
    if bad:
        raise ClientSetupError(f"--account: {', '.join(map(repr, bad))} is not a 12-digit account id")
    if args.older_than_hours <= 0:
        raise ClientSetupError(f"--older-than-hours: {args.older_than_hours:g} is not above 0")


def _assumed(session: AwsSession, account: str, role_name: str) -> AwsSession:
    return refreshing_session(
        session,
        account_id=account,
        role_name=role_name,
        session_name=session_name("glacier-cleanup-vaults", str(os.getpid())),
    )


def _look(
    session: AwsSession, settings: Settings, account: str, region: str, cutoff: datetime, *, measure: bool
) -> list[VaultEstate]:
    client = create_client(
        max_attempts=settings.max_attempts,
        retry_mode=settings.retry_mode,
        concurrency=1,
        region=region,
        session=session,
    )
    return look_at_estate(
        VaultAdapter(client),
        GlacierAdapter(client),
        account=account,
        region=region,
        cutoff=cutoff,
        price_per_gb_month=settings.storage_price_per_gb_month,
        measure=measure,
    )


def _rendered(estate: Sequence[VaultEstate], output: str) -> str:
    rows = [vault.as_row() for vault in estate]
    if output == "json":
        return json.dumps({"vaults": rows, "totals": EstateTotals.of(estate).as_dict()}, indent=2) + "\n"
    if output == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=ESTATE_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({key: neutralized(value) for key, value in row.items()} for row in rows)
        return buffer.getvalue()
    return _table(estate)


def _table(estate: Sequence[VaultEstate]) -> str:
    if not estate:
        return "No vaults.\n"
    header = (
        "ACCOUNT",
        "REGION",
        "VAULT",
        "ARCHIVES",
        "SIZE",
        "INVENTORY",
        "UPLOADS (STALE)",
        "LOCK",
        "USD/MONTH*",
        "DELETE",
    )
    lines = [
        (
            vault.account,
            vault.region,
            vault.facts.vault,
            str(vault.facts.archives),
            human_bytes(vault.facts.size_bytes),
            (vault.facts.last_inventory or "none")[:10],
            f"{len(vault.uploads)} ({sum(1 for u in vault.uploads if u.stale)})",
            vault.facts.lock or "unknown",
            f"{vault.monthly_cost_usd:.2f}",
            vault.verdict + (": " + "; ".join(vault.reasons) if vault.reasons else ""),
        )
        for vault in estate
    ]
    widths = [max(len(cell) for cell in column) for column in zip(header, *lines, strict=True)]
    widths[-1] = 0
    text = "".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip() + "\n"
        for line in (header, *lines)
    )
    totals = EstateTotals.of(estate)
    size = human_bytes(totals.size_bytes)
    return text + (
        f"\n{totals.vaults} vault(s), {totals.archives} archive(s), {size} as of the last inventories; "
        f"{totals.uploads_in_progress} upload(s) in progress ({totals.uploads_stale} stale); "
        f"{totals.ready_to_delete} ready to delete; "
        f"about {totals.monthly_cost_usd_estimate:.2f} USD a month.\n"
        "* an estimate: the size as of the last inventory at storage_price_per_gb_month "
        "(CLEANUP_STORAGE_PRICE_PER_GB_MONTH; docs/operations.md has the price's source).\n"
    )
