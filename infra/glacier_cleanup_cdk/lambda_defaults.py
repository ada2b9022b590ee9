"""What every Lambda function of this app shares: the runtime and architecture, the code asset, the
Powertools layer, and CloudWatch's enums for the validated log settings. The cleanup function
(function.py) and the organization's planner and summary (organization/functions.py) are
built from these."""

import atexit
import functools
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import glacier_cleanup
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from .powertools import BUNDLED, PUBLIC_PARAMETER, bundled_layer_directory, layer_parameter_name

# The Python that `make test` runs on (Makefile PYTHON_VERSION; a test fails when they drift). python3.13
# is deprecated on the same day as python3.14 (2029-06-30), and these machines have a 3.13 to test it with.
RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE = lambda_.Architecture.ARM_64
# lambda_src/ holds only the glacier_cleanup package; keep build and test leftovers out of the asset.
ASSET_EXCLUDES = (
    "**/__pycache__",
    "**/*.pyc",
    "**/.pytest_cache",
    "**/.mypy_cache",
    "**/*.egg-info",
    "**/tests",
    "**/test_*.py",
    "**/*_test.py",
    "**/conftest.py",
    ".DS_Store",
)
# Beside the package in lambda_src/, left out of the asset by ASSET_EXCLUDES (pip's and Python's leftovers).
_OTHER_SOURCE_ENTRIES = frozenset({"__pycache__", ".DS_Store", "glacier_multipart_cleanup.egg-info"})
_LOG_RETENTION = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}
# Lambda's log-level filter must not drop what Powertools Logger is told to emit.
APPLICATION_LOG_LEVEL = {
    "DEBUG": lambda_.ApplicationLogLevel.DEBUG,
    "INFO": lambda_.ApplicationLogLevel.INFO,
    "WARNING": lambda_.ApplicationLogLevel.WARN,
    "ERROR": lambda_.ApplicationLogLevel.ERROR,
    "CRITICAL": lambda_.ApplicationLogLevel.FATAL,
}


def log_retention(days: int) -> logs.RetentionDays:
    """The validated `log_retention_days` (glacier_cleanup_cdk.config) as CDK's enum."""
    return _LOG_RETENTION[days]


def function_code() -> lambda_.Code:
    """The glacier_cleanup package (the same asset for every function of a stack)."""
    return lambda_.Code.from_asset(str(function_source()), exclude=list(ASSET_EXCLUDES))


@functools.cache
def function_source() -> Path:
    """A directory holding only the glacier_cleanup package, as imported: lambda_src/ in a checkout, the
    installed wheel's copy otherwise (site-packages holds everything else too, so it is staged once per
    process in a temporary directory). The asset hash is the same either way: same files, same names."""
    package = Path(glacier_cleanup.__file__).resolve().parent
    if {entry.name for entry in package.parent.iterdir()} - _OTHER_SOURCE_ENTRIES <= {package.name}:
        return package.parent
    staging = Path(tempfile.mkdtemp(prefix="glacier-cleanup-asset-"))
    atexit.register(shutil.rmtree, staging, ignore_errors=True)
    shutil.copytree(package, staging / package.name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return staging


def attach_layers(function: lambda_.Function, layers: Sequence[lambda_.ILayerVersion]) -> None:
    """Adds `layers`, in order, to `function` so that the function's version id depends on nothing else in
    the app.

    The CDK's version hash (currentVersion's logical id) keys an imported layer by its ARN as an unresolved
    token, `${Token[TOKEN.<n>]}`, and n counts the tokens made before it in the whole app (aws-cdk issue
    #35514). With the public parameter's ARN (a token), adding a target ahead of another one in the config
    would change that one's version id with its function unchanged, and its next deploy would fail ("A
    version for this Lambda function exists"). So with an imported layer the Layers property is written
    directly, which the hash reads resolved ({"Ref": <the parameter>}); the layers of this stack's own (the
    SDK, the bundled Powertools) also go through the CDK, which hashes them by their content. The template
    is the same.
    """
    own = [layer for layer in layers if isinstance(layer, lambda_.LayerVersion)]
    function.add_layers(*own)
    if len(own) == len(layers):
        return
    cfn_function = function.node.default_child
    assert isinstance(cfn_function, lambda_.CfnFunction)
    cfn_function.add_property_override("Layers", [layer.layer_version_arn for layer in layers])


def powertools_layer_for(scope: Construct, source: str, version: str) -> lambda_.ILayerVersion:
    """The layer of glacier_cleanup_cdk.powertools' chosen source (see its docstring)."""
    if source == PUBLIC_PARAMETER:
        name = layer_parameter_name(version=version, architecture=ARCHITECTURE.name, runtime=RUNTIME.name)
        # Resolved by CloudFormation at deploy time from the public parameter (no synth-time lookup).
        arn = ssm.StringParameter.value_for_string_parameter(scope, name)
        return lambda_.LayerVersion.from_layer_version_arn(scope, "PowertoolsLayer", arn)
    if source == BUNDLED:
        directory = bundled_layer_directory(
            version=version, architecture=ARCHITECTURE.name, runtime=RUNTIME.name
        )
        if not (directory / "python").is_dir():
            raise FileNotFoundError(
                f"{directory}: the bundled Powertools layer is not built; run `make layer`"
            )
        return lambda_.LayerVersion(
            scope,
            "PowertoolsLayer",
            code=lambda_.Code.from_asset(str(directory)),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description=f"Powertools for AWS Lambda (Python) {version}, bundled",
        )
    return lambda_.LayerVersion.from_layer_version_arn(scope, "PowertoolsLayer", source)
