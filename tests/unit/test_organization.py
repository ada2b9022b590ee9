"""The organization mode's domain: planning targets and summing results (glacier_cleanup.organization)."""

from __future__ import annotations

import pytest
from glacier_cleanup.organization import Account, PlanError, TargetResult, plan_targets, summarize
from hypothesis import given
from hypothesis import strategies as st

ACCOUNTS = [
    Account("333333333333", "gamma", "ACTIVE"),
    Account("111111111111", "alpha", "ACTIVE"),
    Account("222222222222", "beta", "SUSPENDED"),
    Account("444444444444", "delta", "ACTIVE"),
    Account("111111111111", "alpha", "ACTIVE"),  # under two parents in the walk: once in the plan
]
REGIONS = ["eu-west-1", "us-east-1"]


def test_every_active_account_not_excluded_times_every_region_once() -> None:
    plan = plan_targets(ACCOUNTS, REGIONS, exclude_accounts=["444444444444"])

    assert [(t.account, t.region) for t in plan.targets] == [
        ("111111111111", "eu-west-1"),
        ("111111111111", "us-east-1"),
        ("333333333333", "eu-west-1"),
        ("333333333333", "us-east-1"),
    ]
    assert (plan.accounts, plan.excluded, plan.skipped_inactive) == (2, 1, 1)


def test_a_run_can_be_narrowed_to_accounts_and_regions_in_scope() -> None:
    plan = plan_targets(ACCOUNTS, REGIONS, only_accounts=["333333333333"], only_regions=["us-east-1"])
    assert [t.as_item() for t in plan.targets] == [{"account": "333333333333", "region": "us-east-1"}]


@pytest.mark.parametrize(
    ("narrowing", "message"),
    [
        ({"only_accounts": ["222222222222"]}, "accounts: 222222222222 not an ACTIVE, not excluded account"),
        ({"only_accounts": ["444444444444"]}, "accounts: 444444444444"),  # excluded stays excluded
        ({"only_accounts": ["999999999999"]}, "accounts: 999999999999"),
        ({"only_regions": ["ap-south-1"]}, "regions: ap-south-1 not among the configured regions (allowed: "),
    ],
)
def test_narrowing_outside_the_scope_is_an_error_naming_it(
    narrowing: dict[str, list[str]], message: str
) -> None:
    with pytest.raises(PlanError, match=message.replace("(", r"\(")):
        plan_targets(ACCOUNTS, REGIONS, exclude_accounts=["444444444444"], **narrowing)  # type: ignore[arg-type]


@given(
    states=st.lists(st.sampled_from(["ACTIVE", "SUSPENDED", "PENDING_CLOSURE", "CLOSED"]), max_size=30),
    excluded=st.sets(st.integers(min_value=0, max_value=29)),
    regions=st.lists(st.sampled_from([*REGIONS, "ap-east-1"]), min_size=1),
)
def test_the_plan_holds_exactly_the_active_included_accounts(
    states: list[str], excluded: set[int], regions: list[str]
) -> None:
    accounts = [Account(f"{index:012d}", "", state) for index, state in enumerate(states)]
    plan = plan_targets(accounts, regions, exclude_accounts=[f"{index:012d}" for index in excluded])
    expected = {f"{i:012d}" for i, state in enumerate(states) if state == "ACTIVE" and i not in excluded}
    assert {t.account for t in plan.targets} == expected
    assert len(plan.targets) == len(expected) * len(set(regions))


def result(status: str, **counts: int) -> TargetResult:
    return TargetResult.from_item_output(
        {"account": "111111111111", "region": "eu-west-1", "round": 2, "result": {"status": status, **counts}}
    )


def test_the_summary_adds_up_targets_statuses_and_counts() -> None:
    failed = TargetResult.failed({"account": "222222222222", "region": "us-east-1"}, "Lambda.Unknown: boom")
    summary = summarize(
        [
            result("ok", uploads_found=5, uploads_stale=3, uploads_aborted=3),
            result("glacier_unavailable"),
            result("no_access"),
            result("partial", uploads_stale=2, uploads_aborted=1, abort_failures=1),
            failed,
        ]
    ).as_dict()

    assert summary["targets"] == 5
    assert summary["statuses"] == {
        "failed": 1,
        "glacier_unavailable": 1,
        "no_access": 1,
        "ok": 1,
        "partial": 1,
    }
    assert (summary["uploads_stale"], summary["uploads_aborted"], summary["abort_failures"]) == (5, 4, 1)
    assert summary["rounds"] == 9  # four results of 2 rounds, the failed item's 1
    assert [entry["status"] for entry in summary["needs_attention"]] == ["no_access", "partial", "failed"]
    assert failed.row()["status"] == "failed"
    assert failed.result["failures"][0]["error"] == "Lambda.Unknown: boom"
