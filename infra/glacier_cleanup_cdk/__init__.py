"""The Glacier multipart cleanup as CDK constructs (`pip install "glacier-multipart-cleanup[cdk]"`).

The three stacks a deployment is made of, typed and keyword-only, each from a validated settings model:

- `GlacierCleanupStack(scope, id, target=TargetConfig(...))`: one account and region on a schedule;
- `OrganizationHubStack(scope, id, config=OrganizationConfig(...))`: the organization mode's hub;
- `MemberRoleStack(scope, id, config=OrganizationConfig(...))`: the member role (the hub's StackSet body).

The function's code is the glacier_cleanup package that installs with this one (no Docker, no checkout);
its Powertools layer is the public one at the version the package pins. `build_app` builds what the
repository's app.py builds from the `glacier-cleanup` context block; examples/ shows both ways
(docs/library.md). One construct per concern in the modules of this package; the organization mode's are
in `organization/`.
"""

from glacier_cleanup import __version__

from .assembly import build_app
from .config import (
    AppConfig,
    CleanupSettings,
    ConfigError,
    FanOut,
    OrganizationConfig,
    TargetConfig,
    TargetIdentity,
    load_config,
)
from .organization.hub_stack import OrganizationHubStack
from .organization.member_role import MemberRoleStack
from .powertools import pinned_powertools_version
from .stack import GlacierCleanupStack

__all__ = [
    "AppConfig",
    "CleanupSettings",
    "ConfigError",
    "FanOut",
    "GlacierCleanupStack",
    "MemberRoleStack",
    "OrganizationConfig",
    "OrganizationHubStack",
    "TargetConfig",
    "TargetIdentity",
    "__version__",
    "build_app",
    "load_config",
    "pinned_powertools_version",
]
