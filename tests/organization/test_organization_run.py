"""The organization mode end to end on the local multi-account AWS (local_harness/org_harness.py): the member
role from the synthesized member template, the hub's state machine from the synthesized hub template, run
by moto's Step Functions interpreter with the real functions in-process. Asserts per-target results and the
reliability drills' invariants in every account."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support.handler_env import fresh_powertools

from glacier_emulator import CONTROL
from glacier_emulator.handles import InProcessHandle
from local_harness import org_harness, org_scenario

pytestmark = pytest.mark.slow


class Run:
    def __init__(self, glacier: InProcessHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.glacier = glacier
        self.capsys = capsys
        self.org, self.seeded = org_scenario.build(glacier)
        templates = org_harness.synthesize(
            org_scenario.config_block(self.org, self.org.management_account), tmp_path / "cdk.out"
        )
        self.members = [a for n, a in self.org.accounts.items() if n != org_scenario.NO_ROLE]
        org_harness.deploy_member_roles(
            glacier,
            self.org,
            templates["GlacierCleanup-demo-member-role"],
            [self.org.management_account, *self.members],
        )
        self.hub = org_harness.deploy_hub(
            glacier,
            templates["GlacierCleanup-demo-hub"],
            account=self.org.management_account,
            region="us-east-1",
        )
        assert self.hub.observation_table is not None
        org_scenario.record_earlier_looks(glacier, self.org, self.seeded, self.hub.observation_table)
        # Whoever reads the run summaries: a queue subscribed to the hub's topic (as an e-mail would be)
        assert self.hub.summary_topic is not None
        self.sqs = glacier.aws_client("sqs")
        self.queue = self.sqs.create_queue(QueueName="org-summaries")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.queue, AttributeNames=["QueueArn"])["Attributes"]
        glacier.aws_client("sns").subscribe(
            TopicArn=self.hub.summary_topic, Protocol="sqs", Endpoint=arn["QueueArn"]
        )

    def summaries(self) -> list[dict[str, Any]]:
        """The run summaries delivered since the last call: subject and text."""
        delivered = self.sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10).get("Messages", [])
        for message in delivered:
            self.sqs.delete_message(QueueUrl=self.queue, ReceiptHandle=message["ReceiptHandle"])
        return [json.loads(message["Body"]) for message in delivered]

    def execute(self, execution_input: dict[str, Any]) -> dict[str, Any]:
        with fresh_powertools():
            document = org_harness.run_execution(self.glacier, self.hub, execution_input)
        self.capsys.readouterr()  # the functions' log lines
        return document

    def by_target(self, document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
        names = {account: name for name, account in self.org.accounts.items()}
        names[self.org.management_account] = "management"
        return {(names[row["account"]], row["region"]): row for row in document["results"]}


@pytest.fixture
def run(glacier_in_process: InProcessHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    return Run(glacier_in_process, tmp_path, capsys)


def aborted() -> set[tuple[str, str, str]]:
    return {(a["account"], a["region"], a["upload_id"]) for a in CONTROL.aborts()}


def test_dry_run_then_run_then_nothing_left_across_the_organization(run: Run) -> None:
    org, seeded = run.org, run.seeded

    dry = run.execute({"dry_run": True})
    assert aborted() == set()
    assert dry["uploads_stale"] == 614
    [dry_summary] = run.summaries()
    assert (
        "Dry run: 614 stale uploads would have been aborted; nothing was aborted." in dry_summary["Message"]
    )
    assert dry["targets"] == dry["targets_planned"] == 12  # 5 accounts + management (delta excluded) x 2

    real = run.execute({})
    rows = run.by_target(real)
    assert {key: row["status"] for key, row in rows.items()} == {
        **{
            (name, region): "ok"
            for name in ("alpha", "epsilon", "zeta", "management")
            for region in org_scenario.REGIONS
        },
        **{("beta", region): "no_access" for region in org_scenario.REGIONS},
        **{("gamma", region): "glacier_unavailable" for region in org_scenario.REGIONS},
    }
    assert not [key for key in rows if key[0] == org_scenario.EXCLUDED]
    assert (
        rows[("alpha", "us-east-1")]["uploads_aborted"],
        rows[("alpha", "eu-west-1")]["uploads_aborted"],
    ) == (6, 4)
    backlog = rows[("epsilon", "us-east-1")]
    # Several rounds of a 0.2 s budget, finished within the same execution, counted over every round.
    assert backlog["rounds"] > 1
    assert (backlog["uploads_aborted"], backlog["uploads_stale"]) == (600, 600)
    assert real["uploads_aborted"] == 614
    assert real["statuses"] == {"glacier_unavailable": 2, "no_access": 2, "ok": 8}
    assert [(a["status"], a["account"]) for a in real["needs_attention"]] == [
        ("no_access", org.accounts["beta"])
    ] * 2
    # One message for the organization run: its totals, and the targets that need attention by name
    [summary] = run.summaries()
    assert summary["Subject"].startswith("Glacier cleanup organization demo: 614 aborted")
    assert "Aborted: 614 uploads." in summary["Message"]
    assert f"{org.accounts['beta']} us-east-1: no_access" in summary["Message"]

    # Invariants in every account: no young or protected upload aborted, the stale ones of the cleaned
    # accounts gone, the excluded, roleless and unavailable accounts untouched, and counts that reconcile.
    done = aborted()
    assert not done & seeded.kept
    cleaned = {org.accounts[n] for n in ("alpha", "epsilon", "zeta")}
    assert done == {upload for upload in seeded.stale if upload[0] in cleaned}
    # The activity check kept the old upload that received a part since the earlier look, and recorded the
    # one never looked at (the dry run); the run right after found both unchanged for minutes: kept.
    dry_rows = run.by_target(dry)
    alpha_east = dry_rows[("alpha", "us-east-1")]
    assert (alpha_east["uploads_active"], alpha_east["uploads_first_seen"]) == (1, 1)
    assert (dry["uploads_active"], dry["uploads_first_seen"], dry["uploads_waiting"]) == (1, 1, 0)
    assert (real["uploads_active"], real["uploads_first_seen"], real["uploads_waiting"]) == (0, 0, 2)
    for name in (org_scenario.NO_ROLE, org_scenario.EXCLUDED):
        assert CONTROL.stats(account_id=org.accounts[name])["operations"].get("AbortMultipartUpload") is None
    assert CONTROL.stats()["operations"]["AbortMultipartUpload"]["ok"] == real["uploads_aborted"]
    assert uploads_left(run, cleaned) == {u for u in seeded.kept if u[0] in cleaned}

    again = run.execute({})
    assert (again["uploads_stale"], again["uploads_aborted"]) == (0, 0)
    assert aborted() == done
    # The scope holds for a target event sent straight to the hub's function too (docs/organization.md).
    refused_straight_to_the_hub(run, again["run_id"])


def uploads_left(run: Run, accounts: set[str]) -> set[tuple[str, str, str]]:
    """(account, region, upload id) still in progress in these accounts, read through the Glacier API."""
    left = set()
    for account in accounts:
        keys = run.org.credentials(run.glacier, account)
        for region in org_scenario.REGIONS:
            client = run.glacier.in_region(region).client(keys)
            for page in client.get_paginator("list_vaults").paginate():
                for vault in page["VaultList"]:
                    listing = client.get_paginator("list_multipart_uploads").paginate(
                        vaultName=vault["VaultName"]
                    )
                    left |= {
                        (account, region, upload["MultipartUploadId"])
                        for uploads in listing
                        for upload in uploads["UploadsList"]
                    }
    return left


def test_an_on_demand_run_narrowed_to_one_account_and_region(run: Run) -> None:
    alpha = run.org.accounts["alpha"]

    document = run.execute({"dry_run": False, "accounts": [alpha], "regions": ["eu-west-1"]})

    assert [(row["account"], row["region"], row["uploads_aborted"]) for row in document["results"]] == [
        (alpha, "eu-west-1", 4)
    ]
    assert {(a[0], a[1]) for a in aborted()} == {(alpha, "eu-west-1")}


@pytest.mark.parametrize(
    ("execution_input", "message"),
    [
        ({"accounts": ["999999999999"]}, "accounts: 999999999999 not an ACTIVE, not excluded account"),
        ({"regions": ["ap-south-1"]}, "regions: ap-south-1 not among the configured regions"),
        ({"dry_run": "no"}, "dry_run"),
        ({"colour": "blue"}, "colour: unknown key"),
    ],
)
def test_bad_input_fails_the_execution_naming_the_field_and_aborts_nothing(
    run: Run, execution_input: dict[str, Any], message: str
) -> None:
    with pytest.raises(RuntimeError, match=message):
        run.execute(execution_input)
    assert aborted() == set()


def test_the_excluded_account_is_excluded_even_when_named(
    run: Run, glacier_in_process: InProcessHandle
) -> None:
    delta = run.org.accounts[org_scenario.EXCLUDED]
    with pytest.raises(RuntimeError, match=f"accounts: {delta}"):
        run.execute({"accounts": [delta]})
    assert CONTROL.stats(account_id=delta)["operations"].get("ListVaults") is None


def refused_straight_to_the_hub(run: Run, run_id: str) -> None:
    """Whoever may invoke the hub's function cannot reach a target the planner left out (an excluded
    account), nor invent a run: the function reads the run's planned targets and refuses, before any call."""
    lambdas = run.glacier.aws_client("lambda")
    [name] = [
        function["FunctionName"]
        for function in lambdas.list_functions()["Functions"]
        if function["Handler"] == "glacier_cleanup.handler.lambda_handler"
    ]
    delta = run.org.accounts[org_scenario.EXCLUDED]
    alpha = run.org.accounts["alpha"]
    before = aborted()
    cases = [
        ({"account": delta, "region": "us-east-1", "run_id": run_id}, "not among the targets"),
        ({"account": alpha, "region": "us-east-1", "run_id": "invented"}, "planned targets cannot be read"),
    ]
    for event, refusal in cases:
        with fresh_powertools():
            answer = lambdas.invoke(FunctionName=name, Payload=json.dumps(event))
        payload = answer["Payload"].read().decode()
        assert answer.get("FunctionError"), payload
        assert refusal in payload
    assert CONTROL.stats(account_id=delta)["operations"].get("ListVaults") is None
    assert aborted() == before
