"""`max_aborts` caps one scheduled run, not each of its continuation rounds: the per-target stack's run state
machine (synthesized, deployed locally, run by moto's Step Functions interpreter with the real function
in-process) carries the earlier rounds' aborts into each next round's event, and each round resumes after
the last vault the rounds before it finished. The shipped configuration: the activity check on, its table
holding the looks of a week ago.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from glacier_cleanup.aws.observations import DynamoObservationStore
from glacier_cleanup.core.activity import Observation, Progress, UploadKey, retention
from support.handler_env import fresh_powertools

from glacier_emulator.handles import InProcessHandle
from glacier_emulator.lambda_runtime import RUNTIME, GlacierCallClock
from local_harness import org_harness
from local_harness.org_scenario import _HandleSession

pytestmark = pytest.mark.slow
ACCOUNT, REGION = "123456789012", "us-east-1"
STALE, CAP, KEPT = 60, 25, 4


def test_max_aborts_caps_the_scheduled_run_across_its_rounds(
    glacier_in_process: InProcessHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    glacier = glacier_in_process
    RUNTIME.reset()  # no invocation of an earlier test in this process counts here
    target = {
        "name": "local",
        "account": ACCOUNT,
        "region": REGION,
        "dry_run": False,
        "max_aborts": CAP,
        # A short budget, so that the backlog needs several rounds: 90 s, 30 of them kept in reserve, about 60
        # calls a round against some 95 in all. At 60 s (30 calls a round) the run needed the fifth and last
        # round the state machine allows, and how many calls fit in a round varies with the threads' order:
        # about one run in four ended that round incomplete.
        "timeout_seconds": 90,
        "time_margin_seconds": 30,
    }
    (template,) = org_harness.synthesize({"targets": [target]}, tmp_path / "cdk.out").values()
    stack = org_harness.deploy_hub(glacier, template, account=ACCOUNT, region=REGION)
    assert stack.observation_table is not None
    glacier.create_vault("backups")
    # Before it in the alphabet, old uploads seen for the first time: kept, and not looked at again.
    glacier.create_vault("archive")
    glacier.seed("archive", KEPT, creation_date=(datetime.now(UTC) - timedelta(days=30)).isoformat())
    uploads = glacier.seed(
        "backups", STALE, creation_date=(datetime.now(UTC) - timedelta(days=30)).isoformat()
    )
    store = DynamoObservationStore(_HandleSession(glacier), stack.observation_table)  # type: ignore[arg-type]
    then = datetime.now(UTC) - timedelta(hours=170)  # the schedule's look of a week ago: idle since
    for upload_id in uploads:
        store.put(
            UploadKey(ACCOUNT, REGION, "backups", upload_id),
            Observation(Progress(0, 0), then, then),
            expires_at=then + retention(timedelta(hours=168)),
        )
    # One second a Glacier call: a round reaches some 30 calls (a look and an abort per upload).
    monkeypatch.setattr(RUNTIME, "clock", GlacierCallClock(1.0))
    # Whoever reads the run summaries: a queue subscribed to the stack's topic (as an e-mail would be)
    assert stack.summary_topic is not None
    sqs = glacier.aws_client("sqs")
    queue = sqs.create_queue(QueueName="summaries")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    glacier.aws_client("sns").subscribe(TopicArn=stack.summary_topic, Protocol="sqs", Endpoint=queue_arn)

    with fresh_powertools():
        outcome: dict[str, Any] = org_harness.run_execution(glacier, stack, {})

    rounds = [
        i for i in glacier.lambda_invocations() if isinstance(i["event"], dict) and "round" in i["event"]
    ]
    assert len(rounds) >= 2, "the backlog should take more than one round"
    # Each round is told what the rounds before it aborted.
    assert rounds[0]["event"]["aborts_before"] == 0
    assert all(later["event"]["aborts_before"] > 0 for later in rounds[1:])
    assert len(glacier.aborts()) == CAP
    assert outcome["earlier"]["uploads_aborted"] + outcome["result"]["uploads_aborted"] == CAP
    # The round that met the cap stopped aborting: the rest is over max_aborts, not left unreached.
    assert outcome["result"]["uploads_capped"] > 0
    # Later rounds resumed after the vault the first finished; its uploads were counted once, by it.
    assert rounds[0]["event"]["resume_after"] == ""
    assert all(later["event"]["resume_after"] == "archive" for later in rounds[1:])
    kept = [
        outcome[part]["uploads_first_seen"] + outcome[part]["uploads_waiting"]
        for part in ("earlier", "result")
    ]
    assert kept == [KEPT, 0]
    # One summary for the run, after its last round, counting every round's aborts
    [delivered] = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    envelope = json.loads(delivered["Body"])
    assert envelope["Subject"].startswith(f"Glacier cleanup target local: {CAP} aborted")
    text = envelope["Message"]
    assert f"({len(rounds)} rounds), status ok." in text
    assert f"Aborted: {CAP} uploads." in text  # bytes are not claimed for a run of several rounds
    assert "s3://" in text  # where the records are
