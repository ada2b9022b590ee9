"""Step Functions' Distributed Map ResultWriter, completed from outside.

moto's interpreter (derived from LocalStack's) implements ResultWriter by writing ``manifest.json`` with
empty result-file lists and dropping the children's results ("TODO: generate result files"). Step Functions
writes the results as JSON files next to the manifest (``SUCCEEDED_0.json``, ``FAILED_0.json``), each a list
of child executions with their ``Input`` and ``Output`` as JSON strings, and lists them in the manifest
(https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html). ``install()``
replaces moto's handler with one that does that, so a summary step can read results as it does in AWS.

The interpreter's own AWS calls (Lambda tasks, the ItemReader's and ResultWriter's S3 calls, SNS
publishes) are made by moto with fixed test keys; ``install()`` makes them with **the state machine's
execution role**, as Step Functions does, so the emulator checks them against that role's policies
(authorization.py).

moto also hands ``$$.Execution.StartTime`` to the definition as a Python datetime, which no state's output
can carry (DescribeExecution then fails to serialize it); Step Functions gives an ISO 8601 string
(``2026-12-06T05:00:00.123Z``), and ``install()`` makes it one.

Visible differences that remain: moto keeps no input or error of a failed child (its output is ``None``);
such a child is written to ``FAILED_0.json`` with ``Error: "States.TaskFailed"``, a ``Cause`` saying so, and
an empty ``Input``. One file per status (AWS splits files at 5 GB).
"""

from __future__ import annotations

import importlib
import json
from datetime import UTC, datetime
from typing import Any

import boto3
from moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.resource_eval.resource_eval_s3 import (  # noqa: E501
    ResourceEvalS3,
)
from moto.stepfunctions.parser.asl.utils import boto_client as moto_boto_client
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
from moto.sts.models import sts_backends

# The interpreter's modules that create clients with moto's boto_client_for (their own global name for it).
_CLIENT_USERS = (
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils",
    "moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval.resource_eval_s3",
    "moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.resource_eval.resource_eval_s3",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_unsupported",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sns",
)
_MOTO_CLIENT_FOR = moto_boto_client.boto_client_for

UNKNOWN_FAILURE = "moto's interpreter keeps no input or error of a failed child execution"


def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
    """moto's client (its endpoint and configuration), signed with the execution role's credentials: a
    session of the role, as Step Functions assumes it (its trust policy names the service, not a caller)."""
    client = _MOTO_CLIENT_FOR(region=region, service=service, state_credentials=state_credentials)
    role_arn = getattr(state_credentials, "role_arn", None)
    if not role_arn:
        return client
    account = str(role_arn).split(":")[4]
    session = sts_backends[account]["aws"].assume_role(
        region_name=region,
        role_session_name="StepFunctions",
        role_arn=role_arn,
        policy="",
        duration=900,
        external_id="",
    )
    return boto3.client(
        service,  # type: ignore[call-overload]  # any service the interpreter calls
        region_name=region,
        aws_access_key_id=session.access_key_id,
        aws_secret_access_key=session.secret_access_key,
        aws_session_token=session.session_token,
        endpoint_url=client.meta.endpoint_url,
        config=client.meta.config,
    )


def _child(map_run_arn: str, index: int, output: Any) -> dict[str, Any]:
    name = f"{map_run_arn.rsplit(':', maxsplit=1)[-1]}-{index}"
    if output is None:
        return {
            "Name": name,
            "Status": "FAILED",
            "Error": "States.TaskFailed",
            "Cause": UNKNOWN_FAILURE,
            "Input": "{}",
            "InputDetails": {"Included": True},
        }
    return {
        "Name": name,
        "Status": "SUCCEEDED",
        # moto's children do not keep their input apart from the output: the output stands for both here.
        "Input": json.dumps(output),
        "InputDetails": {"Included": True},
        "Output": json.dumps(output),
        "OutputDetails": {"Included": True},
    }


def _handle_put_object(env: Any, resource_runtime_part: Any, state_credentials: Any) -> None:
    parameters = env.stack.pop()
    outputs: list[Any] = env.stack.pop()
    s3: Any = boto_client_for(
        service="s3", region=resource_runtime_part.region, state_credentials=state_credentials
    )
    record = env.map_run_record_pool_manager.get_all().pop()
    map_run_arn = record.map_run_arn
    prefix = parameters.get("Prefix", "")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    folder = f"{prefix}{map_run_arn.split(':')[-1]}/"
    children = [_child(map_run_arn, index, output) for index, output in enumerate(outputs)]
    files: dict[str, list[dict[str, Any]]] = {"FAILED": [], "PENDING": [], "SUCCEEDED": []}
    for status in ("SUCCEEDED", "FAILED"):
        chosen = [child for child in children if child["Status"] == status]
        if not chosen:
            continue
        key = f"{folder}{status}_0.json"
        body = json.dumps(chosen).encode()
        s3.put_object(Bucket=parameters["Bucket"], Key=key, Body=body)
        files[status].append({"Key": key, "Size": len(body)})
    manifest = {"DestinationBucket": parameters["Bucket"], "MapRunArn": map_run_arn, "ResultFiles": files}
    key = f"{folder}manifest.json"
    s3.put_object(Bucket=parameters["Bucket"], Key=key, Body=json.dumps(manifest).encode())
    env.stack.append(
        {"MapRunArn": map_run_arn, "ResultWriterDetails": {"Bucket": parameters["Bucket"], "Key": key}}
    )


def _with_iso_start_time(original: Any) -> Any:
    def environment(self: Any) -> Any:
        env = original(self)
        execution = env.states.context_object.context_object_data["Execution"]
        started = execution.get("StartTime")
        if isinstance(started, datetime):
            moment = started.astimezone(UTC) if started.tzinfo else started.replace(tzinfo=UTC)
            execution["StartTime"] = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return env

    environment.__wrapped__ = original  # type: ignore[attr-defined]
    return environment


def install() -> None:
    ResourceEvalS3._handle_put_object = staticmethod(_handle_put_object)  # type: ignore[method-assign]
    if not hasattr(ExecutionWorker._get_evaluation_environment, "__wrapped__"):
        ExecutionWorker._get_evaluation_environment = _with_iso_start_time(  # type: ignore[method-assign]
            ExecutionWorker._get_evaluation_environment
        )
    for name in _CLIENT_USERS:
        module: Any = importlib.import_module(name)
        module.boto_client_for = boto_client_for
