"""Continuation: a run that stops at its time budget is invoked again in the same scheduled run.

`ContinuationLoop` is the shared piece: invoke the function synchronously; while its result says
`more_to_do` and fewer than `max_rounds` rounds ran, invoke it again with `round` + 1. The organization's
Distributed Map runs it per target; `TargetRunStateMachine` runs it once for a per-target stack.
"""

from collections.abc import Sequence

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct
from glacier_cleanup.core.coverage import ABORT_CALLS, CARRY_KEYS

# Lambda answers these when the reserved concurrency is busy or the service hiccups: worth waiting for.
# (LambdaInvoke's own retry covers ServiceException, AWSLambdaException, SdkClientException and
# ClientExecutionTimeoutException.)
THROTTLED = ["Lambda.TooManyRequestsException"]


# What earlier rounds did that the last round's result cannot show: each round's `carry` (the counts of the
# vaults the next round resumes after, the uploads it removed, its abort calls), summed.
EARLIER_COUNTS = CARRY_KEYS


def no_earlier_rounds() -> dict[str, int]:
    return dict.fromkeys(EARLIER_COUNTS, 0)


class ContinuationLoop(Construct):
    """Invoke -> MoreToDo? -> NextRound -> Invoke ... -> Done.

    The state holds the event's own keys (`carry`), `round`, `resume_after` and `earlier` (EARLIER_COUNTS
    summed over the rounds before); the function gets only the event. The output is
    {<carry>, "round", "earlier", "result": <the last round's result>}.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        function: lambda_.IFunction,
        max_rounds: int,
        carry: Sequence[str],
    ) -> None:
        super().__init__(scope, id_)
        event = {
            key: sfn.JsonPath.object_at(f"$.{key}")
            if key == "settings"
            else sfn.JsonPath.string_at(f"$.{key}")
            for key in carry
        }
        self.invoke = tasks.LambdaInvoke(
            self,
            "Clean",
            lambda_function=function,
            payload=sfn.TaskInput.from_object(
                {
                    **event,
                    "round": sfn.JsonPath.number_at("$.round"),
                    # max_aborts caps the run, not each round: the earlier rounds' aborts count against it.
                    "aborts_before": sfn.JsonPath.number_at(f"$.earlier.{ABORT_CALLS}"),
                    # Each round resumes after the last vault the rounds before it finished.
                    "resume_after": sfn.JsonPath.string_at("$.resume_after"),
                    # What the earlier rounds counted: the run's totals, for its summary message.
                    "earlier": sfn.JsonPath.object_at("$.earlier"),
                }
            ),
            result_selector={"result.$": "$.Payload"},
            result_path="$.last",
            retry_on_service_exceptions=True,
            comment="One run of the cleanup function for this target (its event is this state's input)",
        )
        self.invoke.add_retry(
            errors=THROTTLED,
            interval=Duration.seconds(10),
            max_attempts=8,
            backoff_rate=2,
            jitter_strategy=sfn.JitterType.FULL,
        )
        kept = {f"{key}.$": f"$.{key}" for key in carry}
        added = {
            f"{count}.$": f"States.MathAdd($.earlier.{count}, $.last.result.carry.{count})"
            for count in EARLIER_COUNTS
        }
        next_round = sfn.Pass(
            self,
            "NextRound",
            comment="The same event, one round later; what this round did is added to `earlier`",
            parameters={
                **kept,
                "round.$": "States.MathAdd($.round, 1)",
                "resume_after.$": "$.last.result.resume_after",
                "earlier": added,
            },
        )
        self.done = done = sfn.Pass(
            self,
            "Done",
            parameters={**kept, "round.$": "$.round", "earlier.$": "$.earlier", "result.$": "$.last.result"},
        )
        more_to_do = sfn.Choice(
            self, "MoreToDo", comment=f"Continue an incomplete run, at most {max_rounds} rounds"
        )
        more_to_do.when(
            sfn.Condition.and_(
                sfn.Condition.boolean_equals("$.last.result.more_to_do", True),
                sfn.Condition.number_less_than("$.round", max_rounds),
            ),
            next_round.next(self.invoke),
        ).otherwise(done)
        self.chain = self.invoke.next(more_to_do)


def acknowledge_state_machine_role(state_machine: sfn.StateMachine) -> None:
    Validations.of(state_machine.role).acknowledge(
        Acknowledgment(
            id="AwsSolutions-IAM5[Resource::*]",
            reason="Resource * only where IAM offers no resource type: the CloudWatch Logs delivery actions "
            "execution logging needs (logs:CreateLogDelivery, ...) and X-Ray's PutTraceSegments.",
        )
    )


def execution_log_group(
    scope: Construct, id_: str, *, key: kms.IKey, retention: logs.RetentionDays
) -> logs.LogGroup:
    """The state machine's execution log (ALL events, with data: the per-round results)."""
    return logs.LogGroup(
        scope, id_, encryption_key=key, retention=retention, removal_policy=RemovalPolicy.RETAIN
    )


