"""Optional e-mail notifications: a KMS-encrypted SNS topic that the alarms publish to."""

from collections.abc import Sequence

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

CLOUDWATCH = iam.ServicePrincipal("cloudwatch.amazonaws.com")


class AlarmTopic(Construct):
    """SNS topic encrypted with the stack's rotating key, TLS only, one e-mail subscription per address."""

    def __init__(self, scope: Construct, id_: str, *, emails: Sequence[str], key: kms.IKey) -> None:
        super().__init__(scope, id_)
        stack = Stack.of(self)
        # The stack's customer managed key: CloudWatch cannot publish to a topic under the AWS managed key.
        self.key = key
        self.key.grant(CLOUDWATCH, "kms:Decrypt", "kms:GenerateDataKey*")
        self.topic = sns.Topic(self, "Topic", master_key=self.key, enforce_ssl=True)
        # The topic policy that enforce_ssl creates replaces the default one: allow this account's alarms.
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsOfThisAccount",
                principals=[CLOUDWATCH],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {
                        "aws:SourceArn": stack.format_arn(
                            service="cloudwatch", resource="alarm", resource_name="*"
                        )
                    },
                },
            )
        )
        for email in emails:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))


def alarm_destinations(
    scope: Construct, *, emails: Sequence[str], existing_topic_arn: str | None, key: kms.IKey
) -> list[sns.ITopic]:
    """The e-mail topic (when addresses are configured) and an existing topic (when its ARN is)."""
    topics: list[sns.ITopic] = []
    if emails:
        topics.append(AlarmTopic(scope, "AlarmTopic", emails=emails, key=key).topic)
    if existing_topic_arn:
        topics.append(sns.Topic.from_topic_arn(scope, "ExistingAlarmTopic", existing_topic_arn))
    return topics
