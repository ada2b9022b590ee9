"""Reliability drills: fixtures, settings for every drill, and the faults-table report at session end."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.retries.standard import ExponentialBackoff
from glacier_cleanup import handler
from glacier_cleanup_cdk.config.schema import CleanupSettings
from glacier_cleanup_cdk.function import lambda_environment
from support.handler_env import clear_cleanup_settings, fresh_powertools

from glacier_emulator.client_helpers import create_observation_table
from glacier_emulator.handles import EmulatorHandle, InProcessHandle, ServerHandle

from .harness import OBSERVATION_TABLE, PROTECT_REGEX, RECORDS_BUCKET, Drill
from .report import REPORT, DrillReport
from .support import Ledger

# botocore's standard backoff sleeps rand() x 2^attempt seconds (capped at 20 s). Neither Settings nor
# create_client() can shrink it (botocore.config.Config has no backoff knob), so the drills patch botocore's
# ExponentialBackoff to a small delay: the retry decisions and the retry quota stay botocore's own.
DRILL_BACKOFF_SECONDS = 0.002
BOTOCORE_DELAY = ExponentialBackoff.delay_amount  # botocore's own, for the drills that keep it


@pytest.fixture(autouse=True)
def drill_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Documented defaults, except: real runs (not dry), the `^keep:` protection, fast retries; fresh
    Powertools state and a fresh cached runtime (a cold start) for every test. The activity check is on, as
    shipped: a drill gives it its table (`drill` and `server_drill` below), or turns it off explicitly."""
    clear_cleanup_settings(monkeypatch, activity_check=True)
    monkeypatch.setenv("CLEANUP_DRY_RUN", "false")
    monkeypatch.setenv("CLEANUP_PROTECT_DESCRIPTION_REGEX", PROTECT_REGEX)
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: DRILL_BACKOFF_SECONDS)
    with fresh_powertools():
        yield


@pytest.fixture
def botocore_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's own backoff instead of the drills' 2 ms (after `drill_settings`, which is autouse)."""
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", BOTOCORE_DELAY)


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


# Every drill runs the shipped configuration; `make drill` also runs its age-alone variant (the activity
# check off: the operator's explicit choice, docs/operations.md).
CONFIGURATIONS = ["shipped", pytest.param("age_alone", marks=pytest.mark.drill)]


@pytest.fixture(params=CONFIGURATIONS)
def configuration(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _drill(
    handle: EmulatorHandle,
    ledger: Ledger,
    report: DrillReport,
    configuration: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Drill:
    """A drill in the shipped configuration (its observation table on the emulator's DynamoDB), or in the
    age-alone variant (the activity check off)."""
    if configuration == "age_alone":
        monkeypatch.setenv("CLEANUP_ACTIVITY_CHECK", "false")
        monkeypatch.setenv("CLEANUP_EVENT_MAY_LOOSEN", "true")
        return Drill(handle, ledger, report)
    table = create_observation_table(handle.aws_client("dynamodb"), OBSERVATION_TABLE)
    monkeypatch.setenv("CLEANUP_OBSERVATION_TABLE", table)
    # The stack's decision-records bucket: every shipped-configuration drill writes its records too.
    s3 = handle.aws_client("s3")
    if RECORDS_BUCKET not in {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}:
        s3.create_bucket(Bucket=RECORDS_BUCKET)
    monkeypatch.setenv("CLEANUP_RECORDS_BUCKET", RECORDS_BUCKET)
    # The schedule the stack deploys by default, as its environment tells the function (for the notice).
    for name, value in lambda_environment(CleanupSettings(), "drill").items():
        if name.startswith("CLEANUP_SCHEDULE_"):
            monkeypatch.setenv(name, value)
    return Drill(handle, ledger, report, table=table)


@pytest.fixture
def drill(
    glacier_in_process: InProcessHandle,
    ledger: Ledger,
    drill_report: DrillReport,
    configuration: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Drill:
    """A drill on the in-process emulator (hooks available)."""
    return _drill(glacier_in_process, ledger, drill_report, configuration, monkeypatch)


@pytest.fixture
def server_drill(
    glacier_server: ServerHandle,
    ledger: Ledger,
    drill_report: DrillReport,
    configuration: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Drill:
    """A drill on the emulator server process (real HTTP, no hooks)."""
    return _drill(glacier_server, ledger, drill_report, configuration, monkeypatch)


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
