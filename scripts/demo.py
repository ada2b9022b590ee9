"""`make demo`: the cleanup Lambda against a local Glacier, start to finish, in well under a minute.

1. Start the Glacier emulator as a server (`python -m glacier_emulator --port 0`, wait for its ready line).
2. Seed a few vaults through the normal Glacier API: old, fresh, protected and excluded uploads
   (the `x-emulator-creation-date` header on InitiateMultipartUpload backdates them).
3. The activity check: the observation table (DynamoDB, on the same local endpoint) gets the looks the
   schedule's run a week ago recorded, written with the function's own adapter. Since then one old upload
   (an mt-aws-glacier archive) received parts: it is kept; one old upload was never looked at: it is
   recorded and kept; one stayed the same for 150 h: kept, and named as due at the next run; the other old
   ones stayed the same for longer than the idle time: they are stale.
4. Invoke the real `lambda_handler` three times with the schedule's event, **as the function's role from
   the synthesized per-target template** (its policies deployed into the local AWS, which checks every
   call against them): a dry run, the real run once the deployment's dry run is switched off, as after a
   review (the uploader sends another part just before it), and once more (nothing left). The settings
   are the shipped defaults (the activity check on, its idle time, its schedule), with a protect pattern
   and an excluded vault.
5. Show the log lines as they happen, a summary table per run with what the next run will abort unless it
   changes, the run summary the state machine would send, the decision records, and the emulator's call
   counts.
6. The vault estate (`glacier-cleanup vaults`), and a vault retired end to end (`glacier-cleanup
   decommission`): its uploads aborted, new writes denied, and the vault deleted after Glacier's next
   inventory (the emulator's clock moved on a day).

The server is always stopped at the end, whatever happens.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from glacier_cleanup import cli
from glacier_cleanup.aws.observations import DynamoObservationStore
from glacier_cleanup.core.activity import Observation, Progress, UploadKey, retention
from glacier_cleanup.core.notice import Notice
from glacier_cleanup.handler import get_runtime, lambda_handler
from glacier_cleanup.terminal.output import render_summary_table
from glacier_cleanup_cdk.config import CleanupSettings
from glacier_cleanup_cdk.function import lambda_environment

from glacier_emulator.client_helpers import initiate_with_creation_date
from glacier_emulator.handles import Credentials, ServerHandle, ServerProcess
from local_harness import org_harness

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
# mt-aws-glacier's documented description: "mt2 " and base64url of {"filename": ..., "mtime": ...}.
MT_AWS_GLACIER_DESCRIPTION = "mt2 " + base64.urlsafe_b64encode(
    json.dumps({"filename": "db/2026-11-15.tar", "mtime": "20261115T000000Z"}).encode()
).decode().rstrip("=")
PROTECT_REGEX = "^keep:"
EXCLUDED = "legal-hold-*"
DUE_DESCRIPTION = "unchanged for 150 h: due at the next run"

# vault -> [(age in hours, archive description, how many)]
ACCOUNT = {
    "backups-nightly": [(24 * 30, "nightly backup, client died mid-upload", 4), (3, "tonight's backup", 2)],
    "media-archive": [
        (24 * 12, "video master reel 7", 2),
        (24 * 60, "keep: 4 TB restore still uploading", 1),
    ],
    "scratch": [(24 * 400, None, 3), (24 * 8, "a day past the 7-day threshold", 1)],
    "legal-hold-2019": [(24 * 900, "excluded by CLEANUP_EXCLUDE_VAULTS", 2)],
    # Old by age; the activity check decides: one still receiving parts, one never looked at before, one
    # idle for less than the idle time that the next daily run will abort unless it changes.
    "big-archives": [
        (24 * 20, MT_AWS_GLACIER_DESCRIPTION, 1),
        (24 * 9, "never looked at before", 1),
        (24 * 10, DUE_DESCRIPTION, 1),
    ],
}
IDLE_HOURS = CleanupSettings().idle_hours  # the shipped default
EARLIER_LOOK_HOURS = IDLE_HOURS + 2  # the schedule's look of a week ago
DUE_LOOK_HOURS = IDLE_HOURS - 18  # first looked at 150 h ago: idle long enough by the next daily run


@dataclass
class DemoLambdaContext:
    """Just enough of Lambda's context object for Powertools and the time budget."""

    function_name: str = "glacier-multipart-cleanup-demo"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = int(CleanupSettings.model_fields["memory_mb"].default)  # the shipped size
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


