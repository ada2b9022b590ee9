"""The organization state machine's two other steps (docs/organization.md):

- `plan_handler`: the organization's ACTIVE accounts under the configured OUs (minus exclusions) x the
  regions, written to the results bucket as the Distributed Map's items. A request naming an account or
  region outside that scope fails the execution before anything is listed or aborted.
- `summary_handler`: reads every target's result from the map's ResultWriter files, writes
  runs/<run_id>/summary.json, logs one line with the organization's totals and publishes metrics: the
  totals (dimensions service, target) and, for each target where something happened or needs attention,
  its own (dimensions Account, Region).
"""

from __future__ import annotations

import functools
import os
from typing import Any

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from glacier_cleanup.aws.glacier import create_session
from glacier_cleanup.aws.identity import glacier_regions
from glacier_cleanup.aws.organizations import accounts_under
from glacier_cleanup.aws.results_bucket import RunStore
from glacier_cleanup.core.counters import COUNTS, FAILED, NEEDS_ATTENTION
from glacier_cleanup.core.notice import Notice
from glacier_cleanup.core.organization import OrganizationSummary, TargetResult, plan_targets, summarize
from glacier_cleanup.core.run_message import RunTotals, run_message
from glacier_cleanup.inputs.events import InvalidEventError
from glacier_cleanup.inputs.org_events import parse_planner_event
from glacier_cleanup.inputs.org_settings import OrganizationSettings
from glacier_cleanup.observability import SERVICE_NAME, logger, metrics

# The counters that are also metrics of the organization, totals and per target: (result key, metric).
_ORGANIZATION_METRICS = tuple(
    (count.key, count.metric) for count in COUNTS if count.organization_metric and count.metric
)


@functools.cache
def get_settings() -> OrganizationSettings:
    return OrganizationSettings.from_environ(os.environ)


@logger.inject_lambda_context(clear_state=True)
def plan_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    planned = parse_planner_event(event)
    request = planned.request
    logger.append_keys(run_id=planned.run_id, trigger=request.trigger or "on_demand")
    session = create_session()
    plan = plan_targets(
        accounts_under(session, settings.parent_ids),
        settings.regions or glacier_regions(session),
        exclude_accounts=settings.exclude_accounts,
        only_accounts=request.accounts,
        only_regions=request.regions,
    )
    key = RunStore(session, settings.results_bucket).write_targets(planned.run_id, plan.targets)
    answer: dict[str, Any] = {
        "run_id": planned.run_id,
        "bucket": settings.results_bucket,
        "key": key,
        "targets": len(plan.targets),
        "accounts": plan.accounts,
        "regions": list(plan.regions),
        "settings": request.overrides(),
    }
    logger.info(
        "organization run planned",
        **answer,
        accounts_excluded=plan.excluded,
        accounts_not_active=plan.skipped_inactive,
    )
    return answer


class SummaryEvent(BaseModel):
    """The summary step's input: the planner's answer and the map's ResultWriter details."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    run_id: str
    targets_planned: int = Field(ge=0)
    results_bucket: str
    manifest_key: str


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def summary_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        request = SummaryEvent.model_validate(event)
    except ValidationError as exc:
        raise InvalidEventError(f"invalid summary event: {exc}") from exc
    settings = get_settings()
    logger.append_keys(run_id=request.run_id)
    store = RunStore(create_session(), request.results_bucket)
    results = list(store.read_results(request.manifest_key))
    summary = summarize(results)
    # Targets the map never reported on (lost items) must not pass as clean.
    missing = max(0, request.targets_planned - summary.targets)
    document = {
        "run_id": request.run_id,
        "targets_planned": request.targets_planned,
        "targets_missing": missing,
        **summary.as_dict(),
    }
    key = store.write_summary(request.run_id, {**document, "results": [result.row() for result in results]})
    logger.info("organization run finished", **document, summary_key=key)
    publish_totals(summary, missing, settings.name)
    publish_per_target(results)
    message = organization_message(settings, request.run_id, results, summary, missing)
    return {**document, "summary_key": key, "message": message}


def organization_message(
    settings: OrganizationSettings,
    run_id: str,
    results: list[TargetResult],
    summary: OrganizationSummary,
    missing: int,
) -> dict[str, Any]:
    """The organization run's summary for people (core/run_message.py): the totals over every target, the
    uploads due at the next run in any of them (the first few by account, region and name)."""
    notice = Notice(None, counted=(0, 0))
    for target in results:
        notice = notice.merged(
            Notice.from_result(target.result, account=target.account, region=target.region)
        )
    attention = summary.attention
    status = "ok" if not attention and not missing else f"attention ({len(attention) + missing} targets)"
    single_round = all(target.rounds == 1 for target in results)
    released = [target.result.get("bytes_released") for target in results]
    totals = RunTotals(
        status=status,
        dry_run=any(bool(target.result.get("dry_run")) for target in results),
        aborted=summary.totals["uploads_aborted"],
        would_abort=sum(int(t.result.get("uploads_stale") or 0) for t in results if t.result.get("dry_run")),
        failures=summary.totals["abort_failures"] + summary.totals["vault_failures"],
        not_reached=summary.totals["uploads_not_reached"],
        bytes_released=sum(int(b or 0) for b in released) if single_round and any(released) else None,
        rounds=max((target.rounds for target in results), default=1),  # the longest target's
    )
    bucket = settings.records_bucket
    where = f"s3://{bucket}/records/ (run {run_id}; Athena: the hub's records workgroup)"
    return run_message(
        name=f"organization {settings.name}",
        run_id=run_id,
        totals=totals,
        notice=notice,
        records=where if bucket else None,
        attention=[f"{account} {region}: {status}" for account, region, status in attention],
        always=settings.summary_always,
        with_place=True,
    )


def publish_totals(summary: OrganizationSummary, missing: int, name: str) -> None:
    """The organization's totals, read by the hub stack's alarms (dimensions service, target)."""
    metrics.add_dimension(name="target", value=name)
    counts = {
        "Targets": summary.targets,
        "TargetsFailed": summary.statuses[FAILED] + missing,
        "TargetsNoAccess": summary.statuses["no_access"],
        "TargetsPartial": summary.statuses["partial"],
        "TargetsIncomplete": summary.statuses["incomplete"],
        **{metric: summary.totals[key] for key, metric in _ORGANIZATION_METRICS},
        "OrganizationRuns": 1,
    }
    for metric, value in counts.items():
        metrics.add_metric(name=metric, unit=MetricUnit.Count, value=value)


def publish_per_target(results: list[TargetResult]) -> None:
    """Metrics with Account and Region dimensions, only where something happened or needs attention:
    an organization of 1,000 accounts x 20 regions mostly answers "nothing here", and each
    Account x Region series is a billed custom metric."""
    for result in results:
        counts = {metric: int(result.result.get(key) or 0) for key, metric in _ORGANIZATION_METRICS}
        attention = result.status in NEEDS_ATTENTION
        if not attention and not any(counts.values()):
            continue
        target_metrics = EphemeralMetrics(namespace=metrics.namespace, service=SERVICE_NAME)
        target_metrics.add_dimension(name="Account", value=result.account)
        target_metrics.add_dimension(name="Region", value=result.region)
        counts["TargetNeedsAttention"] = 1 if attention else 0
        for metric, value in counts.items():
            target_metrics.add_metric(name=metric, unit=MetricUnit.Count, value=value)
        target_metrics.flush_metrics()
