"""The emulator completes moto's Distributed Map ResultWriter: result files in Step Functions' format."""

from __future__ import annotations

import json

import boto3

from glacier_emulator.handles import InProcessHandle
from glacier_emulator.stepfunctions import UNKNOWN_FAILURE

from .helpers import finished_execution


def run(definition: dict[str, object], execution_input: dict[str, object]) -> dict[str, object]:
    iam = boto3.client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    role = iam.create_role(RoleName="machine", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    # The interpreter's S3 calls are made with this role (glacier_emulator/stepfunctions.py).
    may = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    iam.put_role_policy(RoleName="machine", PolicyName="S3", PolicyDocument=json.dumps(may))
    states = boto3.client("stepfunctions")
    machine = states.create_state_machine(name="m", definition=json.dumps(definition), roleArn=role)
    started = states.start_execution(
        stateMachineArn=machine["stateMachineArn"], name="e", input=json.dumps(execution_input)
    )
    described = finished_execution(states, started["executionArn"])
    assert described["status"] == "SUCCEEDED", described
    output: dict[str, object] = json.loads(described["output"])
    return output


def read(key: str) -> object:
    return json.loads(boto3.client("s3").get_object(Bucket="results", Key=key)["Body"].read())


def test_result_writer_writes_each_childs_output_and_the_manifest_lists_the_files(
    glacier_in_process: InProcessHandle,
) -> None:
    boto3.client("s3").create_bucket(Bucket="results")
    definition = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Double",
                    "States": {
                        "Double": {
                            "Type": "Pass",
                            "Parameters": {"n.$": "States.MathAdd($.n, $.n)"},
                            "End": True,
                        }
                    },
                },
                "ResultWriter": {
                    "Resource": "arn:aws:states:::s3:putObject",
                    "Parameters": {"Bucket": "results", "Prefix": "out"},
                },
                "ResultPath": "$.map",
                "End": True,
            }
        },
    }

    output = run(definition, {"items": [{"n": 1}, {"n": 2}, {"n": 3}]})

    details = output["map"]["ResultWriterDetails"]
    assert details["Bucket"] == "results"
    assert details["Key"].startswith("out/")
    assert details["Key"].endswith("/manifest.json")
    manifest = read(details["Key"])
    [succeeded] = manifest["ResultFiles"]["SUCCEEDED"]
    assert manifest["ResultFiles"]["FAILED"] == []
    children = read(succeeded["Key"])
    assert succeeded["Size"] == len(json.dumps(children).encode())
    assert sorted(json.loads(child["Output"])["n"] for child in children) == [2, 4, 6]
    assert {child["Status"] for child in children} == {"SUCCEEDED"}


def test_a_failed_child_is_written_as_failed_saying_what_moto_does_not_keep() -> None:
    from glacier_emulator.stepfunctions import _child  # noqa: PLC0415

    failed = _child("arn:aws:states:us-east-1:1:mapRun:m/x:run", 3, None)
    assert (failed["Status"], failed["Error"], failed["Cause"]) == (
        "FAILED",
        "States.TaskFailed",
        UNKNOWN_FAILURE,
    )
    assert failed["Name"] == "run-3"
