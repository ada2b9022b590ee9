"""The decision records made queryable (docs/records.md, "Querying with Athena"): a Glue database and table
over the records bucket, with partition projection (nothing to crawl, no partitions to add), and an Athena
workgroup holding the named queries of glacier_cleanup.core.record_queries.

L1 resources: aws-cdk-lib has no stable L2 for Glue tables or Athena workgroups (the Glue L2 is an alpha
module). The columns are `FIELDS`, the one record schema; a test keeps them equal.
"""

from __future__ import annotations

import re

from aws_cdk import Duration, Stack
from aws_cdk import aws_athena as athena
from aws_cdk import aws_glue as glue
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct
from glacier_cleanup.core.record_queries import QUERIES
from glacier_cleanup.core.records import FIELDS

from .config import CleanupSettings
from .records_bucket import RECORDS_PREFIX, DecisionRecordsBucket

TABLE = "decision_records"
RESULTS_PREFIX = "athena-results/"
# Athena stops a query of the workgroup that would scan more: a bound on its cost, far above what years
# of records hold.
BYTES_SCANNED_CUTOFF = 10 * 1024**3
QUERY_RESULTS_DAYS = 7
# How the records write their times (core/records.py, iso_time), for the Hive JSON SerDe.
TIMESTAMP_FORMAT = "yyyy-MM-dd'T'HH:mm:ss'Z'"
# The first year a record can carry (the schema's first version) and how far ahead projection reaches.
FIRST_YEAR, LAST_YEAR = 2026, 2126


def catalog_name(stack_name: str) -> str:
    """A Glue database name from the stack's: lower case, underscores (one per target stack)."""
    return re.sub(r"[^a-z0-9_]", "_", stack_name.lower())


def partition_template(bucket_name: str) -> str:
    """Where partition projection finds a day's objects: the writer's own layout (core/records.object_key)."""
    return f"s3://{bucket_name}/{RECORDS_PREFIX}year=${{year}}/month=${{month}}/day=${{day}}/"


class DecisionRecordsCatalog(Construct):
    def __init__(self, scope: Construct, id_: str, *, bucket: s3.IBucket, key: kms.IKey) -> None:
        super().__init__(scope, id_)
        stack = Stack.of(self)
        self.database_name = catalog_name(stack.stack_name)
        database = glue.CfnDatabase(
            self,
            "Database",
            catalog_id=stack.account,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=self.database_name,
                description="Glacier multipart cleanup: this target's decision records (docs/records.md)",
            ),
        )
        day = ("year", "month", "day")
        self.table = glue.CfnTable(
            self,
            "Table",
            catalog_id=stack.account,
            database_name=self.database_name,
            table_input=glue.CfnTable.TableInputProperty(
                name=TABLE,
                description="One record per upload a run judged (docs/records.md)",
                table_type="EXTERNAL_TABLE",
                partition_keys=[glue.CfnTable.ColumnProperty(name=name, type="string") for name in day],
                parameters={
                    "classification": "json",
                    "compressionType": "gzip",
                    "projection.enabled": "true",
                    "projection.year.type": "integer",
                    "projection.year.range": f"{FIRST_YEAR},{LAST_YEAR}",
                    "projection.month.type": "integer",
                    "projection.month.range": "1,12",
                    "projection.month.digits": "2",
                    "projection.day.type": "integer",
                    "projection.day.range": "1,31",
                    "projection.day.digits": "2",
                    "storage.location.template": partition_template(bucket.bucket_name),
                },
                storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                    columns=[
                        glue.CfnTable.ColumnProperty(name=c.name, type=c.type, comment=c.meaning[:255])
                        for c in FIELDS
                    ],
                    location=f"s3://{bucket.bucket_name}/{RECORDS_PREFIX}",
                    input_format="org.apache.hadoop.mapred.TextInputFormat",
                    output_format="org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                    serde_info=glue.CfnTable.SerdeInfoProperty(
                        serialization_library="org.apache.hive.hcatalog.data.JsonSerDe",
                        parameters={"timestamp.formats": TIMESTAMP_FORMAT},
                    ),
                ),
            ),
        )
        self.table.node.add_dependency(database)
        # Query results next to the records, under their own prefix, kept a week.
        if isinstance(bucket, s3.Bucket):
            bucket.add_lifecycle_rule(
                id="ExpireQueryResults", prefix=RESULTS_PREFIX, expiration=Duration.days(QUERY_RESULTS_DAYS)
            )
        self.workgroup = athena.CfnWorkGroup(
            self,
            "WorkGroup",
            name=f"{stack.stack_name}-records",
            description="Glacier multipart cleanup: the named queries over the decision records",
            recursive_delete_option=True,  # deleting the stack deletes the workgroup and its saved queries
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                enforce_work_group_configuration=True,
                publish_cloud_watch_metrics_enabled=True,
                bytes_scanned_cutoff_per_query=BYTES_SCANNED_CUTOFF,
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=f"s3://{bucket.bucket_name}/{RESULTS_PREFIX}",
                    encryption_configuration=athena.CfnWorkGroup.EncryptionConfigurationProperty(
                        encryption_option="SSE_KMS", kms_key=key.key_arn
                    ),
                ),
            ),
        )
        self.queries = []
        for query in QUERIES:
            named = athena.CfnNamedQuery(
                self,
                f"Query-{query.name}",
                name=query.name,
                description=query.description,
                database=self.database_name,
                query_string=query.sql.format(table=TABLE),
                work_group=self.workgroup.ref,
            )
            named.node.add_dependency(self.table)
            self.queries.append(named)


def decision_records(scope: Construct, *, settings: CleanupSettings, key: kms.IKey) -> DecisionRecordsBucket:
    """A stack's records: its bucket (or the one the config names) and the catalog that queries it."""
    records = DecisionRecordsBucket(
        scope,
        "Records",
        key=key,
        retention_days=settings.records_retention_days,
        existing_bucket_name=settings.records_bucket_name,
        existing_key_arn=settings.records_bucket_key_arn,
    )
    DecisionRecordsCatalog(scope, "RecordsCatalog", bucket=records.bucket, key=key)
    return records
