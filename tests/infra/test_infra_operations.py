"""The day after the first deploy: the dashboard, the saved queries and the outputs that lead to them."""

from __future__ import annotations

import json
from typing import Any

from infra_helpers import function_log_group_id, logical_id_of, only_resource, resources_of_type


def dashboard_widgets(template: dict[str, Any]) -> list[dict[str, Any]]:
    body = only_resource(template, "AWS::CloudWatch::Dashboard")["Properties"]["DashboardBody"]
    # The body is a Fn::Join of JSON text and tokens; tokens become placeholders to parse it.
    text = ""
    for part in body["Fn::Join"][1]:
        # A token inside a JSON string (an odd number of quotes so far) becomes TOKEN, a bare one "TOKEN".
        inside = (text.count('"') - text.count('\\"')) % 2 == 1
        text += part if isinstance(part, str) else ("TOKEN" if inside else '"TOKEN"')
    widgets: list[dict[str, Any]] = json.loads(text)["widgets"]
    return widgets


def test_dashboard_widgets(shipped_template: dict[str, Any]) -> None:
    widgets = dashboard_widgets(shipped_template)
    titles = [w["properties"].get("title") for w in widgets]
    assert titles == [
        "Runs and incomplete runs",
        "Uploads",
        "Old uploads kept by the activity check",
        "Bytes held by stale uploads, and released",
        "Failures",
        "Run duration (ms)",
        "Will be aborted at the next run unless it changes",
        "Named by the last runs: aborted at the next run unless it changes",
        "Alarms",
        "Last runs (status, counts)",
    ]
    by_title = {w["properties"]["title"]: w for w in widgets}

    def metric_names(title: str) -> list[str]:
        return [metric[1] for metric in by_title[title]["properties"]["metrics"]]

    assert metric_names("Runs and incomplete runs") == ["Runs", "RunIncomplete"]
    assert metric_names("Uploads") == ["UploadsFound", "UploadsStale", "UploadsAborted", "UploadsAlreadyGone"]
    assert metric_names("Old uploads kept by the activity check") == ["UploadsFirstSeen", "UploadsActive"]
    assert metric_names("Bytes held by stale uploads, and released") == ["BytesStale", "BytesReleased"]
    assert metric_names("Failures") == [
        "AbortFailures",
        "VaultFailures",
        "VaultsNotFound",
        "NumberOfMessagesSent",
    ]
    assert metric_names("Run duration (ms)") == ["Duration", "Duration"]
    # The notice: one run's rounds add up within the schedule's period (a day by default)
    assert metric_names("Will be aborted at the next run unless it changes") == ["UploadsToAbortAtNextRun"]
    notice = by_title["Will be aborted at the next run unless it changes"]["properties"]
    assert notice["metrics"][0][-1] == {"period": 86400, "stat": "Sum"}
    named = by_title["Named by the last runs: aborted at the next run unless it changes"]
    assert (
        'filter message = "will be aborted at the next run unless it changes"' in named["properties"]["query"]
    )
    # Custom metrics are the target's own series.
    uploads = by_title["Uploads"]["properties"]["metrics"][0]
    assert uploads[:2] == ["GlacierMultipartCleanup", "UploadsFound"]
    assert uploads[2:6] == ["service", "glacier-multipart-cleanup", "target", "default"]
    assert (
        len(by_title["Alarms"]["properties"]["alarms"]) == 10
    )  # ActivityCheckFailures: the activity check is on by default
    assert (
        'filter message = "cleanup finished"' in by_title["Last runs (status, counts)"]["properties"]["query"]
    )


def test_saved_queries(shipped_template: dict[str, Any]) -> None:
    log_group = {"Ref": function_log_group_id(shipped_template)}
    queries = {
        q["Properties"]["Name"].split("/", 1)[1]: q["Properties"]
        for q in resources_of_type(shipped_template, "AWS::Logs::QueryDefinition").values()
    }
    assert set(queries) == {
        "last runs (one line per run: status and counts)",
        "uploads aborted (add: filter function_request_id = '<id>' for one run)",
        "failures by vault",
    }
    for query in queries.values():
        assert query["LogGroupNames"] == [log_group]
        assert query["Name"].startswith("GlacierCleanup-default/")
    assert (
        'filter message = "cleanup finished"'
        in queries["last runs (one line per run: status and counts)"]["QueryString"]
    )
    assert (
        'filter message = "aborted stale upload"'
        in queries["uploads aborted (add: filter function_request_id = '<id>' for one run)"]["QueryString"]
    )
    assert "by vault" in queries["failures by vault"]["QueryString"]


def test_outputs_lead_to_the_dashboard_logs_queue_and_topic(
    shipped_template: dict[str, Any], alpha_template: dict[str, Any]
) -> None:
    outputs = shipped_template["Outputs"]
    assert {"DashboardUrl", "LogGroupName", "FailedRunsQueueUrl"} <= set(outputs)
    assert outputs["LogGroupName"]["Value"] == {"Ref": function_log_group_id(shipped_template)}
    assert outputs["FailedRunsQueueUrl"]["Value"] == {
        "Ref": logical_id_of(shipped_template, "AWS::SQS::Queue")
    }
    url = json.dumps(outputs["DashboardUrl"]["Value"])
    assert "#dashboards/dashboard/" in url
    assert "AlarmTopicArns" not in outputs  # no destination configured
    [alarm_topic] = [
        i for i in resources_of_type(alpha_template, "AWS::SNS::Topic") if i.startswith("AlarmTopic")
    ]
    assert alpha_template["Outputs"]["AlarmTopicArns"]["Value"] == {"Ref": alarm_topic}