def publish_summary(
    scope: Construct, *, topic: sns.ITopic, message: str, send: str, after: sfn.INextable
) -> None:
    """`after` -> Notify? -> PublishSummary: the run's message (its JSON paths `message`, `send`) to the
    summary topic, per protocol; nothing when `send` is false. The state's output is left as it was."""
    publish = tasks.SnsPublish(
        scope,
        "PublishSummary",
        topic=topic,
        message=sfn.TaskInput.from_json_path_at(f"{message}.sns"),
        message_per_subscription_type=True,
        subject=sfn.JsonPath.string_at(f"{message}.subject"),
        result_path=sfn.JsonPath.DISCARD,
        comment="The run summary for people (docs/operations.md)",
    )
    # Only what passes: a refused publish (a policy, the key) fails the execution at once, which alarms.
    publish.add_retry(
        errors=["SNS.ThrottledException", "SNS.InternalErrorException", "SNS.KMSThrottlingException"],
        interval=Duration.seconds(5),
        max_attempts=3,
        backoff_rate=2,
    )
    notify = sfn.Choice(scope, "Notify", comment="Something happened, is due at the next run, or always")
    notify.when(
        sfn.Condition.and_(sfn.Condition.is_present(send), sfn.Condition.boolean_equals(send, True)), publish
    ).otherwise(sfn.Succeed(scope, "NothingToTell"))
    after.next(notify)


class TargetRunStateMachine(Construct):
    """A per-target stack's scheduled run: the schedule starts this; it invokes the live alias and continues
    an incomplete run up to `continuation_rounds` times, then publishes the run's summary message. On-demand
    runs still invoke the function directly."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        function: lambda_.IFunction,
        max_rounds: int,
        round_timeout: Duration,
        key: kms.IKey,
        retention: logs.RetentionDays,
        summary_topic: sns.ITopic | None = None,
    ) -> None:
        super().__init__(scope, id_)
        first_round = sfn.Pass(
            self,
            "FirstRound",
            comment="The schedule event the function expects; the execution's start time is the run's time",
            parameters={
                "trigger": "schedule",
                "scheduled_time.$": "$$.Execution.StartTime",
                "round": 1,
                "resume_after": "",  # from the first vault
                "earlier": no_earlier_rounds(),
            },
        )
        loop = ContinuationLoop(
            self, "Rounds", function=function, max_rounds=max_rounds, carry=("trigger", "scheduled_time")
        )
        if summary_topic is not None:
            publish_summary(
                self,
                topic=summary_topic,
                message="$.result.message",
                send="$.result.message.send",
                after=loop.done,
            )
        self.log_group = execution_log_group(self, "ExecutionLog", key=key, retention=retention)
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            definition_body=sfn.DefinitionBody.from_chainable(first_round.next(loop.chain)),
            state_machine_type=sfn.StateMachineType.STANDARD,
            # Every round may use the function's whole timeout, plus retries' waiting.
            timeout=Duration.seconds(round_timeout.to_seconds() * max_rounds + 900),
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=True
            ),
            comment="Glacier multipart cleanup: one scheduled run, continued while incomplete",
        )
        acknowledge_state_machine_role(self.state_machine)
        if summary_topic is not None:
            # SnsPublish grants sns:Publish; the topic is encrypted with the stack key.
            key.grant(self.state_machine, "kms:Decrypt", "kms:GenerateDataKey")
