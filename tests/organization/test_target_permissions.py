"""A target stack's permissions, checked by use on the local AWS: the synthesized per-target template's
function, alias, observation table, roles and run state machine (the one the schedule starts), deployed
locally with local_harness/org_harness.deploy_hub; every call the function and the state machine make is
evaluated against the policies the template deploys (docs/permissions.md).
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
from local_harness import org_harness
from local_harness.org_scenario import _HandleSession

from .permissions_support import (
    Deployed,
    deployed_statements,
    refused_any,
    unused_grants,
    used_statements,
    without_statement,
)

pytestmark = pytest.mark.slow
ACCOUNT, REGION = "123456789012", "us-east-1"  # the emulator's own account: the tests' keys are its


class Target:
    def __init__(self, glacier: InProcessHandle, tmp_path: Path) -> None:
        self.glacier = glacier
        # summary_always: every run publishes its summary, also one with nothing left to do (the removal
        # test runs many), so the state machine's sns:Publish is used by each.
        target = {"name": "local", "account": ACCOUNT, "region": REGION, "dry_run": False}
        block = {"targets": [{**target, "summary_always": True}]}
        (template,) = org_harness.synthesize(block, tmp_path / "cdk.out").values()
        self.template = template
        self.stack = org_harness.deploy_hub(glacier, template, account=ACCOUNT, region=REGION)
        assert self.stack.observation_table is not None
        glacier.create_vault("backups")
        self.uploads = self.seed_idle_uploads()

    def seed_idle_uploads(self) -> list[str]:
        """Four old uploads, and the schedule's look of eight days ago at them: idle since, so stale."""
        glacier, table = self.glacier, self.stack.observation_table
        old = (datetime.now(UTC) - timedelta(days=30)).isoformat()
        uploads = glacier.seed("backups", 4, creation_date=old)
        store = DynamoObservationStore(_HandleSession(glacier), table)  # type: ignore[arg-type]
        then = datetime.now(UTC) - timedelta(hours=170)
        for upload_id in uploads:
            key = UploadKey(ACCOUNT, REGION, "backups", upload_id)
            store.put(
                key,
                Observation(Progress(0, 0), then, then),
                expires_at=then + retention(timedelta(hours=168)),
            )
        return uploads

    def run(self, execution_input: dict[str, Any]) -> dict[str, Any] | str:
        with fresh_powertools():
            try:
                return org_harness.run_execution(self.glacier, self.stack, execution_input)
            except RuntimeError as failed:
                return str(failed)

    def roles(self) -> Deployed:
        names = [
            r["RoleName"]
            for r in self.glacier.aws_client("iam").list_roles()["Roles"]
            if r["RoleName"].startswith("hub-") or r["RoleName"].startswith("GlacierCleanup-")
        ]
        return deployed_statements(self.glacier.aws_client("iam"), names)


@pytest.fixture
def target(glacier_in_process: InProcessHandle, tmp_path: Path) -> Target:
    return Target(glacier_in_process, tmp_path)


def _result(outcome: dict[str, Any] | str) -> dict[str, Any]:
    assert isinstance(outcome, dict), outcome
    result: dict[str, Any] = outcome["result"]
    return result


def test_the_scheduled_run_under_the_templates_roles_cleans_and_uses_every_grant(target: Target) -> None:
    result = _result(target.run({}))

    assert (result["status"], result["uploads_aborted"]) == ("ok", 4)
    ledger = target.glacier.iam_ledger()
    assert ledger["denials"] == []
    actions = {use["action"] for use in ledger["used"]}
    assert {"glacier:AbortMultipartUpload", "dynamodb:GetItem", "lambda:InvokeFunction"} <= actions
    assert unused_grants(target.roles(), ledger) == []


def test_each_used_statement_removed_in_turn_fails_the_run_naming_its_action(target: Target) -> None:
    iam = target.glacier.aws_client("iam")
    checked = []
    for role, policy, sid, statement in used_statements(target.roles()):
        denied_before = len(target.glacier.iam_ledger()["denials"])
        # Stale uploads for every run: a statement removed earlier may have failed a run after its aborts.
        target.seed_idle_uploads()
        with without_statement(iam, role, policy, sid):
            outcome = target.run({})
        denials = target.glacier.iam_ledger()["denials"][denied_before:]
        assert refused_any(statement, role, denials), f"{role} {policy} {sid}: nothing was refused without it"
        # A run fails, or (the decision records' statement) says in its result what it could not write:
        # a records bucket that refuses the write changes nothing the run did (docs/records.md).
        failed = (
            isinstance(outcome, str)
            or _result(outcome)["status"] != "ok"
            or "AccessDenied" in str(_result(outcome).get("records", {}).get("error", ""))
        )
        assert failed, f"{role} {policy} {sid}: the run succeeded without it ({json.dumps(outcome)[:300]})"
        checked.append(f"{role}/{sid}")
    # The function's Glacier and table statements, and the state machine's Lambda one.
    assert len(checked) >= 3, checked
