"""`glacier-cleanup decommission VAULT...`: retire named vaults (core/decommission.py) from a terminal.

Without `--apply` it only says what each step would do. With `--apply` it first checks every vault (refusing
one that does not exist or is locked, before anything changes), shows the plan, and on a terminal asks the
operator to type each vault's name: `--yes` does not skip that on a terminal; without one, `--yes` is needed.

Exit status: 0 every vault deleted or on its way (waiting for Glacier's next inventory), 1 a vault needs a
person (archives left, uploads kept, a failure), 2 bad input, a refused vault, or no confirmation.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence

from glacier_cleanup.aws.glacier import ClientSetupError, GlacierAdapter, create_client, create_session
from glacier_cleanup.aws.identity import caller_identity
from glacier_cleanup.aws.vaults import VaultAdapter
from glacier_cleanup.core.decommission import Outcome, VaultDecommission, decommission
from glacier_cleanup.core.models import GlacierError, NoAccessError
from glacier_cleanup.inputs.limits import VAULT_NAME_PATTERN
from glacier_cleanup.inputs.settings import Settings, SettingsError
from glacier_cleanup.observability import set_log_stream
from glacier_cleanup.terminal.exits import EXIT_BAD_INPUT, EXIT_FAILURES, EXIT_OK
from glacier_cleanup.terminal.run import check_regions
from glacier_cleanup.terminal.vaults import DEFAULT_OPERATOR_ROLE, _assumed

REFUSED = (Outcome.NOT_FOUND, Outcome.LOCKED, Outcome.LOCK_UNKNOWN)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glacier-cleanup decommission",
        description="Retire named vaults: abort every upload in progress (whatever its age), optionally deny "
        "new writes first, and delete each vault once Glacier allows it (no archives as of the last "
        "inventory, no write since). Never deletes an archive. Shows the plan unless --apply is given.",
    )
    parser.add_argument("vaults", nargs="+", metavar="VAULT")
    parser.add_argument("--region", help="the vaults' region (default: the AWS configuration's)")
    parser.add_argument("--profile", help="AWS named profile")
    parser.add_argument("--account", metavar="ACCOUNT_ID", help="a member account, through --role-name")
    parser.add_argument("--role-name", default=DEFAULT_OPERATOR_ROLE, metavar="NAME")
    parser.add_argument(
        "--deny-writes",
        action="store_true",
        help="first add a statement denying new writes to each vault's access policy (its own kept)",
    )
    parser.add_argument("--apply", action="store_true", help="really do it (asks first)")
    parser.add_argument(
        "--yes", action="store_true", help="without a terminal: confirm (on a terminal the names are typed)"
    )
    parser.add_argument("--output", choices=("table", "json"), default="table")
    return parser


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(argv)
    set_log_stream(sys.stderr)
    try:
        settings = Settings.from_environ(os.environ)
        _check(args)
        session = create_session(region=args.region, profile=args.profile)
        caller_identity(session)
        if args.account:
            session = _assumed(session, args.account, args.role_name)
        if not session.region_name and not args.region:
            raise ClientSetupError("no region: pass --region or configure one (AWS_REGION, ~/.aws/config)")
        client = create_client(
            max_attempts=settings.max_attempts,
            retry_mode=settings.retry_mode,
            concurrency=1,
            region=args.region or session.region_name,
            session=session,
        )
    except (SettingsError, ClientSetupError, NoAccessError) as exc:
        sys.stderr.write(f"glacier-cleanup decommission: {exc}\n")
        return EXIT_BAD_INPUT
    vaults, glacier = VaultAdapter(client), GlacierAdapter(client)
    protect = settings.protect_description_regex

    def steps(*, dry_run: bool) -> list[VaultDecommission]:
        return decommission(
            vaults,
            glacier,
            args.vaults,
            deny_writes=args.deny_writes,
            dry_run=dry_run,
            protect_description=protect,
        )

    try:
        plan = steps(dry_run=True)
        _write(plan, args.output, heading="Plan (nothing changed yet):" if args.apply else "Dry run:")
        refused = [report for report in plan if report.outcome in REFUSED]
        if refused:
            for report in refused:
                sys.stderr.write(f"glacier-cleanup decommission: {report.vault}: {report.outcome}\n")
            return EXIT_BAD_INPUT
        if not args.apply:
            return _status(plan)
        if not _confirmed(args):
            return EXIT_BAD_INPUT
        done = steps(dry_run=False)
    except GlacierError as exc:
        sys.stderr.write(f"glacier-cleanup decommission: {exc}\n")
        return EXIT_FAILURES
    _write(done, args.output, heading="Done:")
    return _status(done)


def _check(args: argparse.Namespace) -> None:
    bad = [vault for vault in args.vaults if not re.fullmatch(VAULT_NAME_PATTERN, vault)]
    if bad:
        raise ClientSetupError(
            f"VAULT: {', '.join(map(repr, bad))} is not a vault name (allowed: 1-255 of A-Z a-z 0-9 _ - .)"
        )
    if args.account is not None and not re.fullmatch(r"\d{12}", args.account):
        raise ClientSetupError(f"--account: {args.account!r} is not a 12-digit account id")
    if args.region is not None:
        check_regions([args.region])


def _confirmed(args: argparse.Namespace) -> bool:
    """On a terminal, each vault's name typed; without one, --yes."""
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        if not args.yes:
            sys.stderr.write("glacier-cleanup decommission: no terminal to ask on: pass --yes to confirm\n")
        return bool(args.yes)
    if args.yes:
        sys.stderr.write("--yes does not skip the question on a terminal: type each vault's name.\n")
    for vault in args.vaults:
        sys.stderr.write(f"Type the name of the vault to retire ({vault}) to confirm: ")
        sys.stderr.flush()
        if sys.stdin.readline().strip() != vault:
            sys.stderr.write("Not confirmed: nothing changed.\n")
            return False
    return True


def _status(reports: Sequence[VaultDecommission]) -> int:
    on_its_way = (Outcome.DELETED, Outcome.WOULD_DELETE, Outcome.WAITING)
    return EXIT_OK if all(report.outcome in on_its_way for report in reports) else EXIT_FAILURES


def _write(reports: Sequence[VaultDecommission], output: str, *, heading: str) -> None:
    if output == "json":
        sys.stdout.write(json.dumps({"vaults": [report.as_dict() for report in reports]}, indent=2) + "\n")
        return
    sys.stdout.write(heading + "\n")
    for report in reports:
        sys.stdout.write(f"  {report.vault}: {report.outcome}\n")
        for step in report.steps:
            sys.stdout.write(f"    - {step}\n")
