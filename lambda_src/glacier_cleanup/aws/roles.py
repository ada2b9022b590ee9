"""Adapter: into a member account by STS AssumeRole (the organization mode, and `glacier-cleanup --account`).

The only other module that imports boto3 besides glacier.py and aws_account.py. A role that is missing or
does not trust the caller (the StackSet has not reached that account yet) is `NoAccessError`, a result the
caller reports, never a crash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3
import botocore.session
from botocore.credentials import RefreshableCredentials
from botocore.exceptions import BotoCoreError, ClientError

from glacier_cleanup.aws.deadline import attempt_timeouts
from glacier_cleanup.core.models import NoAccessError

# AssumeRole's limits: session names of 2-64 of these characters; 900 s is the shortest session.
_SESSION_NAME_FORBIDDEN = re.compile(r"[^\w+=,.@-]")
MAX_SESSION_NAME = 64
MIN_SESSION_SECONDS = 900


@dataclass(frozen=True, slots=True, repr=False)
class TemporaryCredentials:
    access_key_id: str
    secret_access_key: str
    session_token: str


def session_name(*parts: str) -> str:
    """A RoleSessionName from the run's identifiers (CloudTrail in the member account shows it)."""
    name = _SESSION_NAME_FORBIDDEN.sub("-", "-".join(part for part in parts if part))
    return name[:MAX_SESSION_NAME].ljust(2, "-")


def role_arn(session: boto3.session.Session, *, account_id: str, role_name: str) -> str:
    partition = session.get_partition_for_region(session.region_name) if session.region_name else "aws"
    return f"arn:{partition}:iam::{account_id}:role/{role_name}"


def assume_member_role(
    session: boto3.session.Session,
    *,
    account_id: str,
    role_name: str,
    session_name: str,
    duration_seconds: int = MIN_SESSION_SECONDS,
) -> TemporaryCredentials:
    """Short-lived credentials of `role_name` in `account_id`, from the session's own credentials."""
    keys = _assume(session, account_id, role_name, session_name, duration_seconds)
    return TemporaryCredentials(keys["AccessKeyId"], keys["SecretAccessKey"], keys["SessionToken"])


class _RoleCredentials(RefreshableCredentials):
    """Renewed a few minutes before they expire. botocore's own margins (15 and 10 minutes) would renew
    AssumeRole's shortest sessions (15 minutes, what an operator's role may be limited to) at every call."""

    _advisory_refresh_timeout = 5 * 60
    _mandatory_refresh_timeout = 2 * 60


def refreshing_session(
    session: boto3.session.Session, *, account_id: str, role_name: str, session_name: str
) -> boto3.session.Session:
    """A session on `role_name` in `account_id` whose credentials renew themselves (AssumeRole again, from
    `session`'s credentials) before they expire, so that a terminal run of any length keeps its access.
    Raises NoAccessError at once when the role cannot be assumed."""

    def fetch() -> dict[str, str]:
        keys = _assume(session, account_id, role_name, session_name, MIN_SESSION_SECONDS)
        expiry = keys["Expiration"]
        return {
            "access_key": keys["AccessKeyId"],
            "secret_key": keys["SecretAccessKey"],
            "token": keys["SessionToken"],
            "expiry_time": expiry.isoformat() if isinstance(expiry, datetime) else str(expiry),
        }

    credentials = _RoleCredentials.create_from_metadata(
        metadata=fetch(), refresh_using=fetch, method="sts-assume-role"
    )
    core = botocore.session.Session()
    # botocore has no public setter for refreshable credentials: the way its own providers install them.
    core._credentials = credentials  # type: ignore[attr-defined]
    return boto3.session.Session(botocore_session=core, region_name=session.region_name)


def _assume(
    session: boto3.session.Session, account_id: str, role_name: str, session_name: str, duration_seconds: int
) -> Any:
    arn = role_arn(session, account_id=account_id, role_name=role_name)
    try:
        answer = session.client("sts", config=attempt_timeouts()).assume_role(
            RoleArn=arn,
            RoleSessionName=session_name,
            DurationSeconds=max(MIN_SESSION_SECONDS, duration_seconds),
        )
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise NoAccessError(
            account_id,
            str(error.get("Code") or "Unknown"),
            f"cannot assume {arn}: {error.get('Message', '')}",
        ) from exc
    except BotoCoreError as exc:
        raise NoAccessError(account_id, type(exc).__name__, f"cannot assume {arn}: {exc}") from exc
    return answer["Credentials"]


def session_with(credentials: TemporaryCredentials, *, region: str | None) -> boto3.session.Session:
    """A boto3 session on the assumed credentials (the CLI's way; Lambda builds clients directly)."""
    return boto3.session.Session(
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
        region_name=region,
    )
