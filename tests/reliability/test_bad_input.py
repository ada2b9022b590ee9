"""Bad input: every rejected event or setting fails the invocation with an error naming the field, and the
emulator sees zero Glacier calls (so zero AbortMultipartUpload), while stale uploads wait in the account."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from glacier_cleanup import handler
from glacier_cleanup.inputs.events import InvalidEventError
from glacier_cleanup.inputs.settings import SettingsError

from .harness import Drill, schedule_event
from .support import FakeLambdaContext

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")

NAN, INF = float("nan"), float("inf")

# (event, what the error message must name)
BAD_EVENTS: list[tuple[Any, str]] = [
    # not a JSON object
    ([], "got list"),
    ([{"dry_run": False}], "got list"),
    ("", "got str"),
    ('{"dry_run": false}', "got str"),
    (0, "got int"),
    (72.5, "got float"),
    (True, "got bool"),
    (None, "got NoneType"),
    # wrong types (nothing is coerced)
    ({"dry_run": "false"}, "dry_run"),
    ({"dry_run": 0}, "dry_run"),
    ({"older_than_hours": "200"}, "older_than_hours"),
    ({"older_than_hours": True}, "older_than_hours"),
    ({"older_than_hours": [200]}, "older_than_hours"),
    ({"max_aborts": "5"}, "max_aborts"),
    ({"max_aborts": 1.5}, "max_aborts"),
    ({"max_aborts": True}, "max_aborts"),
    # older_than_hours out of range: negative, zero, below the 1 h floor, NaN, infinite, huge
    ({"older_than_hours": -1}, "older_than_hours"),
    ({"older_than_hours": -INF}, "older_than_hours"),
    ({"older_than_hours": 0}, "older_than_hours"),
    ({"older_than_hours": 0.0}, "older_than_hours"),
    ({"older_than_hours": 0.5}, "older_than_hours"),
    ({"older_than_hours": 0.999}, "older_than_hours"),
    ({"older_than_hours": NAN}, "older_than_hours"),
    ({"older_than_hours": INF}, "older_than_hours"),
    ({"older_than_hours": 87_600.001}, "older_than_hours"),
    ({"older_than_hours": 1e308}, "older_than_hours"),
    ({"older_than_hours": 10**400}, "older_than_hours"),
    # max_aborts negative or absurd
    ({"max_aborts": -1}, "max_aborts"),
    ({"max_aborts": 10**7}, "max_aborts"),
    # vaults: not a list, empty, empty or invalid names
    ({"vaults": "vault-000"}, "vaults"),
    ({"vaults": {"vault-000": True}}, "vaults"),
    ({"vaults": []}, "vaults"),
    ({"vaults": [""]}, "vaults.0"),
    ({"vaults": ["v" * 256]}, "vaults.0"),
    ({"vaults": ["has space"]}, "vaults.0"),
    ({"vaults": ["tab\there"]}, "vaults.0"),
    ({"vaults": ["trailing-newline\n"]}, "vaults.0"),
    ({"vaults": ["slash/../x"]}, "vaults.0"),
    ({"vaults": ["ünïcode"]}, "vaults.0"),
    ({"vaults": ["quote'd"]}, "vaults.0"),
    ({"vaults": ["vault-000", 7]}, "vaults.1"),
    ({"vaults": [None]}, "vaults.0"),
    # unknown keys (a typo must not silently fall back to the settings)
    ({"dryrun": False}, "dryrun"),
    ({"Dry_Run": False}, "Dry_Run"),
    ({"dry_run": True, "older_than": 1}, "older_than"),
    # the schedule payload cannot carry overrides, and is strict as well
    ({**schedule_event(), "dry_run": False}, "dry_run"),
    ({**schedule_event(), "older_than_hours": 1}, "older_than_hours"),
    ({"trigger": "Schedule"}, "trigger"),
    ({"trigger": None}, "trigger"),
    ({"trigger": "schedule", "scheduled_time": "yesterday"}, "scheduled_time"),
    ({"trigger": "schedule", "schedule_arn": 5}, "schedule_arn"),
]

# (variable, value): the error must name the variable
BAD_SETTINGS: list[tuple[str, str]] = [
    ("CLEANUP_OLDER_THAN_HOURS", "-1"),
    ("CLEANUP_OLDER_THAN_HOURS", "0"),
    ("CLEANUP_OLDER_THAN_HOURS", "0.5"),
    ("CLEANUP_OLDER_THAN_HOURS", "nan"),
    ("CLEANUP_OLDER_THAN_HOURS", "inf"),
    ("CLEANUP_OLDER_THAN_HOURS", "-inf"),
    ("CLEANUP_OLDER_THAN_HOURS", "1e400"),
    ("CLEANUP_OLDER_THAN_HOURS", "87601"),
    ("CLEANUP_OLDER_THAN_HOURS", "168h"),
    ("CLEANUP_DRY_RUN", "yes"),
    ("CLEANUP_DRY_RUN", "0"),
    ("CLEANUP_DRY_RUN", "flase"),
    ("CLEANUP_VAULTS", "has space"),
    ("CLEANUP_VAULTS", "ok,not ok"),
    ("CLEANUP_VAULTS", "v" * 256),
    ("CLEANUP_VAULTS", "ünïcode"),
    ("CLEANUP_VAULTS", "a/b"),
    ("CLEANUP_CONCURRENCY", "0"),
    ("CLEANUP_CONCURRENCY", "65"),
    ("CLEANUP_CONCURRENCY", "-3"),
    ("CLEANUP_CONCURRENCY", "many"),
    ("CLEANUP_MAX_ABORTS", "-1"),
    ("CLEANUP_MAX_ABORTS", "1.5"),
    ("CLEANUP_MAX_ABORTS", "ten"),
    ("CLEANUP_TIME_MARGIN_SECONDS", "0"),
    ("CLEANUP_TIME_MARGIN_SECONDS", "nan"),
    ("CLEANUP_TIME_MARGIN_SECONDS", "-30"),
    ("CLEANUP_ACCOUNT_ID", "42"),
    ("CLEANUP_ACCOUNT_ID", "1234567890123"),
    ("CLEANUP_ACCOUNT_ID", "--"),
    ("CLEANUP_REPORT_BYTES", "yes"),
    ("CLEANUP_MAX_ATTEMPTS", "0"),
    ("CLEANUP_MAX_ATTEMPTS", "21"),
    ("CLEANUP_RETRY_MODE", "legacy"),
    ("CLEANUP_PROTECT_DESCRIPTION_REGEX", "[unclosed"),
    ("CLEANUP_PROTECT_DESCRIPTION_REGEX", "(?P<name"),
]


def _assert_nothing_happened(drill: Drill, stale: set[str]) -> None:
    stats = drill.handle.stats()
    assert stats["operations"].get("AbortMultipartUpload", {}).get("total", 0) == 0
    assert stats["total"] == 0  # not even a listing
    assert drill.handle.aborts() == []
    assert stale <= {upload.upload_id for upload in drill.stored()}


def _event_id(value: Any) -> str:
    return repr(value)[:60]


@pytest.mark.parametrize(("event", "names"), BAD_EVENTS, ids=[_event_id(e) for e, _ in BAD_EVENTS])
def test_bad_event_is_rejected_naming_the_field_and_nothing_is_called(
    drill: Drill, event: Any, names: str
) -> None:
    population = drill.seed(["vault-000"], stale=3)

    with pytest.raises(InvalidEventError) as error:
        drill.run(event, check=False)

    assert names in str(error.value)
    _assert_nothing_happened(drill, population.stale)


@pytest.mark.parametrize(("variable", "value"), BAD_SETTINGS, ids=[f"{v}={x[:20]}" for v, x in BAD_SETTINGS])
@pytest.mark.parametrize("event", ["schedule", "on_demand"])
def test_bad_setting_is_rejected_naming_the_variable_and_nothing_is_called(
    drill: Drill, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, event: str
) -> None:
    population = drill.seed(["vault-000"], stale=3)
    monkeypatch.setenv(variable, value)

    with pytest.raises(SettingsError) as error:
        drill.run(schedule_event() if event == "schedule" else {"dry_run": False}, check=False)

    assert variable in str(error.value)
    if variable != "CLEANUP_VAULTS":  # (a list names the bad item, not the whole value)
        assert repr(value)[:20] in str(error.value)  # and the value given
    _assert_nothing_happened(drill, population.stale)


def test_a_bad_setting_fails_every_invocation_not_only_the_first(
    drill: Drill, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The validated runtime is cached per container; a failure must not be cached as "no settings"."""
    population = drill.seed(["vault-000"], stale=3)
    monkeypatch.setenv("CLEANUP_OLDER_THAN_HOURS", "0")

    for _ in range(3):
        with pytest.raises(SettingsError, match="CLEANUP_OLDER_THAN_HOURS"):
            drill.run(check=False)

    _assert_nothing_happened(drill, population.stale)


