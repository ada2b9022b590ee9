"""Reliability drills: fixtures, settings for every drill, and the faults-table report at session end."""

from __future__ import annotations

import os

# Powertools reads these once, when glacier_cleanup is first imported.
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "glacier-multipart-cleanup")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "GlacierMultipartCleanup")

from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools.metrics.provider import cold_start
from botocore.retries.standard import ExponentialBackoff
from glacier_cleanup import handler
from glacier_cleanup.observability import metrics, set_log_stream

from glacier_emulator.handles import InProcessHandle, ServerHandle

from .harness import PROTECT_REGEX, Drill
from .report import REPORT, DrillReport
from .support import CurrentStdout, Ledger

CLEANUP_VARIABLES = (
    "CLEANUP_OLDER_THAN_HOURS",
    "CLEANUP_DRY_RUN",
    "CLEANUP_VAULTS",
    "CLEANUP_EXCLUDE_VAULTS",
    "CLEANUP_PROTECT_DESCRIPTION_REGEX",
    "CLEANUP_CONCURRENCY",
    "CLEANUP_MAX_ABORTS",
    "CLEANUP_TIME_MARGIN_SECONDS",
    "CLEANUP_ACCOUNT_ID",
    "CLEANUP_REPORT_BYTES",
    "CLEANUP_MAX_ATTEMPTS",
    "CLEANUP_RETRY_MODE",
)
# botocore's standard backoff sleeps rand() x 2^attempt seconds (capped at 20 s). Neither Settings nor
# create_client() can shrink it (botocore.config.Config has no backoff knob), so the drills patch botocore's
# ExponentialBackoff to a small delay: the retry decisions and the retry quota stay botocore's own.
DRILL_BACKOFF_SECONDS = 0.002


@pytest.fixture(autouse=True)
def drill_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Documented defaults, except: real runs (not dry), the `^keep:` protection, fast retries; fresh
    Powertools state and a fresh cached runtime (a cold start) for every test."""
    for variable in CLEANUP_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("CLEANUP_DRY_RUN", "false")
    monkeypatch.setenv("CLEANUP_PROTECT_DESCRIPTION_REGEX", PROTECT_REGEX)
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: DRILL_BACKOFF_SECONDS)
    set_log_stream(CurrentStdout())  # type: ignore[arg-type]
    metrics.clear_metrics()
    cold_start.is_cold_start = True
    handler.get_runtime.cache_clear()
    try:
        yield
    finally:
        metrics.clear_metrics()
        handler.get_runtime.cache_clear()


@pytest.fixture
def ledger(monkeypatch: pytest.MonkeyPatch) -> Ledger:
    """Records every call of the function's own boto3 client (wraps the handler's create_client)."""
    recorded = Ledger()
    original = handler.create_client

    def create_and_attach(**kwargs: Any) -> Any:
        return recorded.attach(original(**kwargs))

    monkeypatch.setattr(handler, "create_client", create_and_attach)
    return recorded


@pytest.fixture(scope="session")
def drill_report() -> DrillReport:
    return REPORT


@pytest.fixture
def drill(glacier_in_process: InProcessHandle, ledger: Ledger, drill_report: DrillReport) -> Drill:
    """A drill on the in-process emulator (hooks available)."""
    return Drill(glacier_in_process, ledger, drill_report)


@pytest.fixture
def server_drill(glacier_server: ServerHandle, ledger: Ledger, drill_report: DrillReport) -> Drill:
    """A drill on the emulator server process (real HTTP, no hooks)."""
    return Drill(glacier_server, ledger, drill_report)


def pytest_sessionfinish(session: pytest.Session) -> None:
    cache = getattr(session.config, "cache", None)  # None under -p no:cacheprovider
    if cache is not None:
        path = REPORT.write(cache.mkdir("reliability"))
        if path is not None:
            session.config.stash[_REPORT_PATH] = path


_REPORT_PATH = pytest.StashKey[Any]()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if not REPORT.rows:
        return
    terminalreporter.section("reliability drills: faults table")
    terminalreporter.write(REPORT.markdown())
    path = config.stash.get(_REPORT_PATH, None)
    if path is not None:
        terminalreporter.write_line(f"written to {path}")
