"""The terminal tool in-process for its tests: an in-memory Glacier behind the CLI's sessions, clients and
identity, and a run on a (fake) terminal."""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime

import pytest
from glacier_cleanup import cli
from glacier_cleanup.terminal import run as terminal_run

from .fakes import FakeGlacier
from .handler_env import FakeTerminal


def patched_cli_glacier(monkeypatch: pytest.MonkeyPatch) -> FakeGlacier:
    """The CLI on an in-memory Glacier: its sessions, clients, identity and adapter recorded."""
    now = datetime.now(UTC)
    fake = FakeGlacier()
    fake.add_uploads("backups", 3, age_hours=300, now=now)
    fake.add_uploads("backups", 1, age_hours=2, now=now)
    fake.add_uploads("prod-db", 2, age_hours=300, now=now)
    built: dict[str, object] = {}

    def create_client(**kwargs: object) -> object:
        built.update(kwargs)
        return object()

    monkeypatch.setattr(terminal_run, "create_client", create_client)
    sessions: list[tuple[object, object, object]] = []

    def create_session(*, region: object = None, profile: object = None) -> object:
        session = type("Session", (), {"region_name": region or "eu-west-1"})()
        sessions.append((region, profile, session))
        return session

    monkeypatch.setattr(terminal_run, "create_session", create_session)
    fake.sessions = sessions  # type: ignore[attr-defined]
    monkeypatch.setattr(
        terminal_run, "caller_identity", lambda session: ("123456789012", "arn:aws:iam::123456789012:user/op")
    )
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    adapters: list[str] = []

    def adapter(client: object, account_id: str) -> FakeGlacier:
        adapters.append(account_id)
        return fake

    monkeypatch.setattr(terminal_run, "GlacierAdapter", adapter)
    fake.adapter_accounts = adapters  # type: ignore[attr-defined]
    fake.client_kwargs = built  # type: ignore[attr-defined]
    for variable in ("CLEANUP_DRY_RUN", "CLEANUP_VAULTS", "CLEANUP_EXCLUDE_VAULTS", "CLEANUP_CONCURRENCY"):
        monkeypatch.delenv(variable, raising=False)
    # About the age rule, flags and output; the activity check has its own tests
    # (tests/unit/terminal/test_state_file.py).
    monkeypatch.setenv("CLEANUP_ACTIVITY_CHECK", "false")
    return fake


def run_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, answer: str, *argv: str, log_level: str | None = None
) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), FakeTerminal()
    monkeypatch.setattr(sys, "stdin", FakeTerminal(answer))
    monkeypatch.setattr(sys, "stderr", stderr)
    monkeypatch.setattr(sys, "stdout", stdout)
    if log_level is None:
        monkeypatch.delenv("POWERTOOLS_LOG_LEVEL", raising=False)
    else:
        monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", log_level)
    try:
        status = cli.main(list(argv))
    finally:
        terminal_run.logger.setLevel("INFO")
    return status, stdout.getvalue(), stderr.getvalue()
