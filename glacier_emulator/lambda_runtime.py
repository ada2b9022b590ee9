"""Lambda without Docker: invocations run the function's real Python handler in this process.

moto's own Lambda runs code in Docker; its Docker-free backend (``lambda.use_docker=False``) only echoes
a canned answer. ``InProcessLambdaBackend`` extends that backend from outside: ``Invoke`` imports the
function's ``Handler`` (``module.function``, importable from ``sys.path``) and calls it with

- the function's environment variables, plus what Lambda sets (``AWS_REGION``, ``AWS_LAMBDA_FUNCTION_NAME``,
  ...) and the **execution role's credentials** (STS AssumeRole of the function's role), so the handler's
  AWS calls are made as that role, in that account, as in AWS;
- a context whose ``get_remaining_time_in_millis()`` counts down from the function's ``Timeout``, on the
  runtime's ``clock``: wall-clock seconds by default, or ``GlacierCallClock``, where time advances a fixed
  step per Glacier request the emulator serves. With the latter, how much of a backlog one invocation
  reaches before its time budget ends depends on the calls it made, not on how fast or busy the machine is
  (tests and ``make demo-org`` use it; Lambda's own clock is of course the wall clock).

Differences from Lambda, on purpose and visible: invocations run one at a time (the environment is
process-wide), a handler that overruns its timeout is not killed but its result is replaced by Lambda's
``Task timed out`` error afterwards, and an execution environment is emulated per function: when the
next invocation is of another function (or another configuration), the ``cold_start_hooks`` run first
(a project registers what its module caches, e.g. ``get_runtime.cache_clear``).
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from moto.awslambda_simple import models as simple_models
from moto.awslambda_simple.models import LambdaSimpleBackend
from moto.core.base_backend import BackendDict
from moto.core.config import default_user_config
from moto.sts.models import sts_backends

from .control import CONTROL

Handler = Callable[[Any, Any], Any]


@dataclasses.dataclass
class LambdaContext:
    """The attributes of Lambda's Python context object that handlers and Powertools read."""

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    deadline: float
    clock: Callable[[], float] = time.monotonic

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - self.clock()) * 1000))


class GlacierCallClock:
    """Seconds that advance by ``seconds_per_call`` for every Glacier request the emulator serves (any
    account or region), and never otherwise: a deterministic clock for time budgets in tests."""

    def __init__(self, seconds_per_call: float) -> None:
        self.seconds_per_call = seconds_per_call

    def __call__(self) -> float:
        return CONTROL.requests_served() * self.seconds_per_call


