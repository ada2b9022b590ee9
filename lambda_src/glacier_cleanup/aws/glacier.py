"""The Glacier adapter: the only module that talks to boto3/botocore.

Every call goes through boto3 paginators and botocore's own retry modes (standard/adaptive), so throttling
and 5xx answers are retried with backoff by botocore, not by hand-written loops. What still fails after the
retries leaves this module as a domain exception from glacier_cleanup.core.models, chained to the ClientError.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from glacier_cleanup import __version__
from glacier_cleanup.aws.deadline import (
    CONNECT_SECONDS,
    READ_SECONDS,
    RETRY_CUTOFF_SECONDS,
    attempt_timeouts,
    stop_retries_near_deadline,
)
from glacier_cleanup.aws.pacing import Pacer
from glacier_cleanup.core.activity import Progress
from glacier_cleanup.core.models import (
    AccessDeniedError,
    GlacierError,
    GlacierUnavailableError,
    RegionNotEnabledError,
    ResourceGoneError,
    Upload,
)
from glacier_cleanup.inputs.limits import RetryMode

if TYPE_CHECKING:
    from mypy_boto3_glacier import GlacierClient

    from glacier_cleanup.aws.roles import TemporaryCredentials

# Glacier's maximum (and default) page size for ListMultipartUploads and ListParts.
# In every call's User-Agent header, so an account's CloudTrail tells this tool's calls (and version) apart.
USER_AGENT = f"glacier-multipart-cleanup/{__version__}"
UPLOADS_PAGE_SIZE = 50
PARTS_PAGE_SIZE = 50

# moto answers a missing vault with VaultNotFound/400 where Glacier says ResourceNotFoundException/404.
_GONE_CODES = frozenset({"ResourceNotFoundException", "VaultNotFound"})
_DENIED_CODES = frozenset({"AccessDeniedException", "AccessDenied"})
_UNAVAILABLE_CODES = frozenset({"NoLongerSupportedException"})
# What AWS answers with valid credentials in an opt-in region the account has not enabled.
_REGION_NOT_ENABLED_CODES = frozenset(
    {"UnrecognizedClientException", "InvalidClientTokenId", "AuthFailure", "OptInRequired"}
)


# What the entry points keep between calls; they name it through this alias, never through boto3.
AwsSession = boto3.session.Session


class ClientSetupError(ValueError):
    """The Glacier client cannot be built from the given configuration (profile, region)."""


def client_config(*, max_attempts: int, retry_mode: RetryMode, concurrency: int) -> Config:
    """botocore settings for a client shared by `concurrency` threads."""
    return Config(
        retries={"total_max_attempts": max_attempts, "mode": retry_mode},
        # urllib3's pool defaults to 10: more threads than that would silently queue behind each other.
        # +1: the dispatching thread pages through ListVaults while `concurrency` workers call Glacier.
        max_pool_connections=max(concurrency + 1, 10),
        user_agent_extra=USER_AGENT,
    ).merge(attempt_timeouts())


def sdk_description(*, max_attempts: int, retry_mode: RetryMode) -> dict[str, Any]:
    """The SDK this process runs and the retry configuration its clients get. In AWS, the stack's SDK layer's
    (the version tested here): the function logs this once per cold start and every result carries it."""
    return {
        "boto3": boto3.__version__,
        "botocore": botocore.__version__,
        "retry_mode": retry_mode,
        "max_attempts": max_attempts,
        "connect_timeout_s": CONNECT_SECONDS,
        "read_timeout_s": READ_SECONDS,
        "no_retry_below_s": RETRY_CUTOFF_SECONDS,
    }


def create_session(*, region: str | None = None, profile: str | None = None) -> AwsSession:
    """A boto3 session on the normal credential chain; build clients from it with `create_client`."""
    try:
        return boto3.session.Session(profile_name=profile, region_name=region)
    except BotoCoreError as exc:  # unknown profile, ...
        raise ClientSetupError(str(exc)) from exc


# botocore's ThrottlingErrorDetector codes that Glacier can answer.
_THROTTLING_CODES = frozenset(
    {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"}
)


def pace(client: GlacierClient, pacer: Pacer) -> None:
    """Make every attempt of `client` wait for `pacer`, and tell it how each attempt ended."""

    def before_send(**_: object) -> None:
        pacer.before_send()

    def attempt_ended(response: tuple[Any, dict[str, Any]] | None = None, **_: object) -> None:
        # botocore asks whether to retry after every attempt, answered or not. An attempt without an answer
        # (a connection lost or refused, a timeout) must free its request too: counted in flight for good,
        # such attempts would hold the slow start's window shut and every thread waiting on it.
        if response is None:
            pacer.after_no_answer()
            return
        code = ((response[1] or {}).get("Error") or {}).get("Code")
        pacer.after_response(throttled=code in _THROTTLING_CODES)

    # First: an in-process stub (moto) answers in before-send too, and must see the paced request.
    client.meta.events.register_first("before-send.glacier", before_send)
    client.meta.events.register_first("needs-retry.glacier", attempt_ended)


def create_client(
    *,
    max_attempts: int,
    retry_mode: RetryMode,
    concurrency: int,
    pacing: bool = False,
    max_requests_per_second: float | None = None,
    region: str | None = None,
    profile: str | None = None,
    session: boto3.session.Session | None = None,
    credentials: TemporaryCredentials | None = None,
    config_override: Config | None = None,
    seconds_remaining: Callable[[], float] | None = None,
) -> GlacierClient:
    """A Glacier client from the normal credential chain (boto3 itself honours AWS_ENDPOINT_URL_GLACIER).

    With `session`, the client reuses that session's credentials and loaded service models (~3 ms instead
    of ~60 ms for a new session); `region` and `profile` apply only without it.
    `credentials` (an assumed member role's) replace the session's own.
    `config_override` is merged last (tests use it, e.g. to shorten timeouts).
    `seconds_remaining` (a Lambda run's): no retry starts that could outlast the deadline (aws/deadline.py).
    `pacing` paces once throttled; `max_requests_per_second` also paces, from the first request, never faster.
    """
    config = client_config(max_attempts=max_attempts, retry_mode=retry_mode, concurrency=concurrency)
    if config_override is not None:
        config = config.merge(config_override)
    if session is None:
        session = create_session(region=region, profile=profile)
    keys: dict[str, Any] = {}
    if credentials is not None:
        keys = {
            "aws_access_key_id": credentials.access_key_id,
            "aws_secret_access_key": credentials.secret_access_key,
            "aws_session_token": credentials.session_token,
        }
    try:
        # `region` picks the client's region even on a given session (one session, many regions).
        client = session.client("glacier", config=config, region_name=region, **keys)
    except BotoCoreError as exc:  # no region, ...
        raise ClientSetupError(str(exc)) from exc
    if pacing or max_requests_per_second is not None:
        pace(client, Pacer(max_rate=max_requests_per_second))
    if seconds_remaining is not None:
        stop_retries_near_deadline(client.meta.events, "glacier", seconds_remaining)
    return client


def to_domain_error(exc: ClientError | BotoCoreError) -> GlacierError:
    """Map a botocore exception onto the domain's exceptions."""
    if isinstance(exc, BotoCoreError):
        # Connection and timeout errors that survived the retries.
        return GlacierError(type(exc).__name__, str(exc))
    error = exc.response.get("Error", {})
    code = str(error.get("Code") or "Unknown")
    message = str(error.get("Message") or "")
    if code in _GONE_CODES:
        return ResourceGoneError(code, message)
    if code in _DENIED_CODES:
        return AccessDeniedError(code, message)
    if code in _UNAVAILABLE_CODES:
        return GlacierUnavailableError(code, message)
    if code in _REGION_NOT_ENABLED_CODES:
        return RegionNotEnabledError(code, message)
    return GlacierError(code, message)


def part_range_size(range_in_bytes: str) -> int:
    """Size of a part from its RangeInBytes, e.g. "0-1048575" -> 1048576."""
    first, _, last = range_in_bytes.partition("-")
    return int(last) - int(first) + 1


class GlacierAdapter:
    """The engine's GlacierPort on one boto3 Glacier client (boto3 clients are safe to share by threads)."""

    def __init__(self, client: GlacierClient, *, account_id: str = "-") -> None:
        self._client = client
        self._account_id = account_id

    def iter_vault_pages(self) -> Iterator[list[str]]:
        pages = self._client.get_paginator("list_vaults").paginate(accountId=self._account_id)
        try:
            for page in pages:
                yield [vault["VaultName"] for vault in page.get("VaultList", []) if "VaultName" in vault]
        except (ClientError, BotoCoreError) as exc:
            raise to_domain_error(exc) from exc

    def iter_upload_pages(self, vault: str) -> Iterator[list[Upload]]:
        pages = self._client.get_paginator("list_multipart_uploads").paginate(
            accountId=self._account_id,
            vaultName=vault,
            PaginationConfig={"PageSize": UPLOADS_PAGE_SIZE},
        )
        try:
            for page in pages:
                yield [
                    Upload(
                        vault=vault,
                        upload_id=item["MultipartUploadId"],
                        creation_date=item.get("CreationDate"),
                        archive_description=item.get("ArchiveDescription"),
                    )
                    for item in page.get("UploadsList", [])
                    if "MultipartUploadId" in item
                ]
        except (ClientError, BotoCoreError) as exc:
            raise to_domain_error(exc) from exc

    def abort_upload(self, vault: str, upload_id: str) -> None:
        try:
            self._client.abort_multipart_upload(
                accountId=self._account_id, vaultName=vault, uploadId=upload_id
            )
        except (ClientError, BotoCoreError) as exc:
            raise to_domain_error(exc) from exc

    def upload_progress(self, vault: str, upload_id: str) -> Progress:
        pages = self._client.get_paginator("list_parts").paginate(
            accountId=self._account_id,
            vaultName=vault,
            uploadId=upload_id,
            PaginationConfig={"PageSize": PARTS_PAGE_SIZE},
        )
        sizes: list[int] = []
        as_of = None
        try:
            for page in pages:
                sizes.extend(
                    part_range_size(part["RangeInBytes"])
                    for part in page.get("Parts", [])
                    if "RangeInBytes" in part
                )
                as_of = service_time(page) or as_of
        except (ClientError, BotoCoreError) as exc:
            raise to_domain_error(exc) from exc
        return Progress(parts=len(sizes), bytes=sum(sizes), as_of=as_of)


def service_time(answer: Mapping[str, Any]) -> datetime | None:
    """When Glacier answered, by its own clock (the HTTP `Date` header), or None when absent or unreadable.

    The activity check dates its looks with it, so that no caller's clock can move a look
    (core/activity.py)."""
    headers = (answer.get("ResponseMetadata") or {}).get("HTTPHeaders") or {}
    raw = headers.get("date")
    if not isinstance(raw, str):
        return None
    try:
        moment = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else None
