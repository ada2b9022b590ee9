"""pytest fixtures for the Glacier emulator.

Register with ``pytest_plugins = ["glacier_emulator.pytest_plugin"]``.

- ``glacier_in_process``: function-scoped, moto in this process under ``mock_aws()``.
- ``glacier_server_process``: session-scoped ``python -m glacier_emulator`` child process.
- ``glacier_server``: function-scoped handle on that server, reset before the test.
- ``glacier``: both of the above in turn (ids ``in_process`` and ``server``).
- ``local_organization``: on ``glacier`` (both modes), everything reset, then an organization with
  ``ORGANIZATION_LAYOUT`` (five member accounts in nested OUs) built through the Organizations API.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from . import install
from .control import CONTROL
from .handles import EmulatorHandle, InProcessHandle, ServerHandle, ServerProcess
from .organization import LocalOrganization, build_organization

REGION = "us-east-1"
# OU path -> member account names ("" is the root).
ORGANIZATION_LAYOUT = {
    "workloads": ["alpha", "beta"],
    "workloads/prod": ["gamma"],
    "sandbox": ["delta", "epsilon"],
}


def _dummy_aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SECURITY_TOKEN", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


@pytest.fixture
def glacier_in_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[InProcessHandle]:
    _dummy_aws_environment(monkeypatch)
    monkeypatch.delenv("AWS_ENDPOINT_URL_GLACIER", raising=False)
    with mock_aws():
        install()
        CONTROL.reset()
        try:
            yield InProcessHandle(REGION)
        finally:
            CONTROL.reset()


@pytest.fixture(scope="session")
def glacier_server_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    log = tmp_path_factory.mktemp("glacier-emulator") / "server.log"
    server = ServerProcess(log_path=log)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def glacier_server(glacier_server_process: ServerProcess, monkeypatch: pytest.MonkeyPatch) -> ServerHandle:
    _dummy_aws_environment(monkeypatch)
    monkeypatch.setenv("AWS_ENDPOINT_URL_GLACIER", glacier_server_process.url)
    # Every other service too (STS, IAM, Organizations, ...): the server is a small local AWS.
    monkeypatch.setenv("AWS_ENDPOINT_URL", glacier_server_process.url)
    handle = glacier_server_process.handle(REGION)
    handle.reset()
    return handle


@pytest.fixture(params=["in_process", "server"])
def glacier(request: pytest.FixtureRequest) -> EmulatorHandle:
    handle: EmulatorHandle = request.getfixturevalue(f"glacier_{request.param}")
    return handle


@pytest.fixture
def local_organization(glacier: EmulatorHandle) -> LocalOrganization:
    glacier.reset(everything=True)
    return build_organization(glacier, ORGANIZATION_LAYOUT)
