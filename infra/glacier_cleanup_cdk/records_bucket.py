"""The decision records' bucket of a target stack (docs/records.md): one object per run round under
`records/`, private, encrypted with the stack key, TLS-only, expired after `records_retention_days`."""

from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from .nag import iam5_resource_finding
from .private_bucket import private_expiring_bucket

RECORDS_PREFIX = "records/"


class DecisionRecordsBucket(Construct):
    """The stack's own records bucket; or, with `existing_bucket_name`, a bucket the config names (its
    encryption, lifecycle and policies are its owner's; `existing_key_arn`: the KMS key it encrypts with)."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        key: kms.IKey,
        retention_days: int,
        existing_bucket_name: str | None = None,
        existing_key_arn: str | None = None,
    ) -> None:
        super().__init__(scope, id_)
        self._key: kms.IKey | None = key
        self.bucket: s3.IBucket
        if existing_bucket_name is not None:
            self.bucket = s3.Bucket.from_bucket_name(self, "Bucket", existing_bucket_name)
            self._key = kms.Key.from_key_arn(self, "Key", existing_key_arn) if existing_key_arn else None
            return
        self.bucket = private_expiring_bucket(
            self,
            key=key,
            retention_days=retention_days,
            expiry_rule="ExpireRecords",
            holds="the function's decision records, written by its role",
            why_no_versions="Each record object is written once under a new key and expires; versions would "
            "only keep expired records longer.",
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
        if self._key is not None:
            self._key.grant(role, "kms:GenerateDataKey*")
        Validations.of(role).acknowledge(
            Acknowledgment(
                id=iam5_resource_finding(self, self.bucket.arn_for_objects(pattern)),
                reason=f"Objects under {pattern} of the records bucket only: each key holds its run's date "
                "and id, which exist only at run time.",
            )
        )
