"""The queue that keeps every run that could not be delivered or did not succeed."""

from aws_cdk import Acknowledgment, Duration, Validations
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct


class FailedRunsQueue(Construct):
    """Encrypted, TLS-only SQS queue shared by Scheduler (its dead-letter queue) and Lambda (on-failure).

    One queue for both: an operator has one place to look and one alarm; each message says where it came
    from (Scheduler adds ERROR_CODE/ERROR_MESSAGE attributes, Lambda sends an invocation record with
    requestContext.condition).
    """

    def __init__(self, scope: Construct, id_: str, *, retention_days: int, key: kms.IKey) -> None:
        super().__init__(scope, id_)
        self.queue = sqs.Queue(
            self,
            "Queue",
            # The stack's key: failed-run records hold the invocation's event and error. The senders
            # (Scheduler's role, the function's role) get key grants with their send grants.
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            retention_period=Duration.days(retention_days),
        )
        Validations.of(self.queue).acknowledge(
            Acknowledgment(
                id="AwsSolutions-SQS3",
                reason="This queue is itself the dead-letter queue (Scheduler DLQ and Lambda on-failure "
                "destination); nothing consumes it automatically, so it needs no DLQ of its own.",
            )
        )
