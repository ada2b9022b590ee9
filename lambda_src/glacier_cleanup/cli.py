"""`glacier-cleanup` / `python -m glacier_cleanup`: the same engine, run from a terminal.

Safe by default: a dry run unless `--apply` (alias `--no-dry-run`) is given; CLEANUP_DRY_RUN is ignored here
so that an exported variable can never turn an operator's look into a deletion. The other CLEANUP_* settings
(protect regex, account id, retries, ...) are read from the environment as in Lambda; flags override them.
Credentials come from the normal AWS chain; boto3 honours AWS_ENDPOINT_URL(_GLACIER/_STS). With
`--account`, it first assumes `--role-name` in that member account (the organization mode's path, from a
terminal) and works there.

Before anything else it names the account (STS GetCallerIdentity) and the regions. stdout carries the
listing (one row per stale upload) and the summary, as a table, JSON or CSV (CSV: rows only, the summary on
stderr); log lines (JSON) go to stderr. On a terminal, `--apply` shows what it found and asks first
(`--yes` skips the question), and a live progress line runs on stderr. Ctrl-C or SIGTERM stops the run:
no new Glacier call, the calls in flight finish, the summary of what was done is printed (exit 130); a
second Ctrl-C quits at once.

`glacier-cleanup vaults` lists the vault estate instead (glacier_cleanup.terminal.vaults): it reads only.
`glacier-cleanup decommission VAULT...` retires named vaults (glacier_cleanup.terminal.decommission).

Exit status: 0 done, 1 not everything was done (calls failed, the run was incomplete, or a --vault does not
exist), 2 bad input or settings, 130 interrupted.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence

from glacier_cleanup import __version__

# Only what parsing needs: `--help`, `--version` and a bad flag answer before boto3, pydantic or Powertools
# load (make bench times them); a real run imports glacier_cleanup.terminal.run, which brings the rest.
from glacier_cleanup.core.descriptions import DESCRIPTION_MODES
from glacier_cleanup.inputs.limits import (
    CONCURRENCY,
    DEFAULT_CONCURRENCY,
    DEFAULT_IDLE_HOURS,
    DEFAULT_OLDER_THAN_HOURS,
    IDLE_HOURS,
    OLDER_THAN_HOURS,
)
from glacier_cleanup.terminal.exits import EXIT_BAD_INPUT, EXIT_FAILURES, EXIT_INTERRUPTED, EXIT_OK

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILURES", "EXIT_INTERRUPTED", "EXIT_OK", "build_parser", "main"]
DEFAULT_OPERATOR_ROLE = "OrganizationAccountAccessRole"


def _concurrency(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer {CONCURRENCY}, got {value!r}") from None
    if number not in CONCURRENCY:
        raise argparse.ArgumentTypeError(f"expected an integer {CONCURRENCY}, got {number}")
    return number


def _account_id(value: str) -> str:
    if not re.fullmatch(r"\d{12}", value):
        raise argparse.ArgumentTypeError(f"expected a 12-digit account id, got {value!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glacier-cleanup",
        description="Abort stale in-progress multipart uploads in Amazon Glacier vaults. "
        "Dry run unless --apply is given.",
        epilog="Other settings come from the CLEANUP_* environment variables (see docs/design.md). "
        "Log lines (JSON) go to stderr; POWERTOOLS_LOG_LEVEL=WARNING keeps only problems. "
        "Exit status: 0 done, 1 not all done (failures, incomplete, a --vault not found), 2 bad input, "
        "130 interrupted. Also: 'glacier-cleanup vaults' lists your vaults and whether each is ready to "
        "delete; 'glacier-cleanup decommission VAULT...' retires vaults (each with --help).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--dry-run",
        dest="dry_run",
        action="store_true",
        default=True,
        help="report what would be aborted, abort nothing (the default)",
    )
    mode.add_argument(
        "--apply",
        "--no-dry-run",
        dest="dry_run",
        action="store_false",
        help="really abort the stale uploads",
    )
    parser.add_argument(
        "--older-than-hours",
        type=float,
        metavar="HOURS",
        help=(
            "abort uploads at least this old (default: CLEANUP_OLDER_THAN_HOURS or "
            f"{DEFAULT_OLDER_THAN_HOURS:g}; minimum {OLDER_THAN_HOURS.low:g})"
        ),
    )
    parser.add_argument(
        "--vault",
        dest="vaults",
        action="append",
        metavar="NAME",
        help="only this vault (repeatable; default: every vault)",
    )
    parser.add_argument(
        "--exclude-vault",
        dest="exclude_vaults",
        action="append",
        default=[],
        metavar="PATTERN",
        help="skip vaults with this name or fnmatch glob (repeatable; adds to CLEANUP_EXCLUDE_VAULTS)",
    )
    parser.add_argument(
        "--max-aborts",
        type=int,
        metavar="N",
        help="abort at most N uploads in this run, across all its regions",
    )
    parser.add_argument(
        "--concurrency",
        type=_concurrency,
        metavar="N",
        help=f"parallel Glacier calls, {CONCURRENCY} (default {DEFAULT_CONCURRENCY})",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--region",
        dest="regions",
        action="append",
        metavar="REGION",
        help="AWS region (repeatable; default: the AWS configuration's)",
    )
    where.add_argument(
        "--all-regions", action="store_true", help="every region where Glacier exists (the SDK's list)"
    )
    parser.add_argument("--profile", help="AWS named profile (default: the normal credential chain)")
    parser.add_argument(
        "--account",
        type=_account_id,
        metavar="ACCOUNT_ID",
        help="clean this (member) account: assume --role-name there first",
    )
    parser.add_argument(
        "--role-name",
        default=DEFAULT_OPERATOR_ROLE,
        metavar="NAME",
        help=f"with --account: the role to assume in it (default {DEFAULT_OPERATOR_ROLE}, which "
        "Organizations creates in the accounts it creates; the organization mode's member role trusts "
        "only the hub function)",
    )
    parser.add_argument(
        "--output", choices=("table", "json", "csv"), default="table", help="output format (default table)"
    )
    parser.add_argument(
        "--json", dest="output", action="store_const", const="json", help="same as --output json"
    )
    parser.add_argument(
        "--show-all", action="store_true", help="also list protected and skipped uploads, with the reason"
    )
    parser.add_argument(
        "--descriptions",
        choices=DESCRIPTION_MODES,
        metavar="MODE",
        help="archive descriptions in the output and logs: full, hashed (a short sha256) or none "
        "(default CLEANUP_LOG_DESCRIPTIONS or hashed)",
    )
    parser.add_argument("--yes", action="store_true", help="with --apply: do not ask before aborting")
    parser.add_argument(
        "--record",
        metavar="PATH",
        help="write a record of every upload the run judged (aborted, kept and why) to PATH as JSON Lines, "
        "gzip-compressed if PATH ends in .gz (docs/records.md)",
    )
    activity = parser.add_argument_group(
        "activity check",
        "An old upload is aborted only once its parts stayed unchanged for the idle time: each run records "
        "what every old upload holds and compares it with the last look.",
    )
    activity.add_argument(
        "--no-activity-check",
        dest="activity_check",
        action="store_false",
        default=None,
        help="judge by age alone: an old upload still receiving parts is aborted too (asked before)",
    )
    activity.add_argument(
        "--idle-hours",
        type=float,
        metavar="HOURS",
        help=f"unchanged for at least this long means abandoned ({IDLE_HOURS}; default "
        f"CLEANUP_IDLE_HOURS or {DEFAULT_IDLE_HOURS:g})",
    )
    looks = activity.add_mutually_exclusive_group()
    looks.add_argument(
        "--state-table",
        metavar="TABLE",
        help="keep the looks in this DynamoDB table (the deployed stack's, shared with the schedule)",
    )
    looks.add_argument(
        "--state-file",
        metavar="PATH",
        help="keep the looks in this file (default: $XDG_CACHE_HOME or ~/.cache, then "
        "glacier-cleanup/observations.json)",
    )
    notice = parser.add_argument_group(
        "notice",
        "With the deployed stack's schedule, the summary also says what its next run will abort unless it "
        "changes (docs/records.md, Notice before abort).",
    )
    notice.add_argument(
        "--schedule",
        metavar="EXPR",
        help="the stack's schedule_expression: rate(<n> <unit>) or cron(<6 fields>), e.g. 'rate(1 day)'",
    )
    notice.add_argument(
        "--schedule-time-zone",
        metavar="ZONE",
        default="UTC",
        help="the time zone a cron() is read in (default: UTC)",
    )
    notice.add_argument(
        "--schedule-window-minutes",
        type=int,
        metavar="MINUTES",
        default=60,
        help="the schedule's flexible window, 0-1440 (default: 60, the stack's default)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["vaults"]:
        from glacier_cleanup.terminal.vaults import main as vaults  # noqa: PLC0415

        return vaults(arguments[1:])
    if arguments[:1] == ["decommission"]:
        from glacier_cleanup.terminal.decommission import main as retire  # noqa: PLC0415

        return retire(arguments[1:])
    parser = build_parser()
    args = parser.parse_args(arguments)
    from glacier_cleanup.terminal.run import run  # noqa: PLC0415 - after parsing: --help stays fast

    return run(parser, args)
