"""A bucket of the stack's own files (the hub's run results, a target's decision records): private, encrypted
with the stack key, TLS-only, objects expired after a number of days, kept when the stack is deleted."""

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from .checkov import acknowledge


def private_expiring_bucket(
    scope: Construct,
    *,
    key: kms.IKey,
    retention_days: int,
    expiry_rule: str,
    holds: str,
    why_no_versions: str,
) -> s3.Bucket:
    """The bucket, with the findings on access logs and versioning acknowledged: `holds` says what is in it
    and who writes it, `why_no_versions` why versions would add nothing."""
    bucket = s3.Bucket(
        scope,
        "Bucket",
        encryption=s3.BucketEncryption.KMS,
        encryption_key=key,
        bucket_key_enabled=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        enforce_ssl=True,
        lifecycle_rules=[
            s3.LifecycleRule(
                id=expiry_rule,
                expiration=Duration.days(retention_days),
                abort_incomplete_multipart_upload_after=Duration.days(1),
            )
        ],
        # The record of what each run did outlives the stack; its objects still expire.
        removal_policy=RemovalPolicy.RETAIN,
    )
    reason_logs = (
        f"The bucket holds only {holds}; who read or wrote them is in CloudTrail (data events, where the "
        "organization enables them). An access-log bucket would need its own bucket and lifecycle for no "
        "extra question answered."
    )
    Validations.of(bucket).acknowledge(Acknowledgment(id="AwsSolutions-S1", reason=reason_logs))
    acknowledge(bucket, "CKV_AWS_18", reason_logs)
    acknowledge(bucket, "CKV_AWS_21", why_no_versions)
    return bucket
