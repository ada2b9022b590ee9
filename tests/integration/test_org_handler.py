"""The organization state machine's planner and summary functions against the emulator's Organizations and
S3 (in-process): nested OUs, pages of 20 accounts, inactive and excluded accounts, result files in
Step Functions' ResultWriter format, the summary's metrics."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from glacier_cleanup import org_handler
from glacier_cleanup.inputs.events import InvalidEventError
from support.handler_env import FakeLambdaContext, emitted

from glacier_emulator.handles import InProcessHandle
from glacier_emulator.organization import build_organization

BUCKET = "results-bucket"


@pytest.fixture
def org_env(monkeypatch: pytest.MonkeyPatch, glacier_in_process: InProcessHandle) -> InProcessHandle:
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    monkeypatch.setenv("CLEANUP_ORG_RESULTS_BUCKET", BUCKET)
    monkeypatch.setenv("CLEANUP_ORG_NAME", "acme")
    org_handler.get_settings.cache_clear()
    yield glacier_in_process
    org_handler.get_settings.cache_clear()


DIMENSIONS = ("service", "target", "function_name", "Account", "Region")
PER_TARGET_METRICS = ("UploadsStale", "UploadsAborted", "AbortFailures", "TargetNeedsAttention")


def per_target_values(*, stale: int, aborted: int, failures: int, attention: int) -> dict[str, list[float]]:
    values = (stale, aborted, failures, attention)
    return {name: [float(value)] for name, value in zip(PER_TARGET_METRICS, values, strict=True)}


def read_json(key: str) -> Any:
    return json.loads(boto3.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read())


def test_the_planner_walks_nested_ous_pages_and_skips_inactive_and_excluded(
    org_env: InProcessHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = {
        "big": [f"big-{n:02d}" for n in range(25)],  # more than one page of 20
        "big/child": [f"child-{n}" for n in range(3)],
        "elsewhere": ["outside"],
    }
    org = build_organization(org_env, layout)
    closed = org.accounts["big-03"]
    boto3.client("organizations").close_account(AccountId=closed)
    excluded = org.accounts["child-1"]
    monkeypatch.setenv("CLEANUP_ORG_PARENT_IDS", org.ous["big"])
    monkeypatch.setenv("CLEANUP_ORG_REGIONS", "eu-west-1,us-east-1")
    monkeypatch.setenv("CLEANUP_ORG_EXCLUDE_ACCOUNTS", excluded)

    answer = org_handler.plan_handler(
        {"run_id": "run-1", "request": {"dry_run": True, "trigger": "schedule"}}, FakeLambdaContext()
    )

    expected = {a for n, a in org.accounts.items() if n.startswith(("big-", "child-"))} - {closed, excluded}
    items = read_json(answer["key"])
    assert answer["key"] == "runs/run-1/targets.json"
    assert {item["account"] for item in items} == expected  # 24 + 2: the child OU too, not "outside"
    assert len(items) == answer["targets"] == 2 * len(expected)
    assert {item["region"] for item in items} == {"eu-west-1", "us-east-1"}
    assert (answer["accounts"], answer["settings"]) == (26, {"dry_run": True})


def test_the_planner_with_all_regions_uses_the_sdks_list(
    org_env: InProcessHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = build_organization(org_env, {"one": ["solo"]})
    monkeypatch.setenv("CLEANUP_ORG_PARENT_IDS", org.ous["one"])
    monkeypatch.setenv("CLEANUP_ORG_REGIONS", "all")

    answer = org_handler.plan_handler({"run_id": "r", "request": {}}, FakeLambdaContext())

    regions = boto3.session.Session().get_available_regions("glacier")
    assert answer["regions"] == sorted(regions)
    assert answer["targets"] == len(regions) >= 20


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"run_id": "r", "request": {"accounts": ["1"]}}, "request.accounts.0"),
        ({"run_id": "r", "request": {"regions": []}}, "request.regions"),
        ({"run_id": "r", "request": {"max_aborts": -1}}, "request.max_aborts"),
        ({"request": {}}, "run_id"),
    ],
)
def test_a_bad_organization_run_names_the_field(
    org_env: InProcessHandle, monkeypatch: pytest.MonkeyPatch, event: dict[str, Any], message: str
) -> None:
    monkeypatch.setenv("CLEANUP_ORG_PARENT_IDS", "r-abcd")
    with pytest.raises(InvalidEventError, match=f"invalid organization run: .*{message}"):
        org_handler.plan_handler(event, FakeLambdaContext())


def child(output: dict[str, Any]) -> dict[str, Any]:
    return {"Status": "SUCCEEDED", "Input": json.dumps(output), "Output": json.dumps(output)}


def target_output(account: str, region: str, status: str, **counts: int) -> dict[str, Any]:
    return {"account": account, "region": region, "round": 1, "result": {"status": status, **counts}}


def test_the_summary_reads_the_result_files_writes_the_summary_and_publishes_metrics(
    org_env: InProcessHandle, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLEANUP_ORG_PARENT_IDS", "r-abcd")
    # Without Powertools' variables (the stack sets them) the per-target metrics keep the package's own names.
    monkeypatch.delenv("POWERTOOLS_METRICS_NAMESPACE", raising=False)
    monkeypatch.delenv("POWERTOOLS_SERVICE_NAME", raising=False)
    s3 = boto3.client("s3")
    succeeded = [
        child(target_output("111111111111", "eu-west-1", "ok", uploads_stale=3, uploads_aborted=3)),
        child(target_output("555555555555", "eu-west-1", "partial", uploads_stale=5, abort_failures=2)),
        child(target_output("555555555555", "us-east-1", "incomplete", uploads_stale=4, uploads_aborted=1)),
        child(target_output("666666666666", "eu-west-1", "vault_not_found")),
        child(target_output("111111111111", "us-east-1", "ok")),  # nothing happened: no per-target metric
        child(target_output("222222222222", "eu-west-1", "glacier_unavailable")),
        child(target_output("333333333333", "eu-west-1", "no_access")),
    ]
    failed = [
        {
            "Status": "FAILED",
            "Error": "Lambda.Unknown",
            "Cause": "boom",
            "Input": json.dumps({"account": "444444444444", "region": "eu-west-1", "round": 1}),
        }
    ]
    s3.put_object(Bucket=BUCKET, Key="results/m/SUCCEEDED_0.json", Body=json.dumps(succeeded))
    s3.put_object(Bucket=BUCKET, Key="results/m/FAILED_0.json", Body=json.dumps(failed))
    manifest = {
        "ResultFiles": {
            "SUCCEEDED": [{"Key": "results/m/SUCCEEDED_0.json"}],
            "FAILED": [{"Key": "results/m/FAILED_0.json"}],
            "PENDING": [],
        }
    }
    s3.put_object(Bucket=BUCKET, Key="results/m/manifest.json", Body=json.dumps(manifest))
    capsys.readouterr()

    answer = org_handler.summary_handler(
        {
            "run_id": "run-7",
            "targets_planned": 9,
            "results_bucket": BUCKET,
            "manifest_key": "results/m/manifest.json",
        },
        FakeLambdaContext(),
    )

    assert (answer["targets"], answer["targets_missing"], answer["uploads_aborted"]) == (8, 1, 4)
    assert answer["statuses"] == {
        "failed": 1,
        "glacier_unavailable": 1,
        "incomplete": 1,
        "no_access": 1,
        "ok": 2,
        "partial": 1,
        "vault_not_found": 1,
    }
    assert [(a["account"], a["region"], a["status"]) for a in answer["needs_attention"]] == [
        ("555555555555", "eu-west-1", "partial"),  # in the order the results were read
        ("555555555555", "us-east-1", "incomplete"),
        ("666666666666", "eu-west-1", "vault_not_found"),
        ("333333333333", "eu-west-1", "no_access"),
        ("444444444444", "eu-west-1", "failed"),
    ]
    summary = read_json("runs/run-7/summary.json")
    assert len(summary["results"]) == 8
    assert "results" not in answer  # the execution's output stays small
    metrics, lines = emitted(capsys.readouterr().out)
    totals = next(m for m in metrics if m.get("target") == "acme")
    # Failed: the failed child and the one planned target with no result at all.
    published = {name: totals[name] for name in totals if not name.startswith("_") and name not in DIMENSIONS}
    assert published == {
        "Targets": [8.0],
        "TargetsFailed": [2.0],
        "TargetsNoAccess": [1.0],
        "TargetsPartial": [1.0],
        "TargetsIncomplete": [1.0],
        "UploadsAborted": [4.0],
        "UploadsStale": [12.0],
        "AbortFailures": [2.0],
        "ActivityCheckFailures": [0.0],
        "OrganizationRuns": [1.0],
    }
    per_target = {
        (m["Account"], m["Region"]): {name: m[name] for name in PER_TARGET_METRICS}
        for m in metrics
        if "Account" in m
    }
    assert per_target == {
        # something happened
        ("111111111111", "eu-west-1"): per_target_values(stale=3, aborted=3, failures=0, attention=0),
        # needs attention: no access, the failed child, partial and incomplete
        ("333333333333", "eu-west-1"): per_target_values(stale=0, aborted=0, failures=0, attention=1),
        ("444444444444", "eu-west-1"): per_target_values(stale=0, aborted=0, failures=0, attention=1),
        ("555555555555", "eu-west-1"): per_target_values(stale=5, aborted=0, failures=2, attention=1),
        ("555555555555", "us-east-1"): per_target_values(stale=4, aborted=1, failures=0, attention=1),
        ("666666666666", "eu-west-1"): per_target_values(stale=0, aborted=0, failures=0, attention=1),
    }
    # Every blob: the stack's namespace, the service dimension, counts.
    for blob in metrics:
        [directive] = blob["_aws"]["CloudWatchMetrics"]
        assert (directive["Namespace"], blob["service"]) == (
            "GlacierMultipartCleanup",
            "glacier-multipart-cleanup",
        )
        assert {metric["Unit"] for metric in directive["Metrics"]} == {"Count"}
    finished = next(line for line in lines if line.get("message") == "organization run finished")
    assert finished["uploads_aborted"] == 4
