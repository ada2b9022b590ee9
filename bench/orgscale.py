"""Organization scale: what one target costs the organization mode, what planning 1,000 accounts costs,
and the modelled wall time of a run over 1,000 accounts x 17 regions.

The steps are measured in this process on the in-process emulator (moto, no network latency), so the local
numbers are the client-side CPU cost of each step. The handler is also measured in its own process at the
shipped memory's Lambda CPU share (bench/lambda_share.py's cgroup), with its init and a cold first event: the
model uses those. AWS adds a network round trip per call; the model adds it explicitly (ROUND_TRIP_S, per
call) and names every other term, so a reader can redo it with their own figures.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import boto3
from moto import mock_aws

from glacier_emulator import CONTROL, install
from glacier_emulator.handles import EmulatorHandle, InProcessHandle
from glacier_emulator.organization import LocalOrganization, build_organization

ROLE = "GlacierCleanupMember"
MEMBER_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "glacier:ListVaults", "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": [
                    "glacier:AbortMultipartUpload",
                    "glacier:ListMultipartUploads",
                    "glacier:ListParts",
                ],
                "Resource": "arn:aws:glacier:*:*:vaults/*",
            },
        ],
    }
)
# The model's assumptions (AWS, same region): an API round trip, the Lambda Invoke overhead of a warm function
# and the Step Functions overhead per state transition. Conservative round numbers, not measured here.
ROUND_TRIP_S = 0.05
INVOKE_OVERHEAD_S = 0.03
TRANSITION_S = 0.05
TRANSITIONS_PER_TARGET = 4  # child start, Clean, MoreToDo, Done
CALLS_EMPTY_TARGET = 2  # AssumeRole, ListVaults (NoLongerSupported answers the same first call)


def _median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 2)


def _timed(repeat: int, action: Callable[[], Any]) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples


@contextmanager
def local_aws() -> Any:
    saved = dict(os.environ)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "CLEANUP_MEMBER_ROLE_NAME": ROLE,
            # Per-target costs of listing (the activity check's cost is bench/activity.py's).
            "CLEANUP_ACTIVITY_CHECK": "false",
        }
    )
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_GLACIER"):
        os.environ.pop(name, None)
    try:
        with mock_aws():
            install()
            CONTROL.reset()
            yield InProcessHandle("us-east-1")
    finally:
        os.environ.clear()
        os.environ.update(saved)


def member_accounts(handle: EmulatorHandle) -> LocalOrganization:
    """An organization with an empty member account and one Glacier answers NoLongerSupported, each with the
    member role and the member template's grants (the local AWS checks every call against them)."""
    org = build_organization(handle, {"members": ["empty", "gone"]})
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{org.management_account}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    for name in ("empty", "gone"):
        iam = handle.aws_client("iam", org.credentials(handle, org.accounts[name]))
        iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(trust))
        iam.put_role_policy(RoleName=ROLE, PolicyName="GlacierCleanup", PolicyDocument=MEMBER_POLICY)
    handle.configure(no_longer_supported_accounts=[org.accounts["gone"]])
    return org


def per_target_at_share(memory_mb: int, repeat: int = 20) -> dict[str, Any]:
    """One target event by the handler in its own process at `memory_mb`'s Lambda CPU share (the emulator
    server outside it): its init, its first (cold) event and warm events. The handler's own time at the
    share is its CPU time over the share: the emulator's time stands in for AWS's, which the model counts as
    round trips instead."""
    from common import ONE_VCPU_MB  # noqa: PLC0415
    from lambda_share import cgroup_unavailable, cpu_share  # noqa: PLC0415
    from processes import HandlerWorker, emulator  # noqa: PLC0415

    unavailable = cgroup_unavailable()
    if unavailable:
        return {"memory_mb": memory_mb, "unavailable": unavailable}
    share = min(memory_mb, ONE_VCPU_MB) / ONE_VCPU_MB
    with emulator() as handle:
        endpoint = str(handle.endpoint_url)
        org = member_accounts(handle)
        settings = {"AWS_ENDPOINT_URL": endpoint, "CLEANUP_MEMBER_ROLE_NAME": ROLE}
        with (
            cpu_share(memory_mb) as group,
            HandlerWorker(endpoint, 16, cgroup=group, memory_mb=memory_mb, **settings) as worker,
        ):

            def event(name: str) -> dict[str, Any]:
                reply = worker.invoke(
                    {"account": org.accounts[name], "region": "eu-west-1", "run_id": "bench"}
                )
                assert reply["result"]["status"] in {"ok", "glacier_unavailable"}, reply
                return reply

            first = event("empty")
            warm = [event("empty") for _ in range(repeat)]
            gone = [event("gone") for _ in range(repeat)]
            import_seconds = worker.ready["import_seconds"]

    def cpu_ms(replies: list[dict[str, Any]]) -> float:
        return round(statistics.median(reply["cpu_seconds"] for reply in replies) * 1000, 2)

    return {
        "memory_mb": memory_mb,
        "cpu_share": round(share, 3),
        "repeat": repeat,
        "import_at_share_s": round(import_seconds, 3),
        "first_event_cpu_ms": round(first["cpu_seconds"] * 1000, 2),
        "first_event_wall_ms": round(first["seconds"] * 1000, 2),
        "warm_empty_cpu_ms": cpu_ms(warm),
        "warm_no_longer_supported_cpu_ms": cpu_ms(gone),
        "warm_empty_wall_ms": round(statistics.median(reply["seconds"] for reply in warm) * 1000, 2),
        # What the model uses: the handler's own time at the share, per warm event and once per cold start.
        "handler_at_share_ms": round(cpu_ms(warm) / share, 2),
        "cold_start_at_share_s": round(import_seconds + first["cpu_seconds"] / share, 3),
    }


