"""The boto3 adapter, with botocore's Stubber: paginators, parameters and error mapping."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import glacier_cleanup
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError, ProfileNotFound
from botocore.stub import Stubber
from glacier_cleanup.aws import glacier as glacier_module
from glacier_cleanup.aws.glacier import (
    ClientSetupError,
    GlacierAdapter,
    create_client,
    create_session,
    part_range_size,
    to_domain_error,
)
from glacier_cleanup.core.activity import Progress
from glacier_cleanup.core.models import (
    AccessDeniedError,
    GlacierError,
    GlacierUnavailableError,
    RegionNotEnabledError,
    ResourceGoneError,
    Upload,
)


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL_GLACIER", raising=False)
    return boto3.client("glacier", region_name="us-east-1")


@pytest.fixture
def stubber(client) -> Iterator[Stubber]:
    with Stubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()


def test_vault_pages_follow_the_marker(client, stubber: Stubber) -> None:
    stubber.add_response(
        "list_vaults",
        {"VaultList": [{"VaultName": "a"}, {"VaultName": "b"}], "Marker": "arn:vault/c"},
        {"accountId": "-"},
    )
    stubber.add_response(
        "list_vaults", {"VaultList": [{"VaultName": "c"}]}, {"accountId": "-", "marker": "arn:vault/c"}
    )

    assert list(GlacierAdapter(client).iter_vault_pages()) == [["a", "b"], ["c"]]


def test_upload_pages_ask_for_50_and_keep_the_raw_fields(client, stubber: Stubber) -> None:
    item = {
        "MultipartUploadId": "id-1",
        "CreationDate": "2012-03-19T23:20:59.130Z",
        "ArchiveDescription": "nightly",
        "PartSizeInBytes": 1048576,
        "VaultARN": "arn:aws:glacier:us-east-1:123456789012:vaults/v",
    }
    expected = {"accountId": "123456789012", "vaultName": "v", "limit": "50"}
    stubber.add_response("list_multipart_uploads", {"UploadsList": [item], "Marker": "m1"}, expected)
    stubber.add_response(
        "list_multipart_uploads",
        {"UploadsList": [{"MultipartUploadId": "id-2", "CreationDate": "2012-03-20T00:00:00.000Z"}]},
        {**expected, "marker": "m1"},
    )

    pages = list(GlacierAdapter(client, account_id="123456789012").iter_upload_pages("v"))

    assert pages == [
        [Upload("v", "id-1", "2012-03-19T23:20:59.130Z", "nightly")],
        [Upload("v", "id-2", "2012-03-20T00:00:00.000Z", None)],
    ]


def test_abort_sends_the_upload_id(client, stubber: Stubber) -> None:
    stubber.add_response(
        "abort_multipart_upload", {}, {"accountId": "-", "vaultName": "v", "uploadId": "id-1"}
    )

    GlacierAdapter(client).abort_upload("v", "id-1")

    stubber.assert_no_pending_responses()  # the call was made, with exactly these parameters


def test_upload_progress_counts_and_sums_every_parts_page(client, stubber: Stubber) -> None:
    base = {"accountId": "-", "vaultName": "v", "uploadId": "u", "limit": "50"}
    stubber.add_response(
        "list_parts",
        {"Parts": [{"RangeInBytes": "0-1048575"}, {"RangeInBytes": "1048576-2097151"}], "Marker": "p"},
        base,
    )
    stubber.add_response(
        "list_parts", {"Parts": [{"RangeInBytes": "2097152-2097651"}]}, {**base, "marker": "p"}
    )

    assert GlacierAdapter(client).upload_progress("v", "u") == Progress(3, 2 * 1048576 + 500)


@pytest.mark.parametrize(
    ("code", "status", "domain_error"),
    [
        ("ResourceNotFoundException", 404, ResourceGoneError),
        ("AccessDeniedException", 403, AccessDeniedError),
        ("NoLongerSupportedException", 400, GlacierUnavailableError),
        ("ThrottlingException", 400, GlacierError),
        ("ServiceUnavailableException", 500, GlacierError),
        ("UnrecognizedClientException", 403, RegionNotEnabledError),
    ],
)
def test_client_errors_become_domain_errors_chained_to_the_client_error(
    client, stubber: Stubber, code: str, status: int, domain_error: type[GlacierError]
) -> None:
    stubber.add_client_error("abort_multipart_upload", code, "the message", http_status_code=status)

    with pytest.raises(domain_error) as raised:
        GlacierAdapter(client).abort_upload("v", "u")

    assert type(raised.value) is domain_error
    assert raised.value.code == code
    assert str(raised.value) == f"{code}: the message"
    assert isinstance(raised.value.__cause__, ClientError)


def test_errors_while_paging_are_mapped_too(client, stubber: Stubber) -> None:
    stubber.add_response("list_multipart_uploads", {"UploadsList": [], "Marker": "m"})
    stubber.add_client_error("list_multipart_uploads", "ResourceNotFoundException", "vault deleted", 404)

    pages = GlacierAdapter(client).iter_upload_pages("v")
    assert next(pages) == []
    with pytest.raises(ResourceGoneError):
        next(pages)


def test_connection_errors_after_retries_become_glacier_errors() -> None:
    error = to_domain_error(EndpointConnectionError(endpoint_url="http://127.0.0.1:1"))

    assert type(error) is GlacierError
    assert error.code == "EndpointConnectionError"


def test_client_retry_and_pool_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")

    client = create_client(max_attempts=7, retry_mode="adaptive", concurrency=32, region="eu-west-1")

    assert client.meta.config.retries == {"total_max_attempts": 7, "mode": "adaptive"}
    assert client.meta.config.max_pool_connections == 33  # the workers and the vault lister
    # botocore's 60 s would let one hung attempt outlast the time margin (aws/deadline.py)
    assert (client.meta.config.connect_timeout, client.meta.config.read_timeout) == (5.0, 15.0)
    assert client.meta.region_name == "eu-west-1"
    small = create_client(
        max_attempts=1,
        retry_mode="standard",
        concurrency=4,
        region="eu-west-1",
        config_override=Config(read_timeout=3),
    )
    assert small.meta.config.max_pool_connections == 10  # never below botocore's default
    assert small.meta.config.read_timeout == 3


def test_endpoint_url_from_the_environment_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_ENDPOINT_URL_GLACIER", "http://127.0.0.1:4566")

    client = create_client(max_attempts=1, retry_mode="standard", concurrency=1, region="us-east-1")

    assert client.meta.endpoint_url == "http://127.0.0.1:4566"


def test_unknown_profile_is_a_setup_error() -> None:
    with pytest.raises(ClientSetupError, match="no-such-profile"):
        create_client(max_attempts=1, retry_mode="standard", concurrency=1, profile="no-such-profile")


@pytest.mark.parametrize(
    ("range_in_bytes", "size"), [("0-0", 1), ("0-1048575", 1048576), ("4194304-4194399", 96)]
)
def test_part_range_size(range_in_bytes: str, size: int) -> None:
    assert part_range_size(range_in_bytes) == size


def test_role_session_names_keep_to_sts_limits() -> None:
    from glacier_cleanup.aws.roles import session_name  # noqa: PLC0415

    assert session_name("glacier-cleanup", "run:2026/11 26", "r2") == "glacier-cleanup-run-2026-11-26-r2"
    long = session_name("glacier-cleanup", "x" * 100)
    assert len(long) == 64
    assert long.startswith("glacier-cleanup-xxx")
    assert session_name("", "a") == "a-"  # STS wants at least 2 characters


def test_pages_without_their_list_are_empty_pages(client, stubber: Stubber) -> None:
    stubber.add_response("list_vaults", {}, {"accountId": "-"})
    stubber.add_response("list_multipart_uploads", {}, {"accountId": "-", "vaultName": "v", "limit": "50"})
    stubber.add_response(
        "list_parts", {}, {"accountId": "-", "vaultName": "v", "uploadId": "u", "limit": "50"}
    )

    adapter = GlacierAdapter(client)
    assert list(adapter.iter_vault_pages()) == [[]]
    assert list(adapter.iter_upload_pages("v")) == [[]]
    assert adapter.upload_progress("v", "u") == Progress(0, 0)


def test_a_failed_parts_listing_is_mapped(client, stubber: Stubber) -> None:
    stubber.add_client_error("list_parts", "ResourceNotFoundException", "upload gone", 404)

    with pytest.raises(ResourceGoneError) as raised:
        GlacierAdapter(client).upload_progress("v", "u")

    assert str(raised.value) == "ResourceNotFoundException: upload gone"


def test_an_error_without_details_is_of_unknown_code() -> None:
    error = to_domain_error(ClientError({}, "AbortMultipartUpload"))

    assert (type(error), error.code, error.message, str(error)) == (GlacierError, "Unknown", "", "Unknown")


def test_a_connection_error_keeps_its_message() -> None:
    error = to_domain_error(EndpointConnectionError(endpoint_url="http://127.0.0.1:1"))

    assert (
        str(error) == 'EndpointConnectionError: Could not connect to the endpoint URL: "http://127.0.0.1:1"'
    )


def test_sessions_take_the_region_and_name_an_unknown_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    assert create_session(region="ap-south-1").region_name == "ap-south-1"

    def unknown_profile(**kwargs: object) -> None:
        raise ProfileNotFound(profile=kwargs["profile_name"])

    # (boto3 raises this lazily, when it first reads the profile; whether that is in the constructor depends
    # on the process's environment, so the constructor is made to raise here.)
    monkeypatch.setattr(glacier_module.boto3.session, "Session", unknown_profile)
    with pytest.raises(ClientSetupError) as raised:
        create_session(profile="no-such-profile")
    assert str(raised.value) == "The config profile (no-such-profile) could not be found"


def test_clients_say_who_they_are_and_are_paced_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    paced: list[object] = []
    monkeypatch.setattr(glacier_module, "pace", lambda client, pacer: paced.append(client))

    plain = create_client(max_attempts=1, retry_mode="standard", concurrency=1, region="us-east-1")
    assert paced == []
    assert plain.meta.config.user_agent_extra == f"glacier-multipart-cleanup/{glacier_cleanup.__version__}"
    with_pacer = create_client(
        max_attempts=1, retry_mode="standard", concurrency=1, region="us-east-1", pacing=True
    )
    assert paced == [with_pacer]


@pytest.mark.parametrize(("remaining", "attempts"), [(45.0, 3), (44.9, 1)])
def test_no_retry_starts_once_it_could_not_end_before_the_deadline(
    monkeypatch: pytest.MonkeyPatch, remaining: float, attempts: int
) -> None:
    """A retry needs its longest backoff, a whole attempt and the finishing reserve: 45 s."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setattr("botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, ctx: 0)
    client = create_client(
        max_attempts=3,
        retry_mode="standard",
        concurrency=1,
        region="eu-west-1",
        seconds_remaining=lambda: remaining,
    )
    sent: list[str] = []

    def unavailable(request: object, **_: object) -> object:
        sent.append("attempt")
        raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")

    client.meta.events.register_first("before-send.glacier", unavailable)

    with pytest.raises(EndpointConnectionError):
        client.list_vaults(accountId="-")
    assert len(sent) == attempts
