"""`make demo`: the cleanup Lambda against a local Glacier, start to finish, in well under a minute.

1. Start the Glacier emulator as a server (`python -m glacier_emulator --port 0`, wait for its ready line).
2. Seed a few vaults through the normal Glacier API: old, fresh, protected and excluded uploads
   (the `x-emulator-creation-date` header on InitiateMultipartUpload backdates them).
3. Invoke the real `lambda_handler` three times: a dry run, the real run, and once more (nothing left).
4. Show the log lines as they happen, a summary table per run, and the emulator's call counts.

The server is always stopped at the end, whatever happens.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from glacier_cleanup.handler import lambda_handler
from glacier_cleanup.terminal.output import render_summary_table

from glacier_emulator.client_helpers import initiate_with_creation_date
from glacier_emulator.handles import ServerProcess

REGION = "us-east-1"
PROTECT_REGEX = "^keep:"
EXCLUDED = "legal-hold-*"

# vault -> [(age in hours, archive description, how many)]
ACCOUNT = {
    "backups-nightly": [(24 * 30, "nightly backup, client died mid-upload", 4), (3, "tonight's backup", 2)],
    "media-archive": [
        (24 * 12, "video master reel 7", 2),
        (24 * 60, "keep: 4 TB restore still uploading", 1),
    ],
    "scratch": [(24 * 400, None, 3), (24 * 7 + 1, "just past the 7-day threshold", 1)],
    "legal-hold-2019": [(24 * 900, "excluded by CLEANUP_EXCLUDE_VAULTS", 2)],
}


@dataclass
class DemoLambdaContext:
    """Just enough of Lambda's context object for Powertools and the time budget."""

    function_name: str = "glacier-multipart-cleanup-demo"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = (
        f"arn:aws:lambda:{REGION}:123456789012:function:glacier-multipart-cleanup-demo"
    )
    aws_request_id: str = "demo-request"
    deadline: float = 0.0

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def say(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def banner(title: str) -> None:
    say()
    say("=" * 100)
    say(f"  {title}")
    say("=" * 100)


def seed(endpoint_url: str) -> int:
    """Create the vaults and uploads with the demo's own client (the function builds its own)."""
    client = boto3.client("glacier", region_name=REGION, endpoint_url=endpoint_url)
    now = datetime.now(UTC)
    seeded = 0
    for vault, uploads in ACCOUNT.items():
        client.create_vault(vaultName=vault)
        for age_hours, description, count in uploads:
            for _ in range(count):
                initiate_with_creation_date(
                    client, vault, now - timedelta(hours=age_hours), description=description
                )
                seeded += 1
            say(f"  {vault:<16} {count} upload(s) {age_hours:>6} h old  {description or '(no description)'}")
    return seeded


def call_counts(stats: dict[str, Any]) -> None:
    say(f"  {'operation':<30}{'calls':>7}{'ok':>7}  errors")
    for operation, counts in sorted(stats["operations"].items()):
        errors = {outcome: n for outcome, n in counts.items() if outcome not in ("total", "ok")}
        say(f"  {operation:<30}{counts['total']:>7}{counts['ok']:>7}  {errors or ''}")
    say(f"  {'total':<30}{stats['total']:>7}")


def main() -> int:
    started = time.monotonic()
    banner("Starting the Glacier emulator (python -m glacier_emulator --port 0)")
    server = ServerProcess()
    try:
        say(f"  {server.ready_line.strip()}")
        # Read by the function at its first invocation, as Lambda's environment would be. The function finds
        # the emulator the way boto3 finds any endpoint override: AWS_ENDPOINT_URL_GLACIER.
        os.environ.update(
            {
                "AWS_ENDPOINT_URL_GLACIER": server.url,
                "AWS_ACCESS_KEY_ID": "demo",
                "AWS_SECRET_ACCESS_KEY": "demo",
                "AWS_DEFAULT_REGION": REGION,
                "AWS_EC2_METADATA_DISABLED": "true",
                "CLEANUP_OLDER_THAN_HOURS": "168",
                "CLEANUP_DRY_RUN": "true",
                "CLEANUP_PROTECT_DESCRIPTION_REGEX": PROTECT_REGEX,
                "CLEANUP_EXCLUDE_VAULTS": EXCLUDED,
            }
        )
        banner("Seeding vaults through the normal API (InitiateMultipartUpload + x-emulator-creation-date)")
        seeded = seed(server.url)
        say(f"  {seeded} in-progress uploads; stale means >= 168 h old; protected: {PROTECT_REGEX!r}; ")
        say(f"  excluded vaults: {EXCLUDED!r}")

        handle = server.handle(REGION)
        runs = [
            ("1/3  Dry run: report, abort nothing", {"dry_run": True}),
            ("2/3  Real run: abort the stale uploads", {"dry_run": False}),
            ("3/3  Once more: nothing left to do", {"dry_run": False}),
        ]
        for title, event in runs:
            banner(f"{title}   event={event}   (log lines and EMF metrics as Lambda would print them)")
            calls_before = handle.stats()["total"]
            context = DemoLambdaContext(deadline=time.monotonic() + 300)
            result = lambda_handler(event, context)
            say()
            sys.stdout.write(render_summary_table("123456789012", {REGION: result}))
            say(f"  Glacier calls made by this run: {handle.stats()['total'] - calls_before}")

        banner("Emulator call counts (all runs, plus the seeding)")
        call_counts(handle.stats())
        aborted = handle.aborts()
        youngest_hours = min(record["age_seconds"] for record in aborted) / 3600
        say()
        say(f"  {len(aborted)} aborted (emulator's abort log), youngest {youngest_hours:.1f} h old:")
        for record in sorted(aborted, key=lambda r: (r["vault"], -r["age_seconds"])):
            hours = record["age_seconds"] / 3600
            description = record["archive_description"] or "(no description)"
            say(f"    {record['vault']:<16} {hours:>8.1f} h  {description}")
    finally:
        server.stop()
    say()
    say(f"Demo finished in {time.monotonic() - started:.1f} s; the emulator server is stopped.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
