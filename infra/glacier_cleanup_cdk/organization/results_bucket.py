"""The results bucket: the map's targets, every target's result (ResultWriter) and the run's summary."""

from aws_cdk import aws_kms as kms
from constructs import Construct

from ..private_bucket import private_expiring_bucket

TARGETS_PREFIX = "runs/"
RESULTS_PREFIX = "results"


class ResultsBucket(Construct):
    """Private, KMS-encrypted (the stack key), TLS-only; objects expire after `retention_days`."""

    def __init__(self, scope: Construct, id_: str, *, key: kms.IKey, retention_days: int) -> None:
        super().__init__(scope, id_)
        self.bucket = private_expiring_bucket(
            self,
            key=key,
            retention_days=retention_days,
            expiry_rule="ExpireRunFiles",
            holds="the runs' own files, written by this stack's roles",
            why_no_versions="Run files are written once and expire; versions would keep expired results "
            "longer for no use.",
        )