def seed(endpoint_url: str) -> dict[str, list[tuple[str, str | None]]]:
    """Create the vaults and uploads with the demo's own client (the function builds its own)."""
    client = boto3.client("glacier", region_name=REGION, endpoint_url=endpoint_url)
    now = datetime.now(UTC)
    seeded: dict[str, list[tuple[str, str | None]]] = {}
    for vault, uploads in ACCOUNT.items():
        client.create_vault(vaultName=vault)
        for age_hours, description, count in uploads:
            for _ in range(count):
                upload_id = initiate_with_creation_date(
                    client, vault, now - timedelta(hours=age_hours), description=description
                )
                if age_hours >= 168:
                    seeded.setdefault(vault, []).append((upload_id, description))
            say(f"  {vault:<16} {count} upload(s) {age_hours:>6} h old  {description or '(no description)'}")
    return seeded


def add_part(endpoint_url: str, vault: str, upload_id: str, number: int) -> None:
    """The uploader at work: one more 1 MiB part."""
    client = boto3.client("glacier", region_name=REGION, endpoint_url=endpoint_url)
    start = number * 1048576
    client.upload_multipart_part(
        vaultName=vault,
        uploadId=upload_id,
        range=f"bytes {start}-{start + 1048575}/*",
        body=bytes([number % 256]) * 1048576,
    )


def record_earlier_looks(table: str, old: dict[str, list[tuple[str, str | None]]]) -> None:
    """The stack's observation table, with the looks of the schedule's run EARLIER_LOOK_HOURS ago (none
    for the upload 'never looked at before'), written by the function's own adapter."""
    store = DynamoObservationStore(boto3.session.Session(region_name=REGION), table)
    for vault, uploads in old.items():
        for upload_id, description in uploads:
            hours = DUE_LOOK_HOURS if description == DUE_DESCRIPTION else EARLIER_LOOK_HOURS
            then = datetime.now(UTC) - timedelta(hours=hours)
            if description != "never looked at before":
                store.put(
                    UploadKey(ACCOUNT_ID, REGION, vault, upload_id),
                    Observation(Progress(0, 0), then, then),
                    expires_at=then + retention(timedelta(hours=IDLE_HOURS)),
                )


def function_role(handle: ServerHandle) -> tuple[Credentials, str]:
    """The per-target stack for the demo's settings, synthesized; its function, role, table and policies
    deployed into the local AWS (local_harness/org_harness.deploy_hub). The role's trust policy names Lambda;
    the demo runs the handler in its own process, so it adds this account to the trust and assumes the role:
    every call the handler makes is then checked against the template's identity policies."""
    block = {
        "targets": [
            {
                "name": "demo",
                "account": ACCOUNT_ID,
                "region": REGION,
                "protect_description_regex": PROTECT_REGEX,
                "exclude_vaults": [EXCLUDED],
            }
        ]
    }
    (template,) = org_harness.synthesize(block, org_harness.scratch_directory()).values()
    stack = org_harness.deploy_hub(handle, template, account=ACCOUNT_ID, region=REGION)
    configuration = handle.aws_client("lambda").get_function(FunctionName=_function_id(template))[
        "Configuration"
    ]
    role_name = configuration["Role"].rsplit("/", 1)[-1]
    iam = handle.aws_client("iam")
    trust = json.loads(json.dumps(iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]))
    trust["Statement"].append(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
            "Action": "sts:AssumeRole",
        }
    )
    iam.update_assume_role_policy(RoleName=role_name, PolicyDocument=json.dumps(trust))
    assert stack.observation_table is not None
    os.environ["CLEANUP_OBSERVATION_TABLE"] = stack.observation_table
    # The stack's decision-records bucket (docs/records.md), as the template names it to the function.
    os.environ["CLEANUP_RECORDS_BUCKET"] = stack.bucket
    return handle.assume_role(f"arn:aws:iam::{ACCOUNT_ID}:role/{role_name}"), role_name


def scheduled() -> dict[str, str]:
    """What the stack's schedule sends (through its state machine): a run at this moment."""
    return {"trigger": "schedule", "scheduled_time": datetime.now(UTC).isoformat().replace("+00:00", "Z")}


