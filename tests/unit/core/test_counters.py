"""One list of counters (glacier_cleanup.core.counters): the summary's fields, the result, the metrics, the
organization's totals, the continuation's carry-over and the terminal tool's summary all follow it."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from glacier_cleanup.core.counters import (
    COUNT_KEYS,
    COUNTS,
    NEEDS_ATTENTION,
    NOT_DONE_STATUSES,
    ORGANIZATION_KEYS,
    metric_name,
)
from glacier_cleanup.core.models import RunSummary
from glacier_cleanup.core.organization import TargetResult, summarize
from glacier_cleanup.terminal.output import render_summary_table, totals
from glacier_cleanup_cdk.continuation import EARLIER_COUNTS

# RunSummary's fields that are not counters of what happened.
NOT_COUNTERS = {"dry_run", "older_than_hours", "cutoff", "bytes_released", "abort_calls", "duration_ms"}


def numbered_summary(*, idle_hours: float | None = 48) -> RunSummary:
    """Each counter a different number (1, 2, 3, ...), so a mixed-up key shows."""
    summary = RunSummary(
        dry_run=False, older_than_hours=168, cutoff=datetime(2026, 1, 1, tzinfo=UTC), idle_hours=idle_hours
    )
    summary.add(**{key: number for number, key in enumerate(COUNT_KEYS, start=1)})
    return summary


def test_the_counters_are_exactly_the_summarys_integer_fields() -> None:
    integers = {
        field.name
        for field in dataclasses.fields(RunSummary)
        if field.type in ("int", int) and field.name not in NOT_COUNTERS
    }
    assert set(COUNT_KEYS) == integers
    assert len(COUNT_KEYS) == len(set(COUNT_KEYS))


def test_the_result_carries_every_counter_contract_keys_first() -> None:
    result = numbered_summary().to_result()
    assert {key: result[key] for key in COUNT_KEYS} == {
        key: number for number, key in enumerate(COUNT_KEYS, start=1)
    }
    keys = list(result)
    contract = [count.key for count in COUNTS if count.contract]
    assert keys[4 : 4 + len(contract)] == contract
    assert max(keys.index(key) for key in contract) < keys.index("failures")


def test_the_terminal_summary_shows_and_sums_every_counter() -> None:
    result = numbered_summary().to_result()
    combined = totals({"eu-west-1": result, "us-east-1": result})
    assert {key: combined[key] for key in COUNT_KEYS} == {key: 2 * result[key] for key in COUNT_KEYS}
    rows = [line.split() for line in render_summary_table("123456789012", {"eu-west-1": result}).splitlines()]
    for count in COUNTS:
        assert [*count.label.split(), str(result[count.key])] in rows


def test_without_the_activity_check_its_counters_are_not_shown() -> None:
    result = numbered_summary(idle_hours=None).to_result()
    rows = [line.split() for line in render_summary_table("123456789012", {"eu-west-1": result}).splitlines()]
    for count in COUNTS:
        assert ([*count.label.split(), str(result[count.key])] in rows) is not count.activity


def test_the_organization_totals_follow_the_organization_counters() -> None:
    result = numbered_summary().to_result()
    output = {"account": "111111111111", "region": "eu-west-1", "round": 1, "result": result}
    summary = summarize([TargetResult.from_item_output(output)] * 2).as_dict()
    assert {key: summary[key] for key in ORGANIZATION_KEYS} == {
        key: 2 * result[key] for key in ORGANIZATION_KEYS
    }
    assert not {count.key for count in COUNTS if not count.organization} & set(summary)


def test_the_continuation_carries_every_counter_and_the_abort_calls() -> None:
    assert (*COUNT_KEYS, "abort_calls") == EARLIER_COUNTS


def test_metric_names_are_unique_and_only_counters_with_one_have_one() -> None:
    metrics = [count.metric for count in COUNTS if count.metric]
    assert len(metrics) == len(set(metrics))
    assert metric_name("uploads_aborted") == "UploadsAborted"
    with pytest.raises(KeyError, match="uploads_protected is not a counter with a metric"):
        metric_name("uploads_protected")
    assert all(count.metric for count in COUNTS if count.organization_metric)


def test_the_statuses_that_need_attention_include_every_not_done_status() -> None:
    assert NOT_DONE_STATUSES == ("partial", "incomplete", "vault_not_found")
    assert {*NOT_DONE_STATUSES, "no_access", "failed"} == NEEDS_ATTENTION


def test_an_unknown_counter_has_no_metric_either() -> None:
    with pytest.raises(KeyError, match="no_such_counter is not a counter with a metric"):
        metric_name("no_such_counter")
