"""The decision records' Glue table and Athena workgroup (records_catalog.py) in the shipped target stack:
the table's columns are the one record schema, its partition projection finds the objects where the writer
puts them, and the workgroup holds the named queries the tests run on DuckDB."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from glacier_cleanup.core.record_queries import QUERIES
from glacier_cleanup.core.records import FIELDS, RunContext, object_key
from glacier_cleanup_cdk.records_catalog import TABLE, TIMESTAMP_FORMAT
from infra_helpers import logical_id_of, only_resource, resources_of_type, synthesize


def table_input(template: dict[str, Any]) -> dict[str, Any]:
    return dict(only_resource(template, "AWS::Glue::Table")["Properties"]["TableInput"])


def test_the_glue_tables_columns_are_the_record_schema(shipped_template: dict[str, Any]) -> None:
    columns = table_input(shipped_template)["StorageDescriptor"]["Columns"]
    assert [(column["Name"], column["Type"]) for column in columns] == [(c.name, c.type) for c in FIELDS]


def test_partition_projection_finds_the_objects_where_the_function_writes_them(
    shipped_template: dict[str, Any],
) -> None:
    table = table_input(shipped_template)
    parameters = table["Parameters"]
    assert [key["Name"] for key in table["PartitionKeys"]] == ["year", "month", "day"]
    assert parameters["projection.enabled"] == "true"
    # The template, with the bucket's name resolved by CloudFormation, then filled in for one run's day
    template = parameters["storage.location.template"]["Fn::Join"][1]
    assert template[0] == "s3://"
    bucket_ref = template[1]
    assert bucket_ref == {"Ref": logical_id_of_bucket(shipped_template)}
    pattern = template[2]
    run = RunContext("schedule-20260307T060000Z", datetime(2026, 3, 7, 6, 0, tzinfo=UTC), "schedule", None)
    key = object_key(run, round_=1)
    day = re.escape(pattern).replace(r"\$\{year\}", "2026").replace(r"\$\{month\}", "03")
    assert re.match("^" + day.replace(r"\$\{day\}", "07"), "/" + key), (pattern, key)
    for part in ("month", "day"):
        assert parameters[f"projection.{part}.digits"] == "2"  # the writer's %m and %d


def logical_id_of_bucket(template: dict[str, Any]) -> str:
    """The records bucket: the one whose lifecycle expires records."""
    [found] = [
        logical_id
        for logical_id, bucket in resources_of_type(template, "AWS::S3::Bucket").items()
        if any(
            rule["Id"] == "ExpireRecords" for rule in bucket["Properties"]["LifecycleConfiguration"]["Rules"]
        )
    ]
    return found


def test_the_serde_reads_the_records_times(shipped_template: dict[str, Any]) -> None:
    serde = table_input(shipped_template)["StorageDescriptor"]["SerdeInfo"]
    assert serde["SerializationLibrary"] == "org.apache.hive.hcatalog.data.JsonSerDe"
    assert serde["Parameters"]["timestamp.formats"] == TIMESTAMP_FORMAT
    # The Joda pattern written out for one record's time is what the writer writes
    written = "2026-12-07T06:00:00Z"
    joda_as_regex = TIMESTAMP_FORMAT.replace("'", "").replace("yyyy", r"\d{4}")
    for letters in ("MM", "dd", "HH", "mm", "ss"):
        joda_as_regex = joda_as_regex.replace(letters, r"\d{2}")
    assert re.fullmatch(joda_as_regex, written)


def test_the_workgroup_holds_the_named_queries_with_encrypted_bounded_results(
    shipped_template: dict[str, Any],
) -> None:
    workgroup = only_resource(shipped_template, "AWS::Athena::WorkGroup")["Properties"]
    configuration = workgroup["WorkGroupConfiguration"]
    assert configuration["EnforceWorkGroupConfiguration"] is True
    assert configuration["ResultConfiguration"]["EncryptionConfiguration"]["EncryptionOption"] == "SSE_KMS"
    assert configuration["BytesScannedCutoffPerQuery"] > 0
    named = resources_of_type(shipped_template, "AWS::Athena::NamedQuery")
    saved = {query["Properties"]["Name"]: query["Properties"] for query in named.values()}
    assert saved.keys() == {query.name for query in QUERIES}
    for query in QUERIES:
        assert saved[query.name]["QueryString"] == query.sql.format(table=TABLE)
        assert saved[query.name]["WorkGroup"] == {
            "Ref": logical_id_of(shipped_template, "AWS::Athena::WorkGroup")
        }


def test_the_function_may_not_read_the_records_nor_query_them(shipped_template: dict[str, Any]) -> None:
    statements = [
        statement
        for policy in resources_of_type(shipped_template, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    actions = {
        action
        for statement in statements
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
    }
    assert not {action for action in actions if action.startswith(("athena:", "glue:"))}


def test_a_bucket_the_config_names_takes_the_records_and_the_stack_makes_none(tmp_path: Path) -> None:
    key_arn = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    config = {
        "defaults": {},
        "targets": [
            {
                "name": "owned",
                "account": "111111111111",
                "region": "eu-west-1",
                "records_bucket_name": "central-audit-records",
                "records_bucket_key_arn": key_arn,
                "test_event_registry": "existing",
            }
        ],
    }
    [template] = synthesize(tmp_path, config).templates.values()
    buckets = resources_of_type(template, "AWS::S3::Bucket").values()
    assert not [b for b in buckets if "ExpireRecords" in json.dumps(b)]  # no bucket of the stack's own
    [function] = resources_of_type(template, "AWS::Lambda::Function").values()
    assert (
        function["Properties"]["Environment"]["Variables"]["CLEANUP_RECORDS_BUCKET"]
        == "central-audit-records"
    )
    statements = [
        statement
        for policy in resources_of_type(template, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    [write] = [s for s in statements if s.get("Sid") == "WriteDecisionRecords"]
    assert "central-audit-records/records/*" in json.dumps(write["Resource"])
    assert any(
        s["Resource"] == key_arn and "kms:GenerateDataKey*" in json.dumps(s["Action"]) for s in statements
    )
    location = table_input(template)["StorageDescriptor"]["Location"]
    assert "central-audit-records" in json.dumps(location)
