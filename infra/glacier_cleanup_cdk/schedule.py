"""The EventBridge Scheduler schedule that starts each cleanup run: an execution of the stack's state machine
(which invokes the function and continues an incomplete run, glacier_cleanup_cdk/continuation.py)."""

from aws_cdk import Duration, Stack, TimeZone
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from .config import CleanupSettings


def schedule_payload() -> dict[str, str]:
    """The execution input the schedule sends (docs/design.md, Events): it records when and by whom."""
    return {
        "trigger": "schedule",
        "schedule_arn": scheduler.ContextAttribute.schedule_arn,
        "scheduled_time": scheduler.ContextAttribute.scheduled_time,
    }


class CleanupSchedule(Construct):
    """Starts the state machine on the configured rate or cron expression."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        state_machine: sfn.IStateMachine,
        settings: CleanupSettings,
        dead_letter_queue: sqs.IQueue,
        description: str,
    ) -> None:
        super().__init__(scope, id_)
        stack = Stack.of(self)
        # Our own role (the target would otherwise create one per stack) so its findings can be acknowledged
        # here; trusted only by schedules of this account's default group, as the generated role would be.
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={
                    "StringEquals": {
                        "aws:SourceAccount": stack.account,
                        "aws:SourceArn": stack.format_arn(
                            service="scheduler", resource="schedule-group", resource_name="default"
                        ),
                    }
                },
            ),
            description="EventBridge Scheduler: start the Glacier multipart cleanup run",
        )
        target = targets.StepFunctionsStartExecution(
            state_machine,
            role=self.role,
            input=scheduler.ScheduleTargetInput.from_object(schedule_payload()),
            retry_attempts=settings.schedule_retry_attempts,
            max_event_age=Duration.minutes(settings.schedule_max_event_age_minutes),
            dead_letter_queue=dead_letter_queue,
        )
        window = settings.flexible_window_minutes
        self.schedule = scheduler.Schedule(
            self,
            "Schedule",
            description=description,
            schedule=scheduler.ScheduleExpression.expression(
                settings.schedule_expression, TimeZone.of(settings.schedule_time_zone)
            ),
            target=target,
            enabled=settings.schedule_enabled,
            # A cleanup need not start on the minute; a window lets Scheduler spread the invocations.
            time_window=scheduler.TimeWindow.flexible(Duration.minutes(window))
            if window
            else scheduler.TimeWindow.off(),
        )
        # Scheduler writes undeliverable runs to the KMS-encrypted queue: what SQS needs of the key, no more.
        if dead_letter_queue.encryption_master_key is not None:
            dead_letter_queue.encryption_master_key.grant(self.role, "kms:Decrypt", "kms:GenerateDataKey")
