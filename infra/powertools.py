"""The official public Powertools layer, at the version requirements.txt pins for the function."""

import re
from pathlib import Path

from infra.paths import REQUIREMENTS

POWERTOOLS_DISTRIBUTION = "aws-lambda-powertools"
_PIN = re.compile(
    r"^aws[-_]lambda[-_]powertools(\[[^\]]*\])?\s*==\s*(?P<version>[0-9][0-9A-Za-z.+\-]*)\s*(#.*)?$",
    re.IGNORECASE,
)


def pinned_powertools_version(requirements: Path = REQUIREMENTS) -> str:
    """The exact version pinned in requirements.txt (the one the unit tests run against)."""
    for line in requirements.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line.strip())
        if match:
            return match["version"]
    raise ValueError(f"{requirements}: no exact pin `{POWERTOOLS_DISTRIBUTION}==<version>`")


def layer_parameter_name(*, version: str, architecture: str, runtime: str) -> str:
    """Public SSM parameter holding the layer ARN for one release, architecture and runtime.

    Convention: /aws/service/powertools/python/{arm64|x86_64}/{python3.x}/{version|latest}; the value is
    arn:aws:lambda:<region>:017000801446:layer:AWSLambdaPowertoolsPythonV3-python3x-<arch>:<n>.
    """
    return f"/aws/service/powertools/python/{architecture}/{runtime}/{version}"
