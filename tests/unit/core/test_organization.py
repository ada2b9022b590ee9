"""The organization mode's domain: planning targets and summing results
(glacier_cleanup.core.organization)."""

from __future__ import annotations

import pytest
from glacier_cleanup.core.counters import COUNT_KEYS
from glacier_cleanup.core.organization import Account, PlanError, TargetResult, plan_targets, summarize
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


NOT_IN_SCOPE = "not an ACTIVE, not excluded account under the configured organizational units"


@pytest.mark.parametrize(
    ("narrowing", "message"),
    [
        ({"only_accounts": ["222222222222"]}, f"accounts: 222222222222 {NOT_IN_SCOPE}"),
        ({"only_accounts": ["444444444444"]}, f"accounts: 444444444444 {NOT_IN_SCOPE}"),  # excluded stays so
        (
            {"only_accounts": ["999999999999", "222222222222"]},
            f"accounts: 999999999999, 222222222222 {NOT_IN_SCOPE}",
        ),
        (
            {"only_regions": ["ap-south-1", "ap-east-1"]},
            "regions: ap-south-1, ap-east-1 not among the configured regions (allowed: eu-west-1, us-east-1)",
        ),
    ],
)
def test_narrowing_outside_the_scope_is_an_error_naming_it(
    narrowing: dict[str, list[str]], message: str
) -> None:
    with pytest.raises(PlanError) as raised:
        plan_targets(ACCOUNTS, REGIONS, exclude_accounts=["444444444444"], **narrowing)  # type: ignore[arg-type]
    assert str(raised.value) == message


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


def test_a_target_result_adds_the_earlier_rounds_to_the_last_one() -> None:
    target = TargetResult.from_item_output(
        {
            "account": "111111111111",
            "region": "eu-west-1",
            "round": 3,
            # what two earlier rounds handed on: the vaults the last round resumed after, and the 9 uploads
            # they removed from the vaults it saw again (core/coverage.py)
            "earlier": {
                "uploads_found": 9,
                "uploads_stale": 9,
                "uploads_aborted": 7,
                "uploads_already_gone": 2,
                "abort_failures": 1,
                "vaults_scanned": None,
                "abort_calls": 8,
            },
            "result": {"status": "ok", "uploads_found": 4, "uploads_stale": 3, "uploads_aborted": 3},
        }
    )

    assert target == TargetResult(
        account="111111111111",
        region="eu-west-1",
        status="ok",
        rounds=3,
        result={
            **dict.fromkeys(COUNT_KEYS, 0),
            "status": "ok",
            "uploads_found": 13,
            "uploads_stale": 12,
            "uploads_aborted": 10,
            "uploads_already_gone": 2,
            "abort_failures": 1,
        },
    )
    assert target.row() == {
        "account": "111111111111",
        "region": "eu-west-1",
        "status": "ok",
        "rounds": 3,
        "uploads_found": 13,
        "uploads_stale": 12,
        "uploads_aborted": 10,
        "uploads_first_seen": 0,
        "uploads_active": 0,
    }


def test_an_item_output_without_fields_is_a_failed_target_of_one_round() -> None:
    target = TargetResult.from_item_output({})

    assert target == TargetResult(
        account="?", region="?", status="failed", rounds=1, result=dict.fromkeys(COUNT_KEYS, 0)
    )
    assert target.row() == {
        "account": "?",
        "region": "?",
        "status": "failed",
        "rounds": 1,
        "uploads_found": 0,
        "uploads_stale": 0,
        "uploads_aborted": 0,
        "uploads_first_seen": 0,
        "uploads_active": 0,
    }


@pytest.mark.parametrize(
    ("item_input", "where"),
    [
        ({"account": "222222222222", "region": "us-east-1", "round": 4}, ("222222222222", "us-east-1", 4)),
        ({}, ("?", "?", 1)),
    ],
)
def test_a_failed_item_names_its_target_and_the_error(
    item_input: dict[str, object], where: tuple[str, str, int]
) -> None:
    account, region, rounds = where
    assert TargetResult.failed(item_input, "States.Timeout: late") == TargetResult(
        account=account,
        region=region,
        status="failed",
        rounds=rounds,
        result={"failures": [{"vault": None, "upload_id": None, "error": "States.Timeout: late"}]},
    )


def test_the_summary_names_at_most_fifty_targets_that_need_attention() -> None:
    results = [
        TargetResult.from_item_output(
            {"account": f"{index:012d}", "region": "eu-west-1", "result": {"status": "no_access"}}
        )
        for index in range(51)
    ]
    summary = summarize(results)

    attention = summary.as_dict()["needs_attention"]
    assert len(attention) == 50
    assert attention[0] == {"account": "000000000000", "region": "eu-west-1", "status": "no_access"}
    assert len(summary.as_dict(max_attention=2)["needs_attention"]) == 2
    assert summary.targets == len(summary.attention) == 51
