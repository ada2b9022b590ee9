"""`make demo-org`: the organization mode end to end on the local multi-account AWS
(local_harness/org_scenario.py).

1. An organization of 6 member accounts in nested OUs, 2 regions, seeded through the Glacier API.
2. `cdk synth` of the organization config, in-process: the member role is deployed into the members (not
   beta) and the management account from the synthesized member template; the hub's functions and state
   machine are created from the synthesized hub template (local_harness/org_harness.py).
3. The schedule's earlier looks at the old uploads (two days ago) are written into the hub's observation
   table; since then one old upload in alpha received a part (active: kept) and one was never looked at
   (first seen: recorded, kept); the rest stayed the same (idle: stale).
4. Three executions of the state machine by moto's interpreter: a dry run, the real run, a run with
   nothing left. A table per run; the last line is one JSON object with the totals and every target.

The functions' log lines go to a file (its path is printed): thousands of "aborted" lines would bury the
tables.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from typing import Any

from moto import mock_aws

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from glacier_cleanup.observability import set_log_stream

from glacier_emulator import CONTROL, install
from glacier_emulator.handles import InProcessHandle
from local_harness import org_harness, org_scenario

ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def table(document: dict[str, Any], names: dict[str, str]) -> str:
    columns = ("rounds", "found", "stale", "aborted", "active", "1st seen")
    header = f"{'account':<24} {'region':<10} {'status':<20} " + " ".join(f"{c:>7}" for c in columns)
    lines = [header, "-" * len(header)]
    for row in sorted(
        document["results"], key=lambda r: (names.get(r["account"], r["account"]), r["region"])
    ):
        who = f"{names.get(row['account'], '?')} {row['account']}"
        counts = (
            row["rounds"],
            row["uploads_found"],
            row["uploads_stale"],
            row["uploads_aborted"],
            row["uploads_active"],
            row["uploads_first_seen"],
        )
        lines.append(
            f"{who:<24} {row['region']:<10} {row['status']:<20} " + " ".join(f"{c:>7}" for c in counts)
        )
    totals = {
        key: document[key]
        for key in (
            "targets",
            "uploads_stale",
            "uploads_aborted",
            "uploads_active",
            "uploads_first_seen",
            "uploads_waiting",
            "rounds",
        )
    }
    lines.append(f"totals: {json.dumps(totals)}  statuses: {json.dumps(document['statuses'])}")
    return "\n".join(lines)


def subscribed_queue(glacier: Any, topic: str | None) -> str:
    """A queue subscribed to the hub's run-summary topic: what an e-mail subscriber would receive."""
    assert topic is not None, "the hub template has a run-summary topic"
    sqs = glacier.aws_client("sqs")
    queue = sqs.create_queue(QueueName="demo-org-summaries")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    glacier.aws_client("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    return str(queue)


def show_summaries(glacier: Any, queue: str) -> None:
    """The run summaries the hub's state machine published (none when nothing happened or is due)."""
    sqs = glacier.aws_client("sqs")
    delivered = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    if not delivered:
        say("run summary: none sent (nothing happened, nothing is due)")
    for message in delivered:
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
        body = json.loads(message["Body"])
        say(f"run summary sent to the hub's topic. Subject: {body['Subject']}")
        for line in body["Message"].splitlines():
            say(f"  | {line}")


def main() -> int:
    os.environ.update(ENVIRONMENT)
    for variable in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_GLACIER"):
        os.environ.pop(variable, None)
    scratch = org_harness.scratch_directory()
    log_path = scratch / "functions.log"
    started = time.monotonic()
    with mock_aws():
        install()
        CONTROL.reset()
        glacier = InProcessHandle("us-east-1")
        org, seeded = org_scenario.build(glacier)
        names = {account: name for name, account in org.accounts.items()}
        names[org.management_account] = "management"
        say(
            f"organization {org.organization_id}: {len(org.accounts)} members, "
            f"regions {', '.join(org_scenario.REGIONS)}"
        )
        say(
            f"seeded {len(seeded.stale)} stale, {len(seeded.young)} young, "
            f"{len(seeded.protected)} protected uploads"
        )
        templates = org_harness.synthesize(
            org_scenario.config_block(org, org.management_account), scratch / "cdk.out"
        )
        members = [a for n, a in org.accounts.items() if n != org_scenario.NO_ROLE]
        org_harness.deploy_member_roles(
            glacier, org, templates["GlacierCleanup-demo-member-role"], [org.management_account, *members]
        )
        hub = org_harness.deploy_hub(
            glacier, templates["GlacierCleanup-demo-hub"], account=org.management_account, region="us-east-1"
        )
        assert hub.observation_table is not None
        org_scenario.record_earlier_looks(glacier, org, seeded, hub.observation_table)
        say(
            f"activity check: looks of {org_scenario.EARLIER_LOOK_HOURS} h ago in the hub's table; since "
            f"then {len(seeded.active)} old upload received a part, {len(seeded.first_seen)} was never "
            f"looked at; idle time {org_scenario.IDLE_HOURS} h"
        )
        say(
            "\nwhere the local stand-ins differ from AWS (worked around, never by changing the definition's "
            "behaviour):"
        )
        for difference in org_harness.LOCAL_DIFFERENCES:
            say(f"  - {difference}")
        say(f"\nfunction logs: {log_path}")
        summaries = subscribed_queue(glacier, hub.summary_topic)
        documents = {}
        for label, execution_input in (("dry run", {"dry_run": True}), ("run", {}), ("nothing left", {})):
            run_started = time.monotonic()
            with open(log_path, "a", encoding="utf-8") as log, contextlib.redirect_stdout(log):
                # The Logger keeps its own stream; the EMF metrics are printed to sys.stdout.
                set_log_stream(log)
                try:
                    documents[label] = org_harness.run_execution(glacier, hub, execution_input)
                finally:
                    set_log_stream(sys.__stdout__)
            say(f"\n== {label} ({time.monotonic() - run_started:.1f} s)\n{table(documents[label], names)}")
            show_summaries(glacier, summaries)
        aborted = {(a["account"], a["region"], a["upload_id"]) for a in CONTROL.aborts()}
    elapsed = time.monotonic() - started
    problems = []
    if aborted & (seeded.young | seeded.protected):
        problems.append("a young or protected upload was aborted")
    if aborted & (seeded.active | seeded.first_seen):
        problems.append("an upload still receiving parts, or never looked at before, was aborted")
    cleaned = set(members) - {
        org.accounts[name] for name in (org_scenario.UNAVAILABLE, org_scenario.EXCLUDED)
    }
    expected = {upload for upload in seeded.stale if upload[0] in cleaned}
    if aborted != expected:
        problems.append(f"aborted {len(aborted)} uploads, expected {len(expected)}")
    run = documents["run"]
    say(f"\n{elapsed:.1f} s for the whole demo; invariants: {'; '.join(problems) or 'hold'}")
    say(
        json.dumps(
            {
                "totals": {
                    k: run[k]
                    for k in (
                        "targets",
                        "statuses",
                        "uploads_found",
                        "uploads_stale",
                        "uploads_aborted",
                        "rounds",
                    )
                },
                "targets": [
                    {**row, "name": names.get(row["account"], "?")}
                    for row in sorted(run["results"], key=lambda r: (r["account"], r["region"]))
                ],
                "dry_run_aborted": documents["dry run"]["uploads_aborted"],
                "nothing_left_stale": documents["nothing left"]["uploads_stale"],
                "seconds": round(elapsed, 1),
                "invariants_hold": not problems,
            }
        )
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