def show_message(message: dict[str, Any]) -> None:
    """The run summary the state machine would publish to the stack's topic (e-mail, Slack, Teams)."""
    if not message["send"]:
        say("\n  Run summary: nothing happened and nothing is due, so no message is sent.")
        return
    say(f"\n  Run summary, as sent to the stack's topic. Subject: {message['subject']}")
    for line in message["text"].splitlines():
        say(f"  | {line}")


def show_records(handle: ServerHandle, bucket: str) -> None:
    """The decision records the runs put in the stack's bucket: one object per run, what each decided."""
    banner(f"Decision records in the stack's bucket {bucket} (docs/records.md)")
    s3 = handle.aws_client("s3")
    for listed in s3.list_objects_v2(Bucket=bucket, Prefix="records/").get("Contents", []):
        body = s3.get_object(Bucket=bucket, Key=listed["Key"])["Body"].read()
        records = [json.loads(line) for line in gzip.decompress(body).decode("utf-8").splitlines()]
        decisions = Counter(record["decision"] for record in records)
        say(f"  {listed['Key']}")
        say("    " + ", ".join(f"{name} {count}" for name, count in sorted(decisions.items())))


@contextmanager
def as_role(credentials: Credentials) -> Iterator[None]:
    """The handler's process environment as Lambda gives it: the execution role's keys (the demo's own
    clients keep the demo's keys)."""
    keys = {
        "AWS_ACCESS_KEY_ID": credentials.access_key_id,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
        "AWS_SESSION_TOKEN": credentials.session_token or "",
    }
    saved = {name: os.environ.get(name) for name in keys}
    os.environ.update(keys)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _function_id(template: dict[str, Any]) -> str:
    return next(
        logical_id
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Function"
        and resource["Properties"].get("Handler") == "glacier_cleanup.handler.lambda_handler"
    )


def call_counts(stats: dict[str, Any]) -> None:
    say(f"  {'operation':<30}{'calls':>7}{'ok':>7}  errors")
    for operation, counts in sorted(stats["operations"].items()):
        errors = {outcome: n for outcome, n in counts.items() if outcome not in ("total", "ok")}
        say(f"  {operation:<30}{counts['total']:>7}{counts['ok']:>7}  {errors or ''}")
    say(f"  {'total':<30}{stats['total']:>7}")


def retire_a_vault(handle: ServerHandle) -> None:
    """The estate, and a vault retired end to end with the terminal tool (docs/operations.md)."""
    client = handle.client()
    client.create_vault(vaultName="old-tapes")
    archive = client.upload_archive(vaultName="old-tapes", body=b"copied to S3 already")["archiveId"]
    handle.after_next_inventory()
    client.delete_archive(vaultName="old-tapes", archiveId=archive)  # as AWS's bulk-delete sample would
    handle.after_next_inventory()
    for number in range(2):
        upload = initiate_with_creation_date(
            client, "old-tapes", _iso(timedelta(days=40 + number)), description="tape-robot export"
        )
        client.upload_multipart_part(vaultName="old-tapes", uploadId=upload, range="bytes 0-2/*", body=b"abc")
    # The operator's terminal tool names the account first (STS GetCallerIdentity, on the local endpoint too).
    os.environ["AWS_ENDPOINT_URL_STS"] = str(handle.endpoint_url)
    banner("Your vaults: glacier-cleanup vaults --region us-east-1")
    cli.main(["vaults", "--region", REGION])
    banner("Retiring old-tapes: glacier-cleanup decommission old-tapes --deny-writes --apply --yes")
    say("  (its archives were copied out and deleted; two uploads of a switched-off writer remain)")
    with _no_terminal():
        cli.main(["decommission", "old-tapes", "--region", REGION, "--deny-writes", "--apply", "--yes"])
    policy = json.loads(client.get_vault_access_policy(vaultName="old-tapes")["policy"]["Policy"])
    say(f"  access policy statements now: {[statement.get('Sid') for statement in policy['Statement']]}")
    banner("A day later (Glacier's next inventory): the same command again")
    handle.after_next_inventory()
    with _no_terminal():
        cli.main(["decommission", "old-tapes", "--region", REGION, "--deny-writes", "--apply", "--yes"])
    names = [vault["VaultName"] for vault in client.list_vaults()["VaultList"]]
    say(f"  vaults left: {', '.join(names)}")


def _iso(age: timedelta) -> str:
    return (datetime.now(UTC) - age).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@contextmanager
