"""`glacier-cleanup` / `python -m glacier_cleanup`: the same engine, run from a terminal.

Safe by default: a dry run unless `--apply` (alias `--no-dry-run`) is given; CLEANUP_DRY_RUN is ignored here
so that an exported variable can never turn an operator's look into a deletion. The other CLEANUP_* settings
(protect regex, account id, retries, ...) are read from the environment as in Lambda; flags override them.
Credentials come from the normal AWS chain; boto3 honours AWS_ENDPOINT_URL_GLACIER.

stdout carries only the result (a table, or JSON with `--json`); structured log lines go to stderr.
Exit status: 0 done (ok or glacier_unavailable), 1 the run had failures, 2 bad input or settings.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from glacier_cleanup.engine import run_cleanup
from glacier_cleanup.events import InvalidEventError, parse_request
from glacier_cleanup.glacier import ClientSetupError, GlacierAdapter, create_client
from glacier_cleanup.observability import logger, set_log_stream
from glacier_cleanup.settings import Settings, SettingsError

EXIT_OK = 0
EXIT_FAILURES = 1
EXIT_BAD_INPUT = 2


def _concurrency(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer 1-64, got {value!r}") from None
    if not 1 <= number <= 64:
        raise argparse.ArgumentTypeError(f"expected an integer 1-64, got {number}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glacier-cleanup",
        description="Abort stale in-progress multipart uploads in Amazon Glacier vaults. "
        "Dry run unless --apply is given.",
        epilog="Other settings come from the CLEANUP_* environment variables (see docs/design.md). "
        "Log lines (JSON) go to stderr; POWERTOOLS_LOG_LEVEL=WARNING keeps only problems. "
        "Exit status: 0 done, 1 some calls failed, 2 bad input.",
    )
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
        help="abort uploads at least this old (default: CLEANUP_OLDER_THAN_HOURS or 168; minimum 1)",
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
    parser.add_argument("--max-aborts", type=int, metavar="N", help="abort at most N uploads in this run")
    parser.add_argument(
        "--concurrency", type=_concurrency, metavar="N", help="parallel Glacier calls, 1-64 (default 16)"
    )
    parser.add_argument("--region", help="AWS region (default: the AWS configuration's)")
    parser.add_argument("--profile", help="AWS named profile (default: the normal credential chain)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    set_log_stream(sys.stderr)
    try:
        settings = Settings.from_environ(os.environ)
        # The flags that the Lambda event also has are validated by the same model, with the same limits.
        request = parse_request(
            dry_run=args.dry_run,
            older_than_hours=args.older_than_hours,
            vaults=args.vaults,
            max_aborts=args.max_aborts,
        )
        plan = settings.to_plan(
            **request.overrides(),
            exclude_vaults=args.exclude_vaults,
            concurrency=args.concurrency,
        )
        client = create_client(
            max_attempts=settings.max_attempts,
            retry_mode=settings.retry_mode,
            concurrency=plan.concurrency,
            region=args.region,
            profile=args.profile,
        )
    except (SettingsError, InvalidEventError, ClientSetupError) as exc:
        parser.exit(EXIT_BAD_INPUT, f"glacier-cleanup: error: {exc}\n")

    summary = run_cleanup(GlacierAdapter(client, account_id=settings.account_id), plan)
    result = summary.to_result()
    sys.stdout.write(json.dumps(result, indent=2) + "\n" if args.json else format_result(result))
    logger.debug("cli finished", exit_status=summary.status)
    return EXIT_FAILURES if result["status"] == "partial" else EXIT_OK


def format_result(result: dict[str, Any]) -> str:
    """A run's result as a short table for people."""
    mode = "DRY RUN (nothing aborted)" if result["dry_run"] else "APPLIED"
    lines = [
        f"Glacier multipart cleanup: {mode}",
        f"  status {result['status']}, complete {str(result['complete']).lower()}, "
        f"{result['duration_ms']} ms",
        f"  stale means created before {result['cutoff']} ({result['older_than_hours']:g} h old)",
    ]
    rows = [
        ("vaults scanned", result["vaults_scanned"]),
        ("uploads found", result["uploads_found"]),
        ("uploads stale", result["uploads_stale"]),
        ("uploads aborted", result["uploads_aborted"]),
        ("uploads already gone", result["uploads_already_gone"]),
        ("uploads protected", result["uploads_protected"]),
        ("uploads skipped (bad date)", result["uploads_skipped"]),
        ("uploads over max_aborts", result.get("uploads_capped", 0)),
        ("uploads not reached (time)", result.get("uploads_not_reached", 0)),
        ("vaults not found", result.get("vaults_gone", 0)),
        ("abort failures", result.get("abort_failures", 0)),
        ("vault failures", result.get("vault_failures", 0)),
    ]
    if "bytes_released" in result:
        rows.append(("bytes released", result["bytes_released"]))
    width = max(len(label) for label, _ in rows)
    lines += [f"  {label:<{width}}  {value:>8}" for label, value in rows]
    if result["failures"]:
        lines.append("  failures (first ones):")
        lines += [
            f"    {failure['vault'] or '-'} {failure['upload_id'] or '-'}: {failure['error']}"
            for failure in result["failures"]
        ]
    return "\n".join(lines) + "\n"
