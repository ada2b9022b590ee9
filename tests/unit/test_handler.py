"""The Lambda handler with an in-memory Glacier: result shape, EMF metrics, structured logs, bad input."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import aws_lambda_powertools
import boto3
import botocore
import pytest
from glacier_cleanup import handler
from glacier_cleanup.aws.roles import TemporaryCredentials
from glacier_cleanup.core.descriptions import shown
from glacier_cleanup.core.models import GlacierError, NoAccessError, ResourceGoneError
from glacier_cleanup.handler import Runtime, lambda_handler
from glacier_cleanup.inputs.events import InvalidEventError
from glacier_cleanup.inputs.settings import Settings, SettingsError
from support.fakes import FakeGlacier
from support.handler_env import FakeLambdaContext, emitted, fake_runtime, metric_values

SCHEDULE_EVENT = {
    "trigger": "schedule",
    "schedule_arn": "arn:aws:scheduler:us-east-1:123456789012:schedule/default/glacier-cleanup",
    "scheduled_time": "2025-06-01T03:00:00Z",
}
RESULT_KEYS = {
    "status",
    "dry_run",
    "older_than_hours",
    "cutoff",
    "vaults_scanned",
    "uploads_found",
    "uploads_stale",
    "uploads_aborted",
    "uploads_already_gone",
    "uploads_protected",
    "uploads_skipped",
    "failures",
    "complete",
    "duration_ms",
}
METRIC_NAMES = {
    "NoAccess",
    "VaultsScanned",
    "UploadsFound",
    "UploadsStale",
    "UploadsAborted",
    "UploadsAlreadyGone",
    "AbortFailures",
    "VaultFailures",
    "RunIncomplete",
    "VaultsNotFound",
    "Runs",
    "UploadsFirstSeen",
    "UploadsActive",
    "ActivityCheckFailures",
    "UploadsToAbortAtNextRun",
    "RecordsNotWritten",
}


def seeded_glacier() -> FakeGlacier:
    now = datetime.now(UTC)
    glacier = FakeGlacier()
    glacier.add_uploads("backups", 4, age_hours=200, description="nightly", now=now)
    glacier.add_uploads("backups", 2, age_hours=3, now=now)
    glacier.add_uploads("media", 1, age_hours=500, description="keep: huge restore", now=now)
    return glacier


@pytest.fixture
def glacier(monkeypatch: pytest.MonkeyPatch) -> FakeGlacier:
    """The handler's runtime with the real settings (from the environment) and an in-memory Glacier."""
    fake = seeded_glacier()

    def runtime() -> Runtime:
        return fake_runtime(Settings.from_environ(os.environ), fake)

    monkeypatch.setattr(handler, "get_runtime", runtime)
    for variable in ("CLEANUP_DRY_RUN", "CLEANUP_PROTECT_DESCRIPTION_REGEX", "CLEANUP_VAULTS"):
        monkeypatch.delenv(variable, raising=False)
    # The age rule, events and reporting; the activity check has its own tests (test_activity_handler).
    monkeypatch.setenv("CLEANUP_ACTIVITY_CHECK", "false")
    return fake


