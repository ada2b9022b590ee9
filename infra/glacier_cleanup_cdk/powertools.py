"""Where the function's Powertools comes from, at the version requirements.txt pins for the function.

- `public-parameter`: the official layer, its ARN read by CloudFormation from Powertools' public SSM
  parameter. Powertools publishes layer and parameter in every commercial region and in GovCloud (US).
- `bundled`: a layer of this stack's own, built by `make layer` from the same pins (China, where neither
  the layer nor the parameter exists; or anywhere by choice).
- a layer version ARN: that layer (e.g. a copy in your own account).
- `auto` (the default): `bundled` in a partition where Powertools publishes nothing, else `public-parameter`.
"""

import re
from importlib import metadata
from pathlib import Path

from aws_cdk.region_info import RegionInfo

from .paths import BUILD_DIR, REQUIREMENTS

PUBLIC_PARAMETER = "public-parameter"
BUNDLED = "bundled"
AUTO = "auto"
# Partitions where Powertools publishes its layers and the public parameter (its docs: "all commercial
# regions and AWS GovCloud (US) regions").
PUBLISHED_PARTITIONS = frozenset({"aws", "aws-us-gov"})
LAYER_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]+:\d+$")

POWERTOOLS_DISTRIBUTION = "aws-lambda-powertools"
DISTRIBUTION = "glacier-multipart-cleanup"
_PIN = re.compile(
    r"^aws[-_]lambda[-_]powertools(\[[^\]]*\])?\s*==\s*(?P<version>[0-9][0-9A-Za-z.+\-]*)\s*(#.*)?$",
    re.IGNORECASE,
)


def pinned_powertools_version(requirements: Path = REQUIREMENTS) -> str:
    """The exact version pinned in requirements.txt (the one the unit tests run against); from an installed
    package, the same pin as its metadata carries it (requirements.txt is its dependency list)."""
    if requirements.is_file():
        lines, source = requirements.read_text(encoding="utf-8").splitlines(), str(requirements)
    else:
        lines, source = metadata.requires(DISTRIBUTION) or [], f"the {DISTRIBUTION} metadata"
    for line in lines:
        match = _PIN.match(line.strip())
        if match:
            return match["version"]
    raise ValueError(f"{source}: no exact pin `{POWERTOOLS_DISTRIBUTION}==<version>`")


def layer_parameter_name(*, version: str, architecture: str, runtime: str) -> str:
    """Public SSM parameter holding the layer ARN for one release, architecture and runtime.

    Convention: /aws/service/powertools/python/{arm64|x86_64}/{python3.x}/{version|latest}; the value is
    arn:aws:lambda:<region>:017000801446:layer:AWSLambdaPowertoolsPythonV3-python3x-<arch>:<n>.
    """
    return f"/aws/service/powertools/python/{architecture}/{runtime}/{version}"


def partition_of(region: str) -> str:
    """The partition of a region, from the CDK's region facts (no AWS call)."""
    partition = RegionInfo.get(region).partition
    if partition:
        return partition
    return "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"


def resolve_layer_source(setting: str, region: str | None) -> str:
    """`public-parameter`, `bundled` or a layer ARN. `auto` with an unknown region (an environment-agnostic
    stack) is the public parameter: set `bundled` for such a stack deployed in China."""
    if setting != AUTO:
        return setting
    if region is None or partition_of(region) in PUBLISHED_PARTITIONS:
        return PUBLIC_PARAMETER
    return BUNDLED


def bundled_layer_directory(*, version: str, architecture: str, runtime: str) -> Path:
    """Where `make layer` puts the bundled layer (its `python/` directory is the layer's content)."""
    return BUILD_DIR / "powertools-layer" / f"{version}-{architecture}-{runtime}"