@dataclasses.dataclass(frozen=True)
class Invocation:
    function_name: str
    account: str
    region: str
    event: Any
    result: Any
    error_type: str | None
    duration_ms: float

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class InProcessRuntime:
    """Runs handlers; keeps a log of invocations (for tests) and the endpoint handlers should call."""

    def __init__(self) -> None:
        self.endpoint_url: str | None = None  # set by the server: where the handlers' AWS calls go
        self.cold_start_hooks: list[Callable[[], None]] = []
        # What deadlines and durations are measured on (see the module docstring); reset() restores it.
        self.clock: Callable[[], float] = time.monotonic
        self.handlers: dict[str, Handler] = {}  # optional overrides by function name
        self._lock = threading.Lock()
        self._environment_key: tuple[Any, ...] | None = None
        self._invocations: list[Invocation] = []

    def invocations(self) -> list[dict[str, Any]]:
        with self._lock:
            return [invocation.to_dict() for invocation in self._invocations]

    def reset(self) -> None:
        with self._lock:
            self._invocations = []
            self._environment_key = None
            self.clock = time.monotonic

    def invoke(self, function: Any, event: Any, account: str, region: str) -> tuple[Any, str | None]:
        """Returns (payload, error type or None)."""
        with self._lock:
            key = (
                function.function_arn,
                json.dumps(function.environment_vars, sort_keys=True),
                function.handler,
            )
            if key != self._environment_key:
                for hook in self.cold_start_hooks:
                    hook()
                self._environment_key = key
            started = self.clock()
            context = LambdaContext(
                function_name=function.function_name,
                function_version="$LATEST",
                invoked_function_arn=function.function_arn,
                memory_limit_in_mb=int(function.memory_size),
                aws_request_id=str(uuid.uuid4()),
                log_group_name=f"/aws/lambda/{function.function_name}",
                log_stream_name="in-process",
                deadline=started + float(function.timeout),
                clock=self.clock,
            )
            with self._environment(function, account, region):
                payload, error_type = self._call(function, event, context)
            duration = self.clock() - started
            if error_type is None and duration > float(function.timeout):
                payload, error_type = _timed_out(float(function.timeout)), "Sandbox.Timedout"
            self._invocations.append(
                Invocation(
                    function.function_name, account, region, event, payload, error_type, duration * 1000
                )
            )
            return payload, error_type

    def _call(self, function: Any, event: Any, context: LambdaContext) -> tuple[Any, str | None]:
        try:
            handler = self.handlers.get(function.function_name) or _import_handler(function.handler)
            return handler(event, context), None
        except Exception as error:  # the handler's error is the invocation's result, as in Lambda
            payload = {
                "errorMessage": str(error),
                "errorType": type(error).__name__,
                "stackTrace": traceback.format_exception(error),
            }
            return payload, type(error).__name__

    @contextmanager
    def _environment(self, function: Any, account: str, region: str) -> Iterator[None]:
        role = sts_backends[account]["aws"].assume_role(
            region_name=region,
            role_session_name=function.function_name[:64],
            role_arn=function.role,
            policy="",
            duration=900,
            external_id="",
        )
        variables = {
            **{str(k): str(v) for k, v in (function.environment_vars or {}).items()},
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_ACCESS_KEY_ID": role.access_key_id,
            "AWS_SECRET_ACCESS_KEY": role.secret_access_key,
            "AWS_SESSION_TOKEN": role.session_token,
        }
        if self.endpoint_url:
            variables["AWS_ENDPOINT_URL"] = self.endpoint_url
        saved = dict(os.environ)
        os.environ.update(variables)
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)


def _import_handler(handler: str) -> Handler:
    module_name, _, attribute = handler.rpartition(".")
    function: Handler = getattr(importlib.import_module(module_name), attribute)
    return function


def _timed_out(timeout: float) -> dict[str, str]:
    return {"errorMessage": f"Task timed out after {timeout:.2f} seconds", "errorType": "Sandbox.Timedout"}


RUNTIME = InProcessRuntime()


class InProcessLambdaBackend(LambdaSimpleBackend):
    """moto's Docker-free Lambda backend, whose Invoke runs the real handler (see the module docstring)."""

    def invoke(
        self,
        function_name: str,
        qualifier: str | None,
        body: Any,
        headers: Any,
        response_headers: Any,
    ) -> str | bytes | None:
        function = self.get_function(function_name, qualifier)
        event = json.loads(body) if body else {}
        payload, error_type = RUNTIME.invoke(function, event, self.account_id, self.region_name)
        if error_type is not None:
            response_headers["x-amz-function-error"] = "Unhandled"
        return json.dumps(payload).encode()


def install_lambda() -> None:
    """Make moto's Docker-free Lambda backend the in-process one (moto picks the backend per request)."""
    if not isinstance(simple_models.lambda_simple_backends, _InProcessBackends):
        simple_models.lambda_simple_backends = _InProcessBackends(InProcessLambdaBackend, "lambda")
    # Replace the top-level keys (mock_aws restores them on exit), never mutate the shared nested dicts.
    default_user_config["lambda"] = {**default_user_config.get("lambda", {}), "use_docker": False}
    default_user_config["stepfunctions"] = {
        **default_user_config.get("stepfunctions", {}),
        "execute_state_machine": True,
    }


class _InProcessBackends(BackendDict[LambdaSimpleBackend]):
    pass
