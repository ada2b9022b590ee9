"""Fault and latency injection: every Glacier operation, never the /_emulator/ control surface."""

from __future__ import annotations

import time
import urllib.error
from typing import Any

import pytest
from botocore.exceptions import ClientError

from glacier_emulator.handles import EmulatorHandle

from .helpers import OLD, error_code


def outcomes(client: Any, count: int) -> list[str]:
    result = []
    for _ in range(count):
        try:
            client.list_vaults()
            result.append("ok")
        except ClientError as error:
            result.append(error_code(error))
    return result


def test_throttling_is_400_rate_exceeded(glacier: EmulatorHandle, client: Any) -> None:
    glacier.configure(throttle_rate=1.0)
    with pytest.raises(ClientError) as caught:
        client.list_vaults()
    response = caught.value.response
    assert (error_code(caught.value), response["Error"]["Message"]) == (
        "ThrottlingException",
        "Rate exceeded",
    )
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_error_rate_is_500_service_unavailable(glacier: EmulatorHandle, client: Any) -> None:
    glacier.configure(error_rate=1.0)
    with pytest.raises(client.exceptions.ServiceUnavailableException) as caught:
        client.list_multipart_uploads(vaultName="any")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_denied_vault_is_403_access_denied_for_that_vault_only(glacier: EmulatorHandle, client: Any) -> None:
    glacier.seed("secret", 1, creation_date=OLD)
    glacier.seed("open", 1, creation_date=OLD)
    glacier.configure(deny_vaults=["secret", "other"])
    for call in (
        lambda: client.list_multipart_uploads(vaultName="secret"),
        lambda: client.abort_multipart_upload(vaultName="secret", uploadId="x"),
        lambda: client.describe_vault(vaultName="secret"),
    ):
        with pytest.raises(ClientError) as caught:
            call()
        assert error_code(caught.value) == "AccessDeniedException"
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert len(client.list_multipart_uploads(vaultName="open")["UploadsList"]) == 1
    assert len(client.list_vaults()["VaultList"]) == 2


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.list_vaults(),
        lambda c: c.create_vault(vaultName="v"),
        lambda c: c.list_multipart_uploads(vaultName="v"),
        lambda c: c.abort_multipart_upload(vaultName="v", uploadId="u"),
    ],
    ids=["ListVaults", "CreateVault", "ListMultipartUploads", "AbortMultipartUpload"],
)
def test_no_longer_supported_answers_every_call(glacier: EmulatorHandle, client: Any, call: Any) -> None:
    glacier.configure(no_longer_supported=True)
    with pytest.raises(client.exceptions.NoLongerSupportedException) as caught:
        call(client)
    assert caught.value.response["Error"]["Message"] == "This API is no longer supported for new accounts."
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_fault_rate_within_tolerance_and_counted(glacier: EmulatorHandle, client: Any) -> None:
    glacier.configure(seed=1234, throttle_rate=0.2)
    results = outcomes(client, 400)
    throttled = results.count("ThrottlingException")
    assert 60 <= throttled <= 100
    assert results.count("ok") == 400 - throttled
    assert glacier.stats()["operations"]["ListVaults"] == {
        "total": 400,
        "ok": 400 - throttled,
        "ThrottlingException": throttled,
    }


def test_same_seed_gives_the_same_fault_sequence(glacier: EmulatorHandle, client: Any) -> None:
    glacier.configure(seed=7, throttle_rate=0.15, error_rate=0.15)
    first = outcomes(client, 60)
    glacier.configure(seed=7)
    second = outcomes(client, 60)
    glacier.configure(seed=8)
    third = outcomes(client, 60)
    assert first == second
    assert third != first
    assert {"ok", "ThrottlingException", "ServiceUnavailableException"} == set(first)


def test_standard_retries_ride_out_throttling(glacier: EmulatorHandle) -> None:
    glacier.configure(seed=3, throttle_rate=0.4)
    client = glacier.client(retries={"mode": "standard", "total_max_attempts": 20})
    for _ in range(3):
        client.list_vaults()
    counts = glacier.stats()["operations"]["ListVaults"]
    assert counts["ok"] == 3
    assert counts["ThrottlingException"] > 0


def test_latency_holds_every_request(glacier: EmulatorHandle, client: Any) -> None:
    glacier.configure(latency_ms=150)
    started = time.monotonic()
    client.list_vaults()
    assert time.monotonic() - started >= 0.15
    glacier.configure(latency_ms=0)


def test_faults_never_apply_to_the_control_surface(glacier: EmulatorHandle) -> None:
    # A minute per Glacier request: had any control call been delayed, the test would take minutes.
    glacier.configure(no_longer_supported=True, throttle_rate=0.5, error_rate=0.5, latency_ms=60_000)
    started = time.monotonic()
    assert len(glacier.seed("v", 2, creation_date=OLD)) == 2
    assert glacier.stats() == {"total": 0, "operations": {}, "by_account": {}}
    assert glacier.aborts() == []
    assert time.monotonic() - started < 30
    glacier.configure(latency_ms=0)


def test_unknown_fault_setting_is_rejected(glacier: EmulatorHandle) -> None:
    with pytest.raises((ValueError, urllib.error.HTTPError)):
        glacier.configure(explode=True)
    with pytest.raises((ValueError, urllib.error.HTTPError)):
        glacier.configure(throttle_rate=1.5)


def test_configure_changes_only_the_given_settings(glacier: EmulatorHandle) -> None:
    glacier.configure(throttle_rate=0.25, abort_grace_seconds=5)
    settings = glacier.configure(latency_ms=0)
    assert settings["throttle_rate"] == 0.25
    assert settings["abort_grace_seconds"] == 5
