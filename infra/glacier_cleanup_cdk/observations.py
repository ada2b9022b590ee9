"""The observation table: where the activity check keeps its looks at old uploads between runs
(glacier_cleanup.aws.observations is its reader and writer; docs/operations.md, "The observation table").

On-demand billing (a run writes one item per old upload: a few thousand writes a day at most), TTL on
`expires_at` so rows of finished uploads expire, encrypted with the stack's key, point-in-time recovery on.
Removed with the stack by default: its rows are observations, not records, and losing them only delays
aborts (every upload is then first seen again); `observation_table_removal: retain` keeps it.
"""

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

# The same names glacier_cleanup.aws.observations reads and writes.
PARTITION_KEY = "upload"
TTL_ATTRIBUTE = "expires_at"
# Exactly the item actions the function uses (a test compares them with the adapter's calls).
ITEM_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem")
KEY_ACTIONS = ("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*")


class ObservationTable(Construct):
    def __init__(self, scope: Construct, id_: str, *, key: kms.IKey, retain: bool) -> None:
        super().__init__(scope, id_)
        self._key = key
        # Table, not TableV2: TableV2 synthesizes AWS::DynamoDB::GlobalTable, whose deployment needs
        # application-autoscaling and replica permissions a one-region table never uses.
        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=dynamodb.Attribute(name=PARTITION_KEY, type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=key,
            time_to_live_attribute=TTL_ATTRIBUTE,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=RemovalPolicy.RETAIN if retain else RemovalPolicy.DESTROY,
        )

    def grant_observations(self, grantee: iam.IGrantable) -> None:
        """GetItem and PutItem on this table, and the key's use for reading and writing items."""
        self.table.grant(grantee, *ITEM_ACTIONS)
        # Table.grant() with explicit actions grants nothing on the key: the key actions CDK's own
        # read and write grants use for a customer managed key.
        self._key.grant(grantee, *KEY_ACTIONS)
