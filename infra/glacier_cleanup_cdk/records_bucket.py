"""The decision records' bucket of a target stack (docs/records.md): one object per run round under
`records/`, private, encrypted with the stack key, TLS-only, expired after `records_retention_days`."""

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from .checkov import acknowledge
from .nag import iam5_resource_finding

RECORDS_PREFIX = "records/"


class DecisionRecordsBucket(Construct):
    def __init__(self, scope: Construct, id_: str, *, key: kms.IKey, retention_days: int) -> None:
        super().__init__(scope, id_)
        self._key = key
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireRecords",
                    expiration=Duration.days(retention_days),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
            # The record of what was aborted outlives the stack; its objects still expire.
            removal_policy=RemovalPolicy.RETAIN,
        )
        reason_logs = (
            "The bucket holds only the function's decision records, written by its role; who read them is in "
            "CloudTrail (data events, where the organization enables them). An access-log bucket would need "
            "its own bucket and lifecycle for no extra question answered."
        )
        Validations.of(self.bucket).acknowledge(Acknowledgment(id="AwsSolutions-S1", reason=reason_logs))
        acknowledge(self.bucket, "CKV_AWS_18", reason_logs)
        acknowledge(
            self.bucket,
            "CKV_AWS_21",
            "Each record object is written once under a new key and expires; versions would only keep "
            "expired records longer.",
        )

    def grant_write(self, role: iam.IRole) -> None:
        """s3:PutObject on `records/*` and nothing else (no read, no delete, no tagging or retention), with
        the key's GenerateDataKey that an encrypted PutObject needs."""
        pattern = f"{RECORDS_PREFIX}*"
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="WriteDecisionRecords",
                actions=["s3:PutObject"],
                resources=[self.bucket.arn_for_objects(pattern)],
            )
        )
        # The same action the queue's and the table's grants give on this key (so one statement stays one).
        self._key.grant(role, "kms:GenerateDataKey*")
        Validations.of(role).acknowledge(
            Acknowledgment(
                id=iam5_resource_finding(self, self.bucket.arn_for_objects(pattern)),
                reason=f"Objects under {pattern} of the records bucket only: each key holds its run's date "
                "and id, which exist only at run time.",
            )
        )
