"""The stack's customer managed key: the log group, the failed-runs queue and the function's environment.

One rotating key per stack (about 1 USD a month) gives these the protection a key policy adds: who may read
the logs (upload ids, vault names, archive descriptions) and the failed-run records is decided here, not
by any principal with logs:/sqs: read access. The key is retained when the stack is deleted, with the log
group it encrypts (docs/deploy.md, "What cdk destroy leaves").
"""

from aws_cdk import ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct


class StackKey(Construct):
    def __init__(self, scope: Construct, id_: str) -> None:
        super().__init__(scope, id_)
        stack = Stack.of(self)
        self.key = kms.Key(
            self,
            "Key",
            description=f"Glacier multipart cleanup ({stack.stack_name}): logs, failed runs, settings",
            enable_key_rotation=True,
            # The retained log group stays readable only while its key exists.
            removal_policy=RemovalPolicy.RETAIN,
        )
        # CloudWatch Logs encrypts with the key only for this account's log groups (encryption context).
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchLogsOfThisAccount",
                principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                actions=[
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                            service="logs",
                            resource="log-group",
                            resource_name="*",
                            arn_format=ArnFormat.COLON_RESOURCE_NAME,
                        )
                    }
                },
            )
        )
        # Grants on the key only for AWS resources (Lambda's environment, DynamoDB, SQS use grants that
        # way): no principal can hand the key's use on to another (Control Tower's CT.KMS.PR.3).
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="GrantsOnlyForAwsResources",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["kms:CreateGrant"],
                resources=["*"],
                conditions={
                    "BoolIfExists": {
                        "kms:GrantIsForAWSResource": "false",
                        "aws:PrincipalIsAWSService": "false",
                    }
                },
            )
        )
