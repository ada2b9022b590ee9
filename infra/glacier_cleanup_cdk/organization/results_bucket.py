"""The results bucket: the map's targets, every target's result (ResultWriter) and the run's summary."""

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from ..checkov import acknowledge

TARGETS_PREFIX = "runs/"
RESULTS_PREFIX = "results"


class ResultsBucket(Construct):
    """Private, KMS-encrypted (the stack key), TLS-only; objects expire after `retention_days`."""

    def __init__(self, scope: Construct, id_: str, *, key: kms.IKey, retention_days: int) -> None:
        super().__init__(scope, id_)
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
                    id="ExpireRunFiles",
                    expiration=Duration.days(retention_days),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
            # The record of what each run did outlives the stack; its objects still expire.
            removal_policy=RemovalPolicy.RETAIN,
        )
        reason_logs = (
            "The bucket holds only the runs' own files, written by this stack's roles; who read or wrote "
            "them is in CloudTrail (data events, where the organization enables them). An access-log bucket "
            "would need its own bucket and lifecycle for no extra question answered."
        )
        Validations.of(self.bucket).acknowledge(Acknowledgment(id="AwsSolutions-S1", reason=reason_logs))
        acknowledge(self.bucket, "CKV_AWS_18", reason_logs)
        acknowledge(
            self.bucket,
            "CKV_AWS_21",
            "Run files are written once and expire; versions would keep expired results longer for no use.",
        )
