"""The queue that keeps every run that could not be delivered or did not succeed."""

from aws_cdk import Acknowledgment, Duration, Validations
from aws_cdk import aws_sqs as sqs
from constructs import Construct


class FailedRunsQueue(Construct):
    """Encrypted, TLS-only SQS queue shared by Scheduler (its dead-letter queue) and Lambda (on-failure).

    One queue for both: an operator has one place to look and one alarm; each message says where it came
    from (Scheduler adds ERROR_CODE/ERROR_MESSAGE attributes, Lambda sends an invocation record with
    requestContext.condition).
    """

    def __init__(self, scope: Construct, id_: str, *, retention_days: int) -> None:
        super().__init__(scope, id_)
        self.queue = sqs.Queue(
            self,
            "Queue",
            # SQS-managed keys: Scheduler and Lambda can send without KMS key grants.
            encryption=sqs.QueueEncryption.SQS_MANAGED,
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