def test_valid_edge_values_are_accepted(
    drill: Drill, configuration: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other side of the bounds: the floor, the ceiling, the longest name and max_aborts 0. The floor
    (1 hour) is a loosening: the shipped configuration refuses it, naming it, before any call; a deployment
    that lets events loosen accepts it."""
    population = drill.seed(["v" * 255], stale=2)
    floor = {"dry_run": False, "older_than_hours": 1, "vaults": ["v" * 255], "max_aborts": 0}
    if configuration == "shipped":
        with pytest.raises(
            InvalidEventError, match=r"older_than_hours: 1 is shorter .* \(allowed here: >= 168\)"
        ):
            drill.run(floor, check=False)
        _assert_nothing_happened(drill, population.stale)
        monkeypatch.setenv("CLEANUP_EVENT_MAY_LOOSEN", "true")
        handler.get_runtime.cache_clear()

    record = drill.run(floor, context=FakeLambdaContext())
    ceiling = drill.run({"dry_run": True, "older_than_hours": 87_600})

    assert record.result["uploads_stale"] == 2
    assert record.result["uploads_capped"] == 2
    assert record.count("AbortMultipartUpload") == 0
    assert ceiling.result["uploads_stale"] == 0


def test_unknown_cleanup_variable_is_rejected(drill: Drill, monkeypatch: pytest.MonkeyPatch) -> None:
    # An operator meant "only uploads older than 30 days"; these are 10 days old.
    population = drill.seed(["vault-000"], stale=3, stale_age=timedelta(days=10))
    monkeypatch.setenv("CLEANUP_OLDER_THAN_HOUR", "720")

    with pytest.raises(SettingsError, match="CLEANUP_OLDER_THAN_HOUR"):
        drill.run(check=False)

    _assert_nothing_happened(drill, population.stale)
