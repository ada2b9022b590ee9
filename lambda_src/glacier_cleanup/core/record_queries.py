"""The questions users ask of the decision records (docs/records.md), as SQL over a table of them named
`{table}`: the named queries the stacks save for Athena. tests/unit/core/test_record_queries.py runs each
on DuckDB over the JSON Lines a run wrote and checks the answers against what the run did; the SQL is kept
to what both dialects read the same way.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class RecordQuery:
    name: str
    description: str
    sql: str  # `{table}`: the records' table


ABORTED_LAST_30_DAYS = RecordQuery(
    name="aborted-last-30-days",
    description="Every upload aborted in the last 30 days, newest first",
    sql="""SELECT run_time, account, region, vault, upload_id, age_hours, parts, bytes, uploader
FROM {table}
WHERE decision = 'aborted' AND run_time >= current_timestamp - INTERVAL '30' DAY
ORDER BY run_time DESC, account, region, vault, upload_id""",
)

RELEASED_PER_ACCOUNT_AND_MONTH = RecordQuery(
    name="released-per-account-and-month",
    description="Uploads aborted and the bytes they held, per account and month",
    sql="""SELECT account, date_trunc('month', run_time) AS month, count(*) AS uploads_aborted,
       sum(coalesce(bytes, 0)) AS bytes_released
FROM {table}
WHERE decision = 'aborted'
GROUP BY account, date_trunc('month', run_time)
ORDER BY month, account""",
)

ABORTED_AT_THE_NEXT_RUN = RecordQuery(
    name="aborted-at-the-next-run",
    description="What the next scheduled run will abort unless it changes: uploads of the latest run that "
    "are abortable before the schedule's next run (their idle time ends, or only a cap held them back)",
    sql="""SELECT r.account, r.region, r.vault, r.upload_id, r.bytes, r.abortable_after, r.next_run
FROM {table} r
JOIN (SELECT account, region, max(run_time) AS run_time FROM {table} GROUP BY account, region) latest
  ON r.account = latest.account AND r.region = latest.region AND r.run_time = latest.run_time
WHERE r.abortable_after <= r.next_run
ORDER BY r.abortable_after, r.account, r.region, r.vault, r.upload_id""",
)

KEPT_BY_THE_ACTIVITY_CHECK = RecordQuery(
    name="kept-by-the-activity-check",
    description="What the latest run of each account and region kept although old, and why",
    sql="""SELECT r.account, r.region, r.decision, count(*) AS uploads, sum(coalesce(r.bytes, 0)) AS bytes
FROM {table} r
JOIN (SELECT account, region, max(run_time) AS run_time FROM {table} GROUP BY account, region) latest
  ON r.account = latest.account AND r.region = latest.region AND r.run_time = latest.run_time
WHERE r.decision LIKE 'kept_%'
GROUP BY r.account, r.region, r.decision
ORDER BY r.account, r.region, r.decision""",
)

QUERIES = (
    ABORTED_LAST_30_DAYS,
    RELEASED_PER_ACCOUNT_AND_MONTH,
    ABORTED_AT_THE_NEXT_RUN,
    KEPT_BY_THE_ACTIVITY_CHECK,
)
