"""The SDK the functions run in AWS: boto3 and botocore at the versions the tests ran on, in a layer of the
stack's own, instead of whatever botocore the Lambda runtime ships that month (docs/design.md, "The SDK").

Lambda puts a layer's `python/` on the path ahead of the runtime's own packages, so the functions import
these. The layer holds the SDK and its pure-Python dependencies as installed where the app is synthesized
(the pinned ones: requirements.txt in a checkout, the package's exact dependency pins once installed), with
botocore's service models cut to the services the functions call: the rest is most of its size and never
loaded.
"""

import compileall
import functools
import hashlib
import json
import py_compile
import re
import shutil
import sys
import tempfile
from importlib import metadata
from pathlib import Path, PurePosixPath

from aws_cdk import Annotations, Stack
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from .lambda_defaults import ARCHITECTURE, RUNTIME
from .paths import REQUIREMENTS

# The SDK and what it imports at run time (boto3's and botocore's dependencies, none of them compiled).
DISTRIBUTIONS = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3")
# Every service a function of this app makes a client for (tests/infra/test_infra_sdk_layer.py reads the
# clients lambda_src creates and fails on one missing here).
SERVICES = frozenset({"glacier", "sts", "dynamodb", "s3", "organizations"})
PINNED = ("boto3", "botocore")
LAYER_ID = "SdkLayer"
LAMBDA_LAYER_PATH = "/opt/python"  # where Lambda puts a layer's python/
_LAYOUT = 1  # raise when what _stage writes changes, so that an earlier staging is not reused
_MODELS = PurePosixPath("botocore", "data")
# What the installer wrote (and so differs between machines): left out, so that the layer's content, and its
# asset hash, depend only on the versions.
_INSTALLER_FILES = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})


def installed_versions() -> dict[str, str]:
    return {name: metadata.version(name) for name in DISTRIBUTIONS}


def _pins(requirements: Path = REQUIREMENTS) -> dict[str, str]:
    if requirements.is_file():
        lines = requirements.read_text(encoding="utf-8").splitlines()
    else:
        lines = metadata.requires("glacier-multipart-cleanup") or []
    pins = {}
    for line in lines:
        match = re.match(r"^(boto3|botocore)\s*==\s*([0-9][0-9A-Za-z.+\-]*)", line.strip())
        if match:
            pins[match[1]] = match[2]
    return pins


def check_pinned_sdk() -> None:
    """The SDK being put into the layer is the one the tests pin, or the synth stops here."""
    pins, versions = _pins(), installed_versions()
    for name in PINNED:
        if pins.get(name) != versions[name]:
            raise RuntimeError(
                f"the SDK layer would hold {name} {versions[name]}, but the tested pin is "
                f"{pins.get(name, 'missing')}: synthesize from the environment `make venv` installs"
            )


def _wanted(path: PurePosixPath) -> bool:
    if "__pycache__" in path.parts or path.suffix == ".pyc" or path.parts[0] in ("..", "bin"):
        return False
    if path.parts[0].endswith(".dist-info") and path.name in _INSTALLER_FILES:
        return False
    if path.parts[:2] == _MODELS.parts and len(path.parts) > 3:  # botocore/data/<service>/<version>/...
        return path.parts[2] in SERVICES
    return True


def _runtime_python() -> tuple[int, int]:
    major, minor = RUNTIME.name.removeprefix("python").split(".")
    return int(major), int(minor)


def _stage(into: Path) -> None:
    for name in DISTRIBUTIONS:
        distribution = metadata.distribution(name)
        for file in distribution.files or []:
            relative = PurePosixPath(file.as_posix())
            if not _wanted(relative):
                continue
            target = into / "python" / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(str(distribution.locate_file(file))), target)
    # Compiled as the runtime would, so that a cold start does not compile the SDK (Lambda cannot write
    # them: /opt is read-only). Only with the runtime's Python; unchecked hashes and the paths the files have
    # in Lambda keep them the same on every machine.
    if sys.version_info[:2] == _runtime_python():
        compileall.compile_dir(
            into / "python",
            ddir=LAMBDA_LAYER_PATH,
            quiet=2,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )


@functools.cache
def layer_source() -> Path:
    """A directory whose `python/` holds the SDK (staged once per machine, for these versions and Python)."""
    check_pinned_sdk()
    versions = installed_versions()
    key = hashlib.sha256(
        json.dumps([versions, sorted(SERVICES), sys.version_info[:2], _LAYOUT]).encode()
    ).hexdigest()[:16]
    ready = Path(tempfile.gettempdir()) / f"glacier-cleanup-sdk-layer-{key}"
    if not ready.is_dir():
        staging = Path(tempfile.mkdtemp(prefix="glacier-cleanup-sdk-layer-staging-"))
        _stage(staging)
        try:
            staging.rename(ready)  # another process may have staged it meanwhile: theirs is the same
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
    return ready


def sdk_layer(scope: Construct) -> lambda_.LayerVersion:
    """The stack's SDK layer, made on first use (one per stack, whatever number of functions use it)."""
    stack = Stack.of(scope)
    existing = stack.node.try_find_child(LAYER_ID)
    if isinstance(existing, lambda_.LayerVersion):
        return existing
    versions = installed_versions()
    layer = lambda_.LayerVersion(
        stack,
        LAYER_ID,
        code=lambda_.Code.from_asset(str(layer_source())),
        compatible_runtimes=[RUNTIME],
        compatible_architectures=[ARCHITECTURE],
        description=f"boto3 {versions['boto3']}, botocore {versions['botocore']}: the SDK the tests ran on",
    )
    if sys.version_info[:2] != _runtime_python():
        Annotations.of(layer).add_warning_v2(
            "glacier-cleanup:sdk-layer-not-compiled",
            f"synthesized with Python {sys.version_info[0]}.{sys.version_info[1]}, not the runtime's "
            f"{RUNTIME.name}: the SDK layer holds sources only, and each cold start compiles the SDK "
            "(docs/deploy.md, The SDK)",
        )
    return layer
