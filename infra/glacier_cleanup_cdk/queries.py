"""Saved CloudWatch Logs Insights queries on the function's log group (Logs Insights -> Saved queries)."""

from typing import Any

from aws_cdk import aws_logs as logs
from constructs import Construct

_RUN_FIELDS = (
    "@timestamp, status, complete, dry_run, uploads_found, uploads_stale, uploads_aborted, "
    "uploads_not_reached, abort_failures, vault_failures, vaults_gone, duration_ms"
)
# The same query on the dashboard (LogQueryWidget takes lines).
LAST_RUNS = [
    f"fields {_RUN_FIELDS}",
    'filter message = "cleanup finished"',
    "sort @timestamp desc",
    "limit 20",
]

# The runs' notice of what the schedule's next run will abort unless it changes (the dashboard).
NEXT_RUN_NOTICE = [
    "fields @timestamp, next_run, uploads, bytes, first.0.vault, first.0.upload_id, first.0.abortable_after",
    'filter message = "will be aborted at the next run unless it changes"',
    "sort @timestamp desc",
    "limit 20",
]

QUERIES: dict[str, tuple[str, dict[str, Any]]] = {
    "LastRuns": (
        "last runs (one line per run: status and counts)",
        {
            "fields": [_RUN_FIELDS],
            "filter_statements": ['message = "cleanup finished"'],
            "sort": "@timestamp desc",
            "limit": 20,
        },
    ),
    "AbortedInARun": (
        "uploads aborted (add: filter function_request_id = '<id>' for one run)",
        {
            "fields": ["@timestamp, vault, upload_id, age_hours, archive_description, function_request_id"],
            "filter_statements": ['message = "aborted stale upload"'],
            "sort": "@timestamp desc",
            "limit": 1000,
        },
    ),
    "FailuresByVault": (
        "failures by vault",
        {
            "filter_statements": ['level = "ERROR" and ispresent(vault)'],
            "stats_statements": ["count(*) as failures, latest(error_code) as last_error by vault"],
            "sort": "failures desc",
        },
    ),
}


class SavedQueries(Construct):
    def __init__(self, scope: Construct, id_: str, *, prefix: str, log_group: logs.ILogGroup) -> None:
        super().__init__(scope, id_)
        self.queries = {
            construct_id: logs.QueryDefinition(
                self,
                construct_id,
                query_definition_name=f"{prefix}/{title}",
                query_string=logs.QueryString(**parts),
                log_groups=[log_group],
            )
            for construct_id, (title, parts) in QUERIES.items()
        }