@contextmanager
def _function_output_discarded() -> Iterator[None]:
    """The handlers run in this process: their log lines and EMF metrics (stdout in Lambda) go to /dev/null,
    so their cost is still paid and `make bench`'s stdout stays one JSON document (as in bench/worker.py)."""
    from glacier_cleanup.observability import set_log_stream  # noqa: PLC0415 - after the environment is set

    stdout = sys.stdout
    with open(os.devnull, "w", encoding="utf-8") as devnull, contextlib.redirect_stdout(devnull):
        set_log_stream(devnull)
        try:
            yield
        finally:
            set_log_stream(stdout)


def per_target_costs(repeat: int = 30) -> dict[str, Any]:
    """The steps of one target event, each timed alone, and the whole handler on two kinds of account."""
    from glacier_cleanup.aws.glacier import GlacierAdapter, create_client, create_session  # noqa: PLC0415
    from glacier_cleanup.aws.roles import assume_member_role  # noqa: PLC0415
    from glacier_cleanup.core.engine import run_cleanup  # noqa: PLC0415 - after the environment is set
    from glacier_cleanup.core.models import CleanupPlan  # noqa: PLC0415
    from glacier_cleanup.handler import lambda_handler  # noqa: PLC0415
    from worker import FakeLambdaContext  # noqa: PLC0415

    with local_aws() as glacier:
        org = member_accounts(glacier)
        session = create_session(region="us-east-1")
        empty, gone = org.accounts["empty"], org.accounts["gone"]

        def assume() -> Any:
            return assume_member_role(session, account_id=empty, role_name=ROLE, session_name="bench")

        credentials = assume()

        def client() -> Any:
            return create_client(
                session=session,
                region="eu-west-1",
                credentials=credentials,
                max_attempts=10,
                retry_mode="standard",
                concurrency=16,
            )

        plan = CleanupPlan(dry_run=False, older_than=__import__("datetime").timedelta(hours=168))

        def list_empty() -> Any:
            return run_cleanup(GlacierAdapter(client()), plan)

        def handler(account: str) -> Callable[[], Any]:
            event = {"account": account, "region": "eu-west-1", "run_id": "bench"}
            return lambda: lambda_handler(event, FakeLambdaContext())

        lambda_handler({"dry_run": True}, FakeLambdaContext())  # warm: settings, session, models
        steps = {
            "assume_role_ms": _median_ms(_timed(repeat, assume)),
            "client_for_region_ms": _median_ms(_timed(repeat, client)),
            "list_empty_account_ms": _median_ms(_timed(repeat, list_empty)),
            "handler_empty_account_ms": _median_ms(_timed(repeat, handler(empty))),
            "handler_no_longer_supported_ms": _median_ms(_timed(repeat, handler(gone))),
        }
    return {"repeat": repeat, "local_cpu": steps}


