"""Guardrails the deployment owns (glacier_cleanup.inputs.guardrails): an event may only make a run safer or
smaller unless the config lets it loosen; a refused event fails before any call and aborts nothing."""

from __future__ import annotations

import os
from typing import Any

import pytest
from glacier_cleanup import handler
from glacier_cleanup.handler import Runtime, lambda_handler
from glacier_cleanup.inputs.events import InvalidEventError
from glacier_cleanup.inputs.settings import Settings
from support.fakes import FakeGlacier
from support.handler_env import FakeLambdaContext, FakeRuntime, MemoryStore

# A deployment as shipped (a dry run, the activity check on) with a cap and two vaults.
DEPLOYMENT = {
    "CLEANUP_OBSERVATION_TABLE": "observations",
    "CLEANUP_MAX_ABORTS": "10",
    "CLEANUP_VAULTS": "backups,media",
}


@pytest.fixture
def glacier(monkeypatch: pytest.MonkeyPatch) -> FakeGlacier:
    fake = FakeGlacier()
    fake.add_uploads("backups", 3, age_hours=500)
    for name in [name for name in os.environ if name.startswith("CLEANUP_")]:
        monkeypatch.delenv(name)
    for name, value in DEPLOYMENT.items():
        monkeypatch.setenv(name, value)

    store = MemoryStore()

    class WithStore(FakeRuntime):
        def observations_for(self, plan: Any, seconds_remaining: Any = None) -> MemoryStore | None:
            return store if plan.activity_check else None

    def runtime() -> Runtime:
        return WithStore(settings=Settings.from_environ(os.environ), session=None, glacier=fake)  # type: ignore[arg-type]

    monkeypatch.setattr(handler, "get_runtime", runtime)
    return fake


LOOSENING = [
    ({"dry_run": False}, "dry_run: false"),
    ({"activity_check": False}, "activity_check: false"),
    ({"older_than_hours": 24}, "older_than_hours: 24 is shorter than this deployment's 168"),
    ({"idle_hours": 48}, "idle_hours: 48 is shorter than this deployment's 168"),
    ({"max_aborts": 11}, "max_aborts: 11 is above this deployment's 10"),
    ({"vaults": ["backups", "secret"]}, "vaults: secret not among this deployment's vaults"),
]


@pytest.mark.parametrize(("event", "named"), LOOSENING, ids=[next(iter(e)) for e, _ in LOOSENING])
def test_an_event_that_loosens_a_setting_is_refused_naming_it_before_any_call(
    glacier: FakeGlacier, event: dict[str, Any], named: str
) -> None:
    with pytest.raises(InvalidEventError) as error:
        lambda_handler(event, FakeLambdaContext())
    assert named in str(error.value)
    assert "on_demand_may_loosen" in str(error.value)
    assert sum(glacier.calls.values()) == 0


def test_a_target_event_sent_straight_to_the_function_is_held_to_the_same_rule(
    glacier: FakeGlacier, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLEANUP_MEMBER_ROLE_NAME", "GlacierCleanupMember")
    event = {"account": "111111111111", "region": "eu-west-1", "run_id": "r", "settings": {"dry_run": False}}
    with pytest.raises(InvalidEventError, match="dry_run: false"):
        lambda_handler(event, FakeLambdaContext())
    assert sum(glacier.calls.values()) == 0


def test_every_loosening_key_is_named_at_once(glacier: FakeGlacier) -> None:
    with pytest.raises(InvalidEventError) as error:
        lambda_handler(
            {"dry_run": False, "activity_check": False, "older_than_hours": 1}, FakeLambdaContext()
        )
    assert all(key in str(error.value) for key in ("dry_run", "activity_check", "older_than_hours"))


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"dry_run": True},
        {"vaults": ["media"]},
        {"max_aborts": 3},
        {"older_than_hours": 500, "idle_hours": 300},
        {"activity_check": True},
    ],
)
def test_an_event_that_makes_the_run_safer_or_smaller_runs(
    glacier: FakeGlacier, event: dict[str, Any]
) -> None:
    result = lambda_handler(event, FakeLambdaContext())
    assert result["dry_run"] is True
    assert glacier.calls["AbortMultipartUpload"] == 0


def test_the_config_switch_lets_events_loosen(glacier: FakeGlacier, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEANUP_EVENT_MAY_LOOSEN", "true")
    result = lambda_handler({"dry_run": False, "activity_check": False}, FakeLambdaContext())
    assert (result["dry_run"], result["uploads_aborted"]) == (False, 3)


@pytest.mark.parametrize(("before", "expected"), [(0, 3), (8, 2), (10, 0), (15, 0)])
def test_a_continuation_round_aborts_only_what_is_left_of_the_runs_cap(
    glacier: FakeGlacier, monkeypatch: pytest.MonkeyPatch, before: int, expected: int
) -> None:
    """max_aborts caps a scheduled run across its rounds: the state machine tells each round how many
    aborts the earlier ones attempted (tests/organization/test_target_rounds.py runs the state machine)."""
    monkeypatch.setenv("CLEANUP_DRY_RUN", "false")
    monkeypatch.setenv("CLEANUP_ACTIVITY_CHECK", "false")  # age alone: this is about the cap
    event = {"trigger": "schedule", "round": 2, "aborts_before": before}
    result = lambda_handler(event, FakeLambdaContext())
    assert result["uploads_aborted"] == expected
