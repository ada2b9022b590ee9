"""The SDK layer (glacier_cleanup_cdk.sdk_layer): every function runs the boto3/botocore the tests ran on,
whatever the Lambda runtime ships; the layer holds the models of every service the code calls; and the
function, laid out as Lambda lays it out (the code asset, then the layer, then the runtime's packages), runs
a scheduled run against the local AWS on the layer's SDK."""

from __future__ import annotations

import json
import marshal
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from glacier_cleanup_cdk.function import HANDLER
from glacier_cleanup_cdk.lambda_defaults import function_source
from glacier_cleanup_cdk.sdk_layer import DISTRIBUTIONS, LAMBDA_LAYER_PATH, SERVICES, layer_source
from infra_helpers import REPO_ROOT, Synthesized, resources_of_type

from glacier_emulator.client_helpers import create_observation_table
from glacier_emulator.handles import ServerHandle

# A provider CDK adds for the `ensure` registry mode: CDK's code, which brings its own SDK.
CDK_PROVIDER = "AWS679f53fac002430cb0da5b7982bd2287"
CLIENT_CALL = re.compile(r"""\.client\(\s*["']([a-z0-9-]+)["']""", re.MULTILINE)


def _pins() -> dict[str, str]:
    lines = (REPO_ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return dict(line.split("==", 1) for line in lines if line.startswith(("boto3==", "botocore==")))


def test_every_function_runs_the_stacks_sdk_layer_at_the_pinned_versions(
    shipped: Synthesized, multi: Synthesized, partitions: Synthesized, organization: Synthesized
) -> None:
    pins = _pins()
    templates = {**shipped.templates, **multi.templates, **partitions.templates, **organization.templates}
    functions_seen = 0
    for name, template in templates.items():
        functions = {
            logical_id: resource
            for logical_id, resource in resources_of_type(template, "AWS::Lambda::Function").items()
            if not logical_id.startswith(CDK_PROVIDER)
        }
        layer_versions = resources_of_type(template, "AWS::Lambda::LayerVersion")
        layers = [logical_id for logical_id in layer_versions if "SdkLayer" in logical_id]
        if not functions:
            assert layers == [], name
            continue
        [layer] = layers  # one per stack, shared by its functions
        description = template["Resources"][layer]["Properties"]["Description"]
        assert f"boto3 {pins['boto3']}, botocore {pins['botocore']}" in description
        for logical_id, function in functions.items():
            assert function["Properties"]["Layers"][-1] == {"Ref": layer}, (name, logical_id)
            functions_seen += 1
    assert functions_seen >= 12  # the target stacks' functions and the hub's three


def test_the_layer_holds_the_pinned_sdk_and_the_models_of_every_service_the_code_calls() -> None:
    python = layer_source() / "python"
    pins = _pins()
    for distribution in ("boto3", "botocore"):
        [info] = python.glob(f"{distribution}-*.dist-info")
        assert info.name == f"{distribution}-{pins[distribution]}.dist-info"
    assert (python / "botocore" / "__init__.py").read_text(encoding="utf-8").count(pins["botocore"]) == 1
    # Every client the function's code makes is for a service the layer has the models of
    called = {
        service
        for source in (REPO_ROOT / "lambda_src").rglob("*.py")
        for service in CLIENT_CALL.findall(source.read_text(encoding="utf-8"))
    }
    assert called == SERVICES
    models = {path.name for path in (python / "botocore" / "data").iterdir() if path.is_dir()}
    assert models == SERVICES
    for service in SERVICES:
        assert list((python / "botocore" / "data" / service).glob("*/service-2.json*")), service
    # Nothing of the installer's, and compiled for the runtime's Python: unchecked hash-based files (no
    # source dates in them), named by where Lambda puts them, so that a cold start compiles nothing
    assert not list(python.rglob("RECORD"))
    assert len(DISTRIBUTIONS) == len(list(python.glob("*.dist-info")))
    sources = list(python.rglob("*.py"))
    compiled = list(python.rglob(f"__pycache__/*.{sys.implementation.cache_tag}.pyc"))
    assert len(compiled) == len(sources) > 150
    header = (
        python / "botocore" / "__pycache__" / f"__init__.{sys.implementation.cache_tag}.pyc"
    ).read_bytes()
    assert int.from_bytes(header[4:8], "little") == 0b01  # hash-based, source not checked
    code = marshal.loads(header[16:])
    assert code.co_filename == f"{LAMBDA_LAYER_PATH}/botocore/__init__.py"


_AS_IN_LAMBDA = """
import importlib, json, sys, time
import botocore
module, name = sys.argv[1].rsplit(".", 1)
handler = getattr(importlib.import_module(module), name)

class Context:
    function_name = "glacier-multipart-cleanup"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:glacier-multipart-cleanup"
    aws_request_id = "11111111-2222-3333-4444-555555555555"
    log_group_name = "/aws/lambda/glacier-multipart-cleanup"
    log_stream_name = "2026/12/01/[$LATEST]0123456789abcdef"
    def get_remaining_time_in_millis(self):
        return 300_000

event = {"trigger": "schedule", "scheduled_time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
result = handler(event, Context())
print("RESULT " + json.dumps({"result": result, "botocore_file": botocore.__file__}))
"""


@pytest.mark.server
def test_the_function_laid_out_as_in_lambda_runs_on_the_layers_sdk(
    glacier_server: ServerHandle, tmp_path: Path
) -> None:
    # Given old uploads, the shipped settings (the activity check on, its table on the local DynamoDB)
    long_ago = datetime.now(UTC) - timedelta(days=30)
    glacier_server.seed("backups", 3, creation_date=long_ago)
    table = create_observation_table(glacier_server.aws_client("dynamodb"), "sdk-layer-observations")
    # and the function's code, then the SDK layer, ahead of this environment's own packages (the runtime's)
    layer = layer_source() / "python"
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(function_source()), str(layer)]),
        "PYTHONDONTWRITEBYTECODE": "1",
        "CLEANUP_OBSERVATION_TABLE": table,
        "POWERTOOLS_SERVICE_NAME": "glacier-multipart-cleanup",
        "POWERTOOLS_METRICS_NAMESPACE": "GlacierMultipartCleanup",
    }

    # When the scheduled run starts in a fresh interpreter, as a cold start does
    completed = subprocess.run(
        [sys.executable, "-c", _AS_IN_LAMBDA, HANDLER],  # the function's handler setting
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    # Then it ran on the layer's botocore, at the pinned version, and did its work through the layer's
    # models: listed the uploads on Glacier and recorded its first look at each on DynamoDB
    assert completed.returncode == 0, completed.stderr[-3000:]
    [line] = [line for line in completed.stdout.splitlines() if line.startswith("RESULT ")]
    answer: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    assert Path(answer["botocore_file"]).is_relative_to(layer)
    result = answer["result"]
    assert result["sdk"]["botocore"] == _pins()["botocore"]
    assert result["status"] == "ok"
    assert result["uploads_found"] == 3
    assert result["uploads_first_seen"] == 3
    assert result["uploads_aborted"] == 0
    assert glacier_server.aborts() == []


def test_a_synth_on_another_python_than_the_runtimes_warns_that_the_layer_is_not_compiled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import aws_cdk as cdk  # noqa: PLC0415 - only this test builds a stack of its own
    from aws_cdk.assertions import Annotations, Match  # noqa: PLC0415
    from glacier_cleanup_cdk import sdk_layer as module  # noqa: PLC0415

    for runtime, warned in (((3, 12), True), (sys.version_info[:2], False)):
        monkeypatch.setattr(module, "_runtime_python", lambda runtime=runtime: runtime)
        stack = cdk.Stack(cdk.App(), "Stack")
        module.sdk_layer(stack)
        warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("sources only"))
        assert bool(warnings) is warned
