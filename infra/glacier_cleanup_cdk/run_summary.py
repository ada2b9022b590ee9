"""The run summary's topic (docs/operations.md, "The run summary"): the state machine publishes each
scheduled run's message here; e-mail subscriptions from the config, and Slack or Microsoft Teams through AWS
Chatbot when the config names a channel. The message is published per protocol: plain text for e-mail, AWS
Chatbot's custom-notification JSON for its HTTPS endpoint (core/run_message.py).
"""

from __future__ import annotations

from aws_cdk import aws_chatbot as chatbot
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from .config import CleanupSettings

CHATBOT = iam.ServicePrincipal("chatbot.amazonaws.com")


class RunSummaryTopic(Construct):
    def __init__(
        self, scope: Construct, id_: str, *, settings: CleanupSettings, key: kms.IKey, name: str
    ) -> None:
        super().__init__(scope, id_)
        self.topic = sns.Topic(
            self, "Topic", master_key=key, enforce_ssl=True, display_name=f"Glacier cleanup {name}"[:100]
        )
        for email in settings.summary_emails:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))
        self.chat_role: iam.Role | None = None
        if settings.summary_slack_workspace_id and settings.summary_slack_channel_id:
            chatbot.SlackChannelConfiguration(
                self,
                "Slack",
                slack_channel_configuration_name=f"{name}-summary"[:128],
                slack_workspace_id=settings.summary_slack_workspace_id,
                slack_channel_id=settings.summary_slack_channel_id,
                notification_topics=[self.topic],
                role=self._chat_role(),
                guardrail_policies=[self._read_only()],
                user_role_required=False,
            )
        if (
            settings.summary_teams_tenant_id
            and settings.summary_teams_team_id
            and settings.summary_teams_channel_id
        ):
            # No L2 for Teams channels in aws-cdk-lib: the L1, with the same role and guardrail.
            chatbot.CfnMicrosoftTeamsChannelConfiguration(
                self,
                "Teams",
                configuration_name=f"{name}-summary"[:128],
                iam_role_arn=self._chat_role().role_arn,
                teams_tenant_id=settings.summary_teams_tenant_id,
                team_id=settings.summary_teams_team_id,
                teams_channel_id=settings.summary_teams_channel_id,
                sns_topic_arns=[self.topic.topic_arn],
                guardrail_policies=[self._read_only().managed_policy_arn],
                user_role_required=False,
            )

    def _chat_role(self) -> iam.Role:
        """The channel's role: no permissions at all. The channel only shows the summaries; nobody in it can
        run a command through Chatbot (the guardrail would stop at read-only even if a policy were added)."""
        if self.chat_role is None:
            self.chat_role = iam.Role(
                self,
                "ChatRole",
                assumed_by=CHATBOT,
                description="AWS Chatbot channel of the Glacier cleanup's run summaries: no permissions",
            )
        return self.chat_role

    def _read_only(self) -> iam.IManagedPolicy:
        return iam.ManagedPolicy.from_aws_managed_policy_name("ReadOnlyAccess")