def planning(accounts: int = 1000, regions: int = 20) -> dict[str, Any]:
    """The planner over `accounts` accounts in nested OUs: Organizations paging and writing the items."""
    from glacier_cleanup import org_handler  # noqa: PLC0415
    from worker import FakeLambdaContext  # noqa: PLC0415

    region_names = sorted(boto3.session.Session().get_available_regions("glacier"))[:regions]
    with local_aws() as glacier:
        layout = {"a": [], "a/b": [], "c": []}
        for index in range(accounts):
            layout[("a", "a/b", "c")[index % 3]].append(f"acct-{index:04d}")
        built = time.perf_counter()
        org = build_organization(glacier, layout)
        build_seconds = time.perf_counter() - built
        boto3.client("s3").create_bucket(Bucket="bench-results")
        os.environ.update(
            {
                "CLEANUP_ORG_PARENT_IDS": org.root_id,
                "CLEANUP_ORG_REGIONS": ",".join(region_names),
                "CLEANUP_ORG_RESULTS_BUCKET": "bench-results",
            }
        )
        org_handler.get_settings.cache_clear()
        tracemalloc.start()
        started = time.perf_counter()
        answer = org_handler.plan_handler({"run_id": "bench", "request": {}}, FakeLambdaContext())
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        size = boto3.client("s3").head_object(Bucket="bench-results", Key=answer["key"])["ContentLength"]
        org_handler.get_settings.cache_clear()
    return {
        "accounts": answer["accounts"],
        "regions": len(answer["regions"]),
        "targets": answer["targets"],
        "organizations_pages_min": -(-accounts // 20) + 3,
        "seconds": round(seconds, 2),
        "peak_python_memory_mib": round(peak / 2**20, 2),
        "targets_file_kib": round(size / 1024, 1),
        "local_organization_built_seconds": round(build_seconds, 1),
    }


def model(
    costs: dict[str, Any], plan: dict[str, Any], *, accounts: int, regions: int, concurrency: int
) -> dict[str, Any]:
    """Modelled wall time of one run where (as usual) nearly every target has nothing to clean.

    The handler's time per target is its time at the shipped memory's CPU share where that was measured
    (`at_share`), else its time on a whole core; each of the C containers starts cold once."""
    at_share = costs.get("at_share", {})
    if "handler_at_share_ms" in at_share:
        handler_s = at_share["handler_at_share_ms"] / 1000
        cold_s = at_share["cold_start_at_share_s"]
        handler_source = f"at {at_share['memory_mb']} MB's CPU share ({at_share['cpu_share']} vCPU)"
    else:
        handler_s = costs["local_cpu"]["handler_empty_account_ms"] / 1000
        cold_s = 0.0
        handler_source = "on a whole core (no CPU quota could be set)"
    per_target = (
        handler_s
        + CALLS_EMPTY_TARGET * ROUND_TRIP_S
        + INVOKE_OVERHEAD_S
        + TRANSITIONS_PER_TARGET * TRANSITION_S
    )
    targets = accounts * regions
    waves = -(-targets // concurrency)
    planning_s = plan["seconds"] * (accounts / plan["accounts"]) + (-(-accounts // 20) + 3) * ROUND_TRIP_S
    total = planning_s + cold_s + waves * per_target
    sequential = cold_s + targets * (handler_s + CALLS_EMPTY_TARGET * ROUND_TRIP_S)
    return {
        "accounts": accounts,
        "regions": regions,
        "targets": targets,
        "map_concurrency": concurrency,
        "formula": (
            "T = T_plan + t_cold + ceil(targets / C) x t_target; t_target = t_handler + 2 x RTT (AssumeRole, "
            "ListVaults) + t_invoke + 4 x t_transition; sequential = t_cold + targets x (t_handler + 2 x RTT)"
        ),
        "assumptions_s": {
            "rtt": ROUND_TRIP_S,
            "t_invoke": INVOKE_OVERHEAD_S,
            "t_transition": TRANSITION_S,
        },
        "t_handler_s": round(handler_s, 4),
        "t_handler_source": handler_source,
        "t_cold_s": round(cold_s, 3),
        "t_target_s": round(per_target, 3),
        "t_plan_s": round(planning_s, 1),
        "modelled_seconds": round(total, 1),
        "sequential_seconds": round(sequential, 1),
        "speedup_over_sequential": round(sequential / total, 1),
        "bounds": (
            "C: the map's MaxConcurrency, which is also the function's reserved concurrency (raise "
            "max_concurrency, within the account's Lambda concurrency quota, 1,000 by default); Glacier's "
            "per-account-and-region rate limit binds only targets with a backlog (each target is its own "
            "account and region); Step Functions' per-transition latency adds a constant per target."
        ),
    }


def organization_scale(
    *, concurrency: int, accounts: int = 1000, regions: int = 17, memory_mb: int = 1024
) -> dict[str, Any]:
    started = datetime.now(UTC)
    with _function_output_discarded():
        costs = per_target_costs()
    costs["at_share"] = per_target_at_share(memory_mb)
    with _function_output_discarded():
        plan = planning(accounts=accounts, regions=20)
    return {
        "measured_at": started.isoformat(timespec="seconds"),
        "per_target": costs,
        "planning": plan,
        "model": model(costs, plan, accounts=accounts, regions=regions, concurrency=concurrency),
    }
