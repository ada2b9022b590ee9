"""Handlers that the emulator's in-process Lambda runs in tests (importable by the server process too)."""

from __future__ import annotations

import os
import time
from typing import Any

import boto3


def member_vaults(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Assume the member role named by the event with the function's own credentials; list its vaults."""
    sts = boto3.client("sts")
    caller = sts.get_caller_identity()["Arn"]
    keys = sts.assume_role(RoleArn=event["role_arn"], RoleSessionName="member-vaults")["Credentials"]
    glacier = boto3.client(
        "glacier",
        region_name=event["region"],
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys["SessionToken"],
    )
    vaults = [vault["VaultName"] for vault in glacier.list_vaults()["VaultList"]]
    return {
        "caller": caller,
        "vaults": vaults,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "setting": os.environ.get("EXAMPLE_SETTING"),
    }


def fail(event: dict[str, Any], context: Any) -> dict[str, Any]:
    raise ValueError(f"bad event: {sorted(event)}")


def sleep(event: dict[str, Any], context: Any) -> dict[str, Any]:
    time.sleep(float(event["seconds"]))
    return {"slept": event["seconds"]}


def count_down(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """One round of work: ``left`` shrinks by one per invocation, like a run continued until complete."""
    left = int(event["left"]) - 1
    return {"target": event["target"], "left": left, "complete": left <= 0}


def glacier_calls(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """``calls`` ListVaults requests with the function's own credentials, then sleep ``sleep`` seconds; the
    time left before and after (a GlacierCallClock counts only the calls)."""
    before = context.get_remaining_time_in_millis()
    glacier = boto3.client("glacier")
    for _ in range(int(event["calls"])):
        glacier.list_vaults()
    time.sleep(float(event.get("sleep", 0)))
    return {"before_ms": before, "after_ms": context.get_remaining_time_in_millis()}
