"""Alarms on a state machine's executions (both stack shapes): failed, timed out, aborted."""

from aws_cdk import Stack
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from .alarms import EVENT_PERIOD, above_zero_alarm, notify


class ExecutionAlarms(Construct):
    def __init__(
        self, scope: Construct, id_: str, *, state_machine: sfn.StateMachine, topics: list[sns.ITopic]
    ) -> None:
        super().__init__(scope, id_)
        prefix = Stack.of(self).stack_name
        checks = {
            "ExecutionsFailed": (
                state_machine.metric_failed(period=EVENT_PERIOD, statistic="Sum"),
                "A scheduled run's execution failed: a bad setting or input (nothing was aborted then), or a "
                "step failed after its retries. The execution's history in the Step Functions console names "
                "the state and the error.",
            ),
            "ExecutionsTimedOut": (
                state_machine.metric_timed_out(period=EVENT_PERIOD, statistic="Sum"),
                "A run's execution hit its timeout before every round or target finished: raise the timeout "
                "(execution_timeout_hours / continuation_rounds), concurrency, or the schedule's interval.",
            ),
            "ExecutionsAborted": (
                state_machine.metric_aborted(period=EVENT_PERIOD, statistic="Sum"),
                "Someone stopped a run's execution: what it had done stays done; the next run continues.",
            ),
        }
        self.alarms = {
            name: above_zero_alarm(self, name, prefix=prefix, metric=metric, description=description)
            for name, (metric, description) in checks.items()
        }
        notify(self.alarms, topics)
