"""Adapter: who the credentials are, and where Glacier exists (STS, and the SDK's partition data)."""

from __future__ import annotations

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from glacier_cleanup.aws.deadline import attempt_timeouts
from glacier_cleanup.aws.glacier import ClientSetupError


def caller_identity(session: boto3.session.Session) -> tuple[str, str]:
    """(account id, ARN) of the credentials: STS GetCallerIdentity, which needs no permission."""
    try:
        identity = session.client("sts", config=attempt_timeouts()).get_caller_identity()
    except (BotoCoreError, ClientError) as exc:
        raise ClientSetupError(f"cannot identify the AWS credentials: {exc}") from exc
    return str(identity["Account"]), str(identity["Arn"])


def glacier_regions(session: boto3.session.Session) -> list[str]:
    """Every region where Glacier exists in the partition of the session's region (no network call)."""
    partition = "aws"
    if session.region_name:
        partition = session.get_partition_for_region(session.region_name)
    return sorted(session.get_available_regions("glacier", partition_name=partition))