def test_scheduled_dry_run_result_metrics_and_logs(
    glacier: FakeGlacier, capsys: pytest.CaptureFixture[str]
) -> None:
    result = lambda_handler(SCHEDULE_EVENT, FakeLambdaContext())

    # Result: the contract keys, a dry run by default, nothing aborted
    assert set(result) >= RESULT_KEYS
    assert result["status"] == "ok"
    assert result["dry_run"] is True
    assert result["uploads_stale"] == 5
    assert result["uploads_aborted"] == 0
    assert glacier.calls["AbortMultipartUpload"] == 0
    assert json.loads(json.dumps(result)) == result  # JSON-serialisable as returned

    blobs, logs = emitted(capsys.readouterr().out)
    # Metrics: namespace and service dimension from the environment, names exactly as the alarms expect
    run_blob = next(blob for blob in blobs if "UploadsFound" in blob)
    directive = run_blob["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "GlacierMultipartCleanup"
    # The target dimension (CLEANUP_TARGET, "default" unset): two targets' alarms read disjoint series.
    assert directive["Dimensions"] == [["target", "service"]]
    assert (run_blob["service"], run_blob["target"]) == ("glacier-multipart-cleanup", "default")
    assert {metric["Name"] for metric in directive["Metrics"]} == METRIC_NAMES
    assert all(metric["Unit"] == "Count" for metric in directive["Metrics"])
    values = metric_values(blobs)
    assert values["UploadsFound"] == 7
    assert values["UploadsStale"] == 5
    assert values["UploadsAborted"] == 0
    assert values["RunIncomplete"] == 0
    assert (values["Runs"], values["VaultsNotFound"]) == (1, 0)
    assert values["ColdStart"] == 1

    # Logs: one structured line per would-abort upload, with the Lambda context injected
    would_abort = [line for line in logs if line["message"] == "would abort stale upload"]
    assert len(would_abort) == 5
    for line in would_abort:
        assert line["vault"] in {"backups", "media"}
        assert line["upload_id"]
        assert line["age_hours"] >= 168
        assert line["function_name"] == "glacier-multipart-cleanup"
        assert line["function_request_id"] == FakeLambdaContext.aws_request_id
        assert line["trigger"] == "schedule"
    # Hashed by default: a file path in a description is not spread over the logs.
    assert {line.get("archive_description") for line in would_abort} == {
        shown("nightly", "hashed"),
        shown("keep: huge restore", "hashed"),
    }
    summary = [line for line in logs if line["message"] == "cleanup finished"]
    assert len(summary) == 1
    assert summary[0]["uploads_stale"] == 5


def test_on_demand_request_overrides_settings_for_one_run(
    glacier: FakeGlacier, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLEANUP_PROTECT_DESCRIPTION_REGEX", "^keep:")
    monkeypatch.setenv("CLEANUP_EVENT_MAY_LOOSEN", "true")  # this deployment lets events turn off its dry run

    result = lambda_handler({"dry_run": False, "vaults": ["backups", "media"]}, FakeLambdaContext())

    assert result["dry_run"] is False
    assert result["uploads_aborted"] == 4
    assert result["uploads_protected"] == 1
    _, logs = emitted(capsys.readouterr().out)
    aborted = [line for line in logs if line["message"] == "aborted stale upload"]
    assert len(aborted) == 4
    assert all(line["trigger"] == "on_demand" and line["dry_run"] is False for line in aborted)


def test_cold_start_is_counted_once(glacier: FakeGlacier, capsys: pytest.CaptureFixture[str]) -> None:
    lambda_handler({}, FakeLambdaContext())
    first, _ = emitted(capsys.readouterr().out)
    lambda_handler({}, FakeLambdaContext())
    second, _ = emitted(capsys.readouterr().out)

    assert metric_values(first).get("ColdStart") == 1
    assert "ColdStart" not in metric_values(second)


def test_failures_show_in_status_and_metrics(
    glacier: FakeGlacier, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLEANUP_EVENT_MAY_LOOSEN", "true")  # a shorter age than the deployment's
    upload_id = next(iter(glacier.remaining("backups")))
    glacier.list_errors["media"] = GlacierError("AccessDeniedException", "no")
    glacier.abort_errors = {upload_id: GlacierError("ServiceUnavailableException", "down")}

    result = lambda_handler({"dry_run": False, "older_than_hours": 1}, FakeLambdaContext())

    assert result["status"] == "partial"
    values = metric_values(emitted(capsys.readouterr().out)[0])
    assert values["AbortFailures"] == 1
    assert values["VaultFailures"] == 1


def test_glacier_unavailable_has_no_failure_metrics(
    glacier: FakeGlacier, capsys: pytest.CaptureFixture[str]
) -> None:
    glacier.unavailable = True

    result = lambda_handler(SCHEDULE_EVENT, FakeLambdaContext())

    assert result["status"] == "glacier_unavailable"
    values = metric_values(emitted(capsys.readouterr().out)[0])
    assert values["AbortFailures"] == values["VaultFailures"] == values["RunIncomplete"] == 0


def test_little_time_left_returns_incomplete_and_the_next_run_finishes(
    glacier: FakeGlacier, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLEANUP_DRY_RUN", "false")  # a deployment that aborts
    # 20 s left with a 30 s margin: no call may start
    first = lambda_handler({"dry_run": False}, FakeLambdaContext(remaining_ms=20_000))

    assert first["complete"] is False
    assert first["uploads_aborted"] == 0
    assert sum(glacier.calls.values()) == 0
    assert metric_values(emitted(capsys.readouterr().out)[0])["RunIncomplete"] == 1

    second = lambda_handler({"dry_run": False}, FakeLambdaContext())
    assert second["complete"] is True
    assert second["uploads_aborted"] == 5


# A refused invocation publishes no run metrics, and Powertools says so: expected here.
NO_METRICS_WARNING = "ignore:No application metrics to publish"


@pytest.mark.filterwarnings(NO_METRICS_WARNING)
@pytest.mark.parametrize(
    "event",
    [{"dry_run": "yes"}, {"older_than_hours": 0}, {"vaults": ["bad name"]}, {"surprise": True}, "text", None],
)
def test_bad_event_fails_the_invocation_before_any_glacier_call(glacier: FakeGlacier, event: object) -> None:
    with pytest.raises(InvalidEventError):
        lambda_handler(event, FakeLambdaContext())  # type: ignore[arg-type]

    assert sum(glacier.calls.values()) == 0


@pytest.mark.filterwarnings(NO_METRICS_WARNING)
def test_bad_setting_fails_every_invocation_with_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLEANUP_OLDER_THAN_HOURS", "0.25")

    def no_client(**_: object) -> None:
        raise AssertionError("no Glacier client may be built with invalid settings")

    monkeypatch.setattr(handler, "create_client", no_client)

    for _ in range(2):
        with pytest.raises(SettingsError, match=r"CLEANUP_OLDER_THAN_HOURS='0.25'.*allowed"):
            lambda_handler(SCHEDULE_EVENT, FakeLambdaContext())
    _, logs = emitted(capsys.readouterr().out)
    assert [line["message"] for line in logs].count("invalid settings: nothing was done") == 2


def test_settings_once_per_environment_and_a_fresh_client_per_run(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a handler whose client factory is recorded
    built: list[dict[str, object]] = []

    def fake_client(**kwargs: object) -> object:
        built.append(kwargs)
        return object()

    monkeypatch.setattr(handler, "create_client", fake_client)
    monkeypatch.setenv("CLEANUP_CONCURRENCY", "24")
    monkeypatch.setenv("CLEANUP_RETRY_MODE", "adaptive")
    monkeypatch.setenv("CLEANUP_ACTIVITY_CHECK", "false")
    monkeypatch.setenv("CLEANUP_MAX_REQUESTS_PER_SECOND", "25")

    # When the runtime is asked for twice and Glacier is opened for two runs
    runtime = handler.get_runtime()
    assert runtime is handler.get_runtime()
    first, second = runtime.open_glacier(), runtime.open_glacier()

    # Then each run got its own client (its own botocore retry quota) from the one cached session
    assert first is not second
    assert len(built) == 2
    assert built[0] == built[1]
    assert {k: v for k, v in built[0].items() if k != "session"} == {
        "max_attempts": 10,
        "retry_mode": "adaptive",
        "concurrency": 24,
        "region": None,  # the session's own region, and its own credentials: no target event here
        "credentials": None,
        "pacing": True,
        "max_requests_per_second": 25.0,
        "seconds_remaining": None,  # no invocation's deadline here: the handler passes its own
    }
    assert built[0]["session"] is not None


def test_a_misspelled_configured_vault_is_a_status_and_a_metric(
    glacier: FakeGlacier, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLEANUP_VAULTS", "backups,bakcups")
    monkeypatch.setenv("CLEANUP_TARGET", "prod-eu")
    result = lambda_handler(SCHEDULE_EVENT, FakeLambdaContext())
    assert (result["status"], result["vaults_gone"], result["uploads_stale"]) == ("vault_not_found", 1, 4)
    blobs, _logs = emitted(capsys.readouterr().out)
    values = metric_values(blobs)
    assert (values["VaultsNotFound"], values["RunIncomplete"], values["Runs"]) == (1, 0, 1)
    run_blob = next(blob for blob in blobs if "VaultsNotFound" in blob)
    assert run_blob["target"] == "prod-eu"


@pytest.fixture
def member_role(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """Target events with a member role setting; the role assumption recorded instead of calling STS."""
    monkeypatch.setenv("CLEANUP_MEMBER_ROLE_NAME", "GlacierCleanupMember")
    assumed: list[dict[str, object]] = []

    def assume_member_role(session: object, **kwargs: object) -> TemporaryCredentials:
        assumed.append(kwargs)
        return TemporaryCredentials("ASIAX", "secret", "token")

    monkeypatch.setattr(handler, "assume_member_role", assume_member_role)
    return assumed


TARGET_EVENT = {"account": "222222222222", "region": "eu-west-2", "run_id": "run-7", "round": 3}


def test_a_target_event_assumes_the_member_role_for_the_rest_of_the_run(
    glacier: FakeGlacier, member_role: list[dict[str, object]], capsys: pytest.CaptureFixture[str]
) -> None:
    result = lambda_handler(TARGET_EVENT, FakeLambdaContext(remaining_ms=600_500))

    assert member_role == [
        {
            "account_id": "222222222222",
            "role_name": "GlacierCleanupMember",
            "session_name": "glacier-cleanup-run-7-r3",
            "duration_seconds": 660,  # the function's time left, plus a minute
        }
    ]
    assert (result["account"], result["region"], result["uploads_stale"]) == ("222222222222", "eu-west-2", 5)
    _, logs = emitted(capsys.readouterr().out)
    finished = next(line for line in logs if line["message"] == "cleanup finished")
    assert {key: finished[key] for key in ("trigger", "account", "region", "run_id", "round")} == {
        "trigger": "target",
        "account": "222222222222",
        "region": "eu-west-2",
        "run_id": "run-7",
        "round": 3,
    }


def test_a_target_whose_role_cannot_be_assumed_says_so_and_touches_nothing(
    glacier: FakeGlacier, member_role: list[dict[str, object]], monkeypatch: pytest.MonkeyPatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    def refused(session: object, **kwargs: object) -> TemporaryCredentials:
        raise NoAccessError(
            "222222222222", "AccessDenied", "cannot assume arn:aws:iam::222222222222:role/R: no"
        )

    monkeypatch.setattr(handler, "assume_member_role", refused)

    result = lambda_handler(TARGET_EVENT, FakeLambdaContext())

    assert (result["status"], result["account"], result["region"]) == (
        "no_access",
        "222222222222",
        "eu-west-2",
    )
    assert sum(glacier.calls.values()) == 0
    blobs, logs = emitted(capsys.readouterr().out)
    [warning] = [line for line in logs if line["level"] == "WARNING"]
    assert (warning["message"], warning["error"]) == (
        "no access to the member account: nothing was done there",
        "AccessDenied: cannot assume arn:aws:iam::222222222222:role/R: no",
    )
    assert metric_values(blobs)["NoAccess"] == 1


def test_without_a_member_role_setting_a_target_event_is_refused_naming_it(glacier: FakeGlacier) -> None:
    with pytest.raises(InvalidEventError) as raised:
        lambda_handler(TARGET_EVENT, FakeLambdaContext())

    assert str(raised.value) == (
        "invalid target event: this function has no CLEANUP_MEMBER_ROLE_NAME, so it cannot enter other "
        "accounts (allowed here: schedule events and on-demand requests)"
    )
    assert sum(glacier.calls.values()) == 0


def test_a_vault_deleted_mid_run_is_not_a_vault_not_found(
    glacier: FakeGlacier, capsys: pytest.CaptureFixture[str]
) -> None:
    # Listed, then gone before its uploads were listed: fine when no vault list was configured.
    glacier.list_errors["media"] = ResourceGoneError("ResourceNotFoundException", "vault media gone")

    lambda_handler(SCHEDULE_EVENT, FakeLambdaContext())

    assert metric_values(emitted(capsys.readouterr().out)[0])["VaultsNotFound"] == 0


def test_the_runtime_builds_a_client_per_run_for_the_configured_account(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[dict[str, object]] = []
    adapters: list[tuple[object, str]] = []
    monkeypatch.setattr(handler, "create_client", lambda **kwargs: built.append(kwargs) or "client")
    monkeypatch.setattr(
        handler, "GlacierAdapter", lambda client, account_id: adapters.append((client, account_id))
    )
    settings = Settings.from_environ({"CLEANUP_ACCOUNT_ID": "123456789012", "CLEANUP_CONCURRENCY": "4"})
    credentials = TemporaryCredentials("ASIAX", "secret", "token")

    def remaining() -> float:
        return 60.0

    Runtime(settings=settings, session="session").open_glacier(  # type: ignore[arg-type]
        region="eu-west-2", credentials=credentials, seconds_remaining=remaining
    )

    assert adapters == [("client", "123456789012")]
    assert built == [
        {
            "session": "session",
            "region": "eu-west-2",
            "credentials": credentials,
            "max_attempts": settings.max_attempts,
            "retry_mode": settings.retry_mode,
            "concurrency": 4,
            "pacing": settings.pacing,
            "max_requests_per_second": settings.max_requests_per_second,
            "seconds_remaining": remaining,  # no retry that could outlast the invocation
        }
    ]


@pytest.mark.parametrize(
    ("arn", "account"),
    [
        ("arn:aws:lambda:eu-west-1:210987654321:function:cleanup", "210987654321"),
        ("arn:aws:lambda:eu-west-1::function:cleanup", "-"),  # an empty account field
        ("arn:aws:lambda:eu-west-1", "-"),  # too short to hold one
        ("arn:aws:lambda:eu-west-1:210987654321", "210987654321"),  # just long enough
        (None, "-"),  # a context without the attribute
    ],
)
def test_the_observation_key_account_is_the_functions_own(arn: str | None, account: str) -> None:
    context = FakeLambdaContext()
    if arn is None:
        context = type("Bare", (), {})()  # type: ignore[assignment]
    else:
        context.invoked_function_arn = arn
    assert handler._account_of(context) == account  # type: ignore[arg-type]


def test_the_table_client_is_sized_for_the_runs_concurrency(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[tuple[object, str, int]] = []

    def store(session: object, table: str, *, concurrency: int, seconds_remaining: object) -> str:
        opened.append((session, table, concurrency))
        return "store"

    monkeypatch.setattr(handler, "DynamoObservationStore", store)
    settings = Settings.from_environ({"CLEANUP_OBSERVATION_TABLE": "looks", "CLEANUP_CONCURRENCY": "24"})
    runtime = Runtime(settings=settings, session="session")  # type: ignore[arg-type]
    assert runtime.observations_for(settings.to_plan()) == "store"
    assert opened == [("session", "looks", 24)]
    assert runtime.observations_for(settings.to_plan(activity_check=False)) is None
    no_table = Runtime(settings=Settings.from_environ({}), session="session")  # type: ignore[arg-type]
    with pytest.raises(InvalidEventError) as raised:
        no_table.observations_for(settings.to_plan())
    assert str(raised.value) == (
        "activity_check: this function has no CLEANUP_OBSERVATION_TABLE to keep its looks at uploads in "
        "(allowed here: false)"
    )


def test_each_result_says_which_sdk_and_retry_configuration_ran_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """In AWS the runtime's botocore may not be the one tested: the cold start logs the SDK, Powertools and
    the retry configuration once, and every result carries them."""
    handler.get_runtime.cache_clear()
    monkeypatch.setenv("CLEANUP_ACTIVITY_CHECK", "false")
    monkeypatch.setenv("CLEANUP_RETRY_MODE", "adaptive")
    capsys.readouterr()

    runtime = handler.get_runtime()
    assert handler.get_runtime() is runtime

    assert runtime.sdk == {
        "boto3": boto3.__version__,
        "botocore": botocore.__version__,
        "powertools": aws_lambda_powertools.__version__,
        "retry_mode": "adaptive",
        "max_attempts": 10,
        "connect_timeout_s": 5.0,
        "read_timeout_s": 15.0,
        "no_retry_below_s": 45.0,
    }
    _, logs = emitted(capsys.readouterr().out)
    cold = [line for line in logs if line["message"].startswith("cold start: the SDK")]
    assert [line["sdk"] for line in cold] == [runtime.sdk]  # once, though asked for twice
    handler.get_runtime.cache_clear()


def test_the_result_carries_the_runtimes_sdk(glacier: FakeGlacier, monkeypatch: pytest.MonkeyPatch) -> None:
    def runtime() -> Runtime:
        return Runtime(
            settings=Settings.from_environ(os.environ),
            session=None,
            sdk={"botocore": "9.9.9"},  # type: ignore[arg-type]
        )

    monkeypatch.setattr(handler, "get_runtime", runtime)
    monkeypatch.setattr(Runtime, "open_glacier", lambda self, **_: glacier)

    result = lambda_handler(SCHEDULE_EVENT, FakeLambdaContext())

    assert result["sdk"] == {"botocore": "9.9.9"}
    assert result["status"] == "ok"


def test_every_published_metric_value_equals_the_result(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    glacier = FakeGlacier()
    now = datetime.now(UTC)  # the handler judges ages against the real clock
    glacier.add_uploads("a", 6, age_hours=300, now=now)
    glacier.add_uploads("b", 3, age_hours=300, now=now)
    glacier.add_uploads("b", 2, age_hours=1, now=now)
    gone = glacier.add_uploads("c", 2, age_hours=300, now=now)
    glacier.abort_errors[gone[0]] = ResourceGoneError("ResourceNotFoundException", "gone")  # already gone

    def runtime() -> Runtime:
        return fake_runtime(
            Settings.from_environ({"CLEANUP_DRY_RUN": "false", "CLEANUP_ACTIVITY_CHECK": "false"}), glacier
        )

    monkeypatch.setattr(handler, "get_runtime", runtime)
    result = lambda_handler(SCHEDULE_EVENT, FakeLambdaContext())
    values = metric_values(emitted(capsys.readouterr().out)[0])
    expected = {
        "VaultsScanned": result["vaults_scanned"],
        "UploadsFound": result["uploads_found"],
        "UploadsStale": result["uploads_stale"],
        "UploadsAborted": result["uploads_aborted"],
        "UploadsAlreadyGone": result["uploads_already_gone"],
        "AbortFailures": result["abort_failures"],
        "VaultFailures": result["vault_failures"],
    }
    assert {name: values[name] for name in expected} == expected
    # Distinct values, so a metric that publishes another's count cannot pass.
    assert (result["vaults_scanned"], result["uploads_found"], result["uploads_stale"]) == (3, 13, 11)
    assert (result["uploads_aborted"], result["uploads_already_gone"]) == (10, 1)