def _no_terminal() -> Iterator[None]:
    """As from a script: `--yes` confirms (on a terminal the operator would type the vault's name)."""
    stdin = sys.stdin
    sys.stdin = io.StringIO("")
    try:
        yield
    finally:
        sys.stdin = stdin


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
                # The observation table and the records bucket live on the same local endpoint (moto's).
                "AWS_ENDPOINT_URL_DYNAMODB": server.url,
                "AWS_ENDPOINT_URL_S3": server.url,
                "AWS_ACCESS_KEY_ID": "demo",
                "AWS_SECRET_ACCESS_KEY": "demo",
                "AWS_DEFAULT_REGION": REGION,
                "AWS_EC2_METADATA_DISABLED": "true",
                "CLEANUP_OLDER_THAN_HOURS": "168",
                "CLEANUP_DRY_RUN": "true",
                "CLEANUP_PROTECT_DESCRIPTION_REGEX": PROTECT_REGEX,
                "CLEANUP_EXCLUDE_VAULTS": EXCLUDED,
                "CLEANUP_ACTIVITY_CHECK": "true",
                # The stack's schedule, as it tells the function (the notice of the next run's aborts).
                **{
                    name: value
                    for name, value in lambda_environment(CleanupSettings(), "demo").items()
                    if name.startswith(("CLEANUP_SCHEDULE_", "CLEANUP_SUMMARY_"))
                },
            }
        )
        banner("Seeding vaults through the normal API (InitiateMultipartUpload + x-emulator-creation-date)")
        old = seed(server.url)
        say(f"  stale means >= 168 h old AND unchanged for {IDLE_HOURS} h; protected: {PROTECT_REGEX!r}; ")
        say(f"  excluded vaults: {EXCLUDED!r}")
        handle = server.handle(REGION)
        banner("The per-target stack, synthesized: its function role, policies and table, deployed locally")
        credentials, role_name = function_role(handle)
        table = os.environ["CLEANUP_OBSERVATION_TABLE"]
        session = credentials.access_key_id[:8]
        say(f"  the handler runs as an STS session ({session}...) of the function's role;")
        say("  the local AWS checks each of its calls against the role's policies from the template")
        banner(f"The schedule's looks of {EARLIER_LOOK_HOURS} h ago, in the observation table {table}")
        record_earlier_looks(table, old)
        [(active_upload, _), *_] = old["big-archives"]
        add_part(server.url, "big-archives", active_upload, 0)
        count = sum(len(uploads) for uploads in old.values())
        say(f"  {count} old uploads. Since that look the mt-aws-glacier upload in big-archives received a")
        say("  part (still uploading); the one 'never looked at before' has no look yet; every other old")
        say("  upload stayed the same.")

        runs = [
            "1/3  Dry run: report, abort nothing",
            "2/3  Real run: abort the stale uploads",
            "3/3  Once more: nothing left to do",
        ]
        for number, title in enumerate(runs):
            time.sleep(1.0 if number else 0.0)  # each run its own scheduled second, so its own run id
            event = scheduled()
            if number == 1:
                # An event may not turn a dry-run deployment into real aborts (inputs/guardrails.py): the
                # operator sets dry_run false in the config after reviewing the dry run, and deploys.
                os.environ["CLEANUP_DRY_RUN"] = "false"
                get_runtime.cache_clear()
                say("\n  (dry run reviewed: the config's dry_run set to false and deployed)")
                add_part(server.url, "big-archives", active_upload, 1)
                say("  (the mt-aws-glacier uploader sends another part)")
            banner(f"{title}   event={event}   (log lines and EMF metrics as Lambda would print them)")
            calls_before = handle.stats()["total"]
            context = DemoLambdaContext(deadline=time.monotonic() + 300)
            with as_role(credentials):
                result = lambda_handler(event, context)
            say()
            notice = Notice.from_result(result, account=ACCOUNT_ID, region=REGION)
            sys.stdout.write(render_summary_table(ACCOUNT_ID, {REGION: result}, notice))
            say(f"  Glacier calls made by this run: {handle.stats()['total'] - calls_before}")
            show_message(result["message"])

        show_records(handle, os.environ["CLEANUP_RECORDS_BUCKET"])
        denied = [d for d in handle.iam_ledger()["denials"] if d["role_arn"].endswith(f"/{role_name}")]
        say(f"\n  Calls of the function's role refused by its policies: {len(denied)}")
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
        retire_a_vault(handle)
    finally:
        server.stop()
    say()
    say(f"Demo finished in {time.monotonic() - started:.1f} s; the emulator server is stopped.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
